/// Cuts a `text/event-stream` into ``ServerSentEvent``s as its bytes arrive, in chunks of any size.
///
/// Bytes are kept until a whole line is there and only then decoded, so a character split across two network chunks
/// (an `ø` is two bytes) is never decoded in halves. Lines may end in LF, CRLF or CR, as the format allows.
///
/// ```swift
/// var parser = ServerSentEventParser()
/// parser.append(chunk.readableBytesView)
/// while let event = parser.next() { … }
/// ```
package struct ServerSentEventParser: Sendable {
    private var pending: [UInt8] = []
    /// Where the next unread line starts in `pending`.
    private var start = 0
    /// A CR ended the last line: an LF right after it belongs to the same line end.
    private var skipLineFeed = false
    private var block = ServerSentEvent()
    private var blockHasFields = false
    private var dataLines: [String] = []

    package init() {}

    /// Adds the next bytes of the stream.
    package mutating func append(_ bytes: some Sequence<UInt8>) {
        if self.start > 0, self.start >= self.pending.count / 2 {
            self.pending.removeFirst(self.start)
            self.start = 0
        }
        self.pending.append(contentsOf: bytes)
    }

    /// The next whole block (an event, a `retry:` or a comment); nil until more bytes come.
    package mutating func next() -> ServerSentEvent? {
        while let line = self.nextLine() {
            if line.isEmpty {
                if let event = self.endBlock() { return event }
            } else {
                self.read(line)
            }
        }
        return nil
    }

    private mutating func nextLine() -> String? {
        if self.skipLineFeed, self.start < self.pending.count {
            self.skipLineFeed = false
            if self.pending[self.start] == UInt8(ascii: "\n") { self.start += 1 }
        }
        guard
            let end = self.pending[self.start...].firstIndex(where: {
                $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r")
            })
        else { return nil }
        let line = String(decoding: self.pending[self.start..<end], as: UTF8.self)
        self.skipLineFeed = self.pending[end] == UInt8(ascii: "\r")
        self.start = end + 1
        return line
    }

    private mutating func read(_ line: String) {
        self.blockHasFields = true
        let colon = line.firstIndex(of: ":") ?? line.endIndex
        let field = line[..<colon]
        var value = colon < line.endIndex ? line[line.index(after: colon)...] : ""
        if value.hasPrefix(" ") { value = value.dropFirst() }
        switch field {
        case "": self.block.comments.append(String(value))
        case "event": self.block.event = String(value)
        case "id": self.block.id = String(value)
        case "data": self.dataLines.append(String(value))
        case "retry":
            if !value.isEmpty, value.allSatisfy(\.isASCII), value.allSatisfy(\.isNumber) {
                self.block.retry = Int(value)
            }
        default: break
        }
    }

    private mutating func endBlock() -> ServerSentEvent? {
        defer {
            self.block = ServerSentEvent()
            self.blockHasFields = false
            self.dataLines = []
        }
        guard self.blockHasFields else { return nil }
        var event = self.block
        if !self.dataLines.isEmpty { event.data = self.dataLines.joined(separator: "\n") }
        return event
    }
}
