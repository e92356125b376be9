import Foundation
import NIOCore
import PaymentCore

/// The `text/event-stream` framing of `/v1/events`.
enum EventStreamFormat {
    /// `id:`, `event: payment` and the payment as a single `data:` line (the encoder writes no newlines).
    static func paymentEvent(_ event: PaymentEvent, encoder: JSONEncoder) throws -> ByteBuffer {
        let json = try encoder.encode(event.payment)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(json.count + 48)
        buffer.writeString("id: \(event.id)\nevent: payment\ndata: ")
        buffer.writeBytes(json)
        buffer.writeString("\n\n")
        return buffer
    }

    /// A comment: clients ignore it, but writing it finds dead connections and keeps proxies from timing out.
    static let keepAlive = ByteBuffer(string: ": keep-alive\n\n")

    /// How long a client should wait before reconnecting when the stream ends (a daemon restart, say).
    static func retry(after delay: Duration) -> ByteBuffer {
        let (seconds, attoseconds) = delay.components
        return ByteBuffer(string: "retry: \(seconds * 1000 + attoseconds / 1_000_000_000_000_000)\n\n")
    }
}
