import Foundation
import Hummingbird
import NIOCore
import PaymentCore
import ServerSentEvents

/// One till's `/v1/events` response: a `retry:` hint, then every payment event (the missed ones first when the till
/// sent `Last-Event-ID`) as `event: payment` with the payment object as `data`, and a keep-alive comment every
/// ``keepAliveInterval``.
///
/// Every event counts: a till that falls more than ``backlogLimit`` events behind is disconnected and catches up from
/// the store when it reconnects with its last id (``EventStreamWriter`` does the writing, keep-alives, disconnecting
/// and shutdown).
struct PaymentEventStream: Sendable {
    var hub: EventHub
    var keepAliveInterval: Duration = .seconds(15)
    var reconnectDelay: Duration = .seconds(1)
    /// Events a till may have waiting before it counts as stuck.
    var backlogLimit = 256

    /// Subscribes at once, so that the till misses nothing between its request and the first write.
    func makeBody(after lastEventID: Int64?, channel: any Channel) async -> ResponseBody {
        let events = await self.hub.subscribe(after: lastEventID)
        let writer = EventStreamWriter(
            mailbox: .queue(limit: self.backlogLimit),
            keepAliveInterval: self.keepAliveInterval,
            reconnectDelay: self.reconnectDelay
        )
        return ResponseBody { body in
            let encoder = WireJSON.makeEncoder()
            try await writer.run(events, on: channel, render: { try Self.render($0, encoder: encoder) }) { bytes in
                try await body.write(bytes)
            }
            // A till that hung up has no connection to finish the response on.
            if channel.isActive { try await body.finish(nil) }
        }
    }

    /// `event: payment`, the event's number as `id:`, and the payment as one line of JSON (the encoder writes no
    /// newlines).
    static func render(_ event: PaymentEvent, encoder: JSONEncoder) throws -> ServerSentEvent {
        ServerSentEvent(
            event: "payment",
            id: String(event.id),
            data: String(decoding: try encoder.encode(PaymentResource(event.payment)), as: UTF8.self)
        )
    }
}
