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

    /// What the stream carries: payment events, and first, when the till asks to replay from before events the
    /// retention deleted, a notice that its history is incomplete.
    enum Item: Sendable {
        case payment(PaymentEvent)
        case historyPruned(through: Int64)
    }

    /// Subscribes at once, so that the till misses nothing between its request and the first write.
    func makeBody(after lastEventID: Int64?, channel: any Channel) async -> ResponseBody {
        let payments = await self.hub.subscribe(after: lastEventID)
        let prunedThrough = await self.hub.prunedThroughEventID()
        let pruned = lastEventID.map { $0 < prunedThrough } ?? false
        let writer = EventStreamWriter(
            mailbox: .queue(limit: self.backlogLimit),
            keepAliveInterval: self.keepAliveInterval,
            reconnectDelay: self.reconnectDelay
        )
        return ResponseBody { body in
            let encoder = WireJSON.makeEncoder()
            if pruned {
                let events = Self.prefixed(.historyPruned(through: prunedThrough), payments)
                try await writer.run(events, on: channel, render: { try Self.render($0, encoder: encoder) }) { bytes in
                    try await body.write(bytes)
                }
            } else {
                try await writer.run(payments, on: channel, render: { try Self.render(.payment($0), encoder: encoder) })
                {
                    bytes in try await body.write(bytes)
                }
            }
            // A till that hung up has no connection to finish the response on.
            if channel.isActive { try await body.finish(nil) }
        }
    }

    /// `notice`, then what `payments` yields, in a stream that ends the subscription when it is dropped.
    static func prefixed(_ notice: Item, _ payments: AsyncStream<PaymentEvent>) -> AsyncStream<Item> {
        AsyncStream { continuation in
            continuation.yield(notice)
            let task = Task {
                for await event in payments { continuation.yield(.payment(event)) }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// `event: payment`, the event's number as `id:`, and the payment as one line of JSON (the encoder writes no
    /// newlines). A pruned history is `event: history-pruned` with no `id:` (the till's last id stays as it was) and
    /// `{"prunedThroughEventId": N}`: events up to N were deleted by the retention, so some of what the till asked to
    /// replay is gone; it reads `GET /v1/payments` for the payments that matter.
    static func render(_ item: Item, encoder: JSONEncoder) throws -> ServerSentEvent {
        switch item {
        case .payment(let event):
            ServerSentEvent(
                event: "payment",
                id: String(event.id),
                data: String(decoding: try encoder.encode(PaymentResource(event.payment)), as: UTF8.self)
            )
        case .historyPruned(let through):
            ServerSentEvent(event: "history-pruned", data: #"{"prunedThroughEventId":\#(through)}"#)
        }
    }
}
