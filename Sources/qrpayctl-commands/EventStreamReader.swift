import AsyncHTTPClient
import Foundation
import ServerSentEvents

/// Reads `/v1/events` one payment event at a time (the bytes are cut into events by the shared
/// ``ServerSentEventReader``, so a character split across network chunks arrives whole).
struct EventStreamReader {
    /// One `event: payment`.
    struct Event: Sendable {
        var id: Int64?
        /// The payment JSON, as the daemon sent it.
        var data: String

        func payment() throws -> WirePayment {
            try JSONDecoder().decode(WirePayment.self, from: Data(self.data.utf8))
        }
    }

    private var events: ServerSentEventReader<HTTPClientResponse.Body>
    private let failure: @Sendable (any Error) -> any Error

    init(_ body: HTTPClientResponse.Body, failure: @escaping @Sendable (any Error) -> any Error) {
        self.events = ServerSentEventReader(body)
        self.failure = failure
    }

    /// The next payment event, or nil when the daemon ended the stream.
    mutating func next() async throws -> Event? {
        do {
            while let event = try await self.events.next(ofType: "payment") {
                guard let data = event.data else { continue }
                return Event(id: event.id.flatMap { Int64($0) }, data: data)
            }
            return nil
        } catch {
            throw self.failure(error)
        }
    }
}
