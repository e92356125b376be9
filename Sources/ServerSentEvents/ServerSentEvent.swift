package import NIOCore

/// One block of a `text/event-stream` (the format browsers' EventSource reads): what a server writes and what a
/// reader gets back, with the same fields either way.
package struct ServerSentEvent: Sendable, Hashable {
    /// `event:`, the event's type (EventSource's `message` when absent).
    package var event: String?
    /// `id:`, which the client sends back as `Last-Event-ID` when it reconnects.
    package var id: String?
    /// The `data:` lines joined with newlines; nil when the block had none.
    package var data: String?
    /// `retry:`, how many milliseconds a client waits before reconnecting.
    package var retry: Int?
    /// Comment lines (`: text`), without the colon and the space after it.
    package var comments: [String]

    package init(
        event: String? = nil,
        id: String? = nil,
        data: String? = nil,
        retry: Int? = nil,
        comments: [String] = []
    ) {
        self.event = event
        self.id = id
        self.data = data
        self.retry = retry
        self.comments = comments
    }

    /// A comment: clients ignore it, but writing it finds dead connections and keeps idle ones (and proxies) open.
    package static let keepAlive = ServerSentEvent(comments: ["keep-alive"])

    /// Tells the client how long to wait before reconnecting when the stream ends (a restart, say).
    package static func reconnect(after delay: Duration) -> ServerSentEvent {
        let (seconds, attoseconds) = delay.components
        return ServerSentEvent(retry: Int(seconds * 1000 + attoseconds / 1_000_000_000_000_000))
    }

    /// Whether the block carries only comments (a keep-alive).
    package var isComment: Bool {
        self.event == nil && self.id == nil && self.data == nil && self.retry == nil
    }

    /// The block as it goes on the wire, ending in its blank line. Data with newlines becomes several `data:` lines;
    /// a newline in a comment, `event:` or `id:` (which would end the field early) is dropped.
    package func encoded() -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity((self.data?.utf8.count ?? 0) + 64)
        for comment in self.comments {
            Self.write(field: "", value: comment, to: &buffer)
        }
        if let event = self.event { Self.write(field: "event", value: event, to: &buffer) }
        if let id = self.id { Self.write(field: "id", value: id, to: &buffer) }
        if let retry = self.retry { Self.write(field: "retry", value: String(retry), to: &buffer) }
        if let data = self.data {
            // Only LF, CR and CRLF end a line in this format (not U+2028 and the like, which stay inside the data).
            var utf8 = Substring(data).utf8[...]
            while true {
                let end = utf8.firstIndex { $0 == Self.lineFeed || $0 == Self.carriageReturn } ?? utf8.endIndex
                buffer.writeString("data: ")
                buffer.writeBytes(utf8[..<end])
                buffer.writeInteger(Self.lineFeed)
                guard end < utf8.endIndex else { break }
                var next = utf8.index(after: end)
                if utf8[end] == Self.carriageReturn, next < utf8.endIndex, utf8[next] == Self.lineFeed {
                    next = utf8.index(after: next)
                }
                utf8 = utf8[next...]
            }
        }
        buffer.writeInteger(Self.lineFeed)
        return buffer
    }

    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    private static func write(field: String, value: String, to buffer: inout ByteBuffer) {
        buffer.writeString(field)
        buffer.writeString(": ")
        buffer.writeBytes(value.utf8.lazy.filter { $0 != Self.lineFeed && $0 != Self.carriageReturn })
        buffer.writeInteger(Self.lineFeed)
    }
}
