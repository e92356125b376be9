import Foundation
import NIOCore

/// The text framing of `/events` (the `text/event-stream` format EventSource reads).
enum ServerSentEvents {
    /// `event: screen`, the sequence as `id:`, and the screen as one line of JSON.
    static func screenEvent(_ screen: DisplayScreen, encoder: JSONEncoder) throws -> ByteBuffer {
        // The encoder writes no newlines (strings escape theirs), so the JSON is always a single `data:` line.
        let json = try encoder.encode(screen)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(json.count + 40)
        buffer.writeString("event: screen\nid: \(screen.sequence)\ndata: ")
        buffer.writeBytes(json)
        buffer.writeString("\n\n")
        return buffer
    }

    /// A comment line: EventSource ignores it, but writing it finds dead connections and keeps idle ones open.
    static let keepAlive = ByteBuffer(string: ": keep-alive\n\n")

    /// Tells EventSource how long to wait before reconnecting after the stream ends.
    static func reconnectDelay(_ delay: Duration) -> ByteBuffer {
        let milliseconds = delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000
        return ByteBuffer(string: "retry: \(milliseconds)\n\n")
    }
}
