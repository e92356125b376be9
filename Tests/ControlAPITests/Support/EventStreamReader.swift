import AsyncHTTPClient
import ControlAPI
import Foundation
import PaymentCore
import ServerSentEvents

/// Reads `/v1/events` block by block, as an EventSource would (through the shared ``ServerSentEventReader``).
struct EventStreamReader {
    private var blocks: ServerSentEventReader<HTTPClientResponse.Body>

    init(_ response: HTTPClientResponse) {
        self.blocks = ServerSentEventReader(response.body)
    }

    /// The next block (comments and the `retry:` hint included), or nil when the server ended the stream.
    mutating func next() async throws -> ServerSentEvent? {
        try await self.blocks.next()
    }

    /// The next `event: payment`, skipping comments and the `retry:` hint.
    mutating func nextPayment() async throws -> (id: Int64, payment: PaymentResource)? {
        while let event = try await self.blocks.next(ofType: "payment") {
            guard let id = event.id.flatMap({ Int64($0) }) else { continue }
            return (id, try ControlClient.decoder.decode(PaymentResource.self, from: Data((event.data ?? "").utf8)))
        }
        return nil
    }

    /// Payment events up to and including the first that satisfies `condition`.
    mutating func payments(until condition: (PaymentResource) -> Bool) async throws -> [(
        id: Int64, payment: PaymentResource
    )] {
        var seen: [(id: Int64, payment: PaymentResource)] = []
        while let event = try await self.nextPayment() {
            seen.append(event)
            if condition(event.payment) { return seen }
        }
        throw StreamEnded(seen: seen.map(\.payment.state))
    }

    struct StreamEnded: Error, CustomStringConvertible {
        var seen: [PaymentState]
        var description: String { "The event stream ended after \(self.seen.map(\.rawValue))" }
    }
}
