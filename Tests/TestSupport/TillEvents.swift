public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ServerSentEvents

/// The till's event stream (`GET /v1/events`), read the way a till reads it.
extension TillClient {
    /// One server-sent event: its `id:` and its `data:` lines joined.
    public struct Event: Sendable {
        public var id: String?
        public var data: String

        /// The payment object the event carries.
        public var payment: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(self.data.utf8))) as? [String: Any]
        }
    }

    public struct EventStreamEnded: Error, CustomStringConvertible {
        public var waitingFor: String
        public var description: String { "the event stream ended before \(self.waitingFor)" }
    }

    /// Opens the stream (after `lastEventID`, if given), calls `opened` once its head has arrived, and hands each
    /// event to `handle` until it returns `false` or the stream ends. Throws if the stream cannot be opened or
    /// breaks. `client` replaces the till's own (for other timeouts).
    public func followEvents(
        after lastEventID: String?,
        using client: HTTPClient? = nil,
        opened: () async -> Void = {},
        _ handle: (Event) async -> Bool
    ) async throws {
        let encoded = self.socketPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? self.socketPath
        var request = HTTPClientRequest(url: "http+unix://\(encoded)/v1/events")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        let response = try await (client ?? self.httpClient).execute(request, timeout: .hours(12))
        guard response.status == .ok else { throw EventStreamEnded(waitingFor: "it opened (\(response.status))") }
        await opened()
        var events = ServerSentEventReader(response.body)
        while let event = try await events.next() {
            guard let data = event.data else { continue }
            if !(await handle(Event(id: event.id, data: data))) { return }
        }
    }

    /// Follows the event stream until payment `reference` reaches `state` (the till's way to learn an outcome).
    public func waitForState(_ reference: String, _ state: String) async throws -> [String: Any] {
        let now = try await self.send(.GET, "/v1/payments/\(reference)")
        if now.json["state"] as? String == state { return now.json }
        var found: [String: Any]?
        try await self.followEvents(after: "0") { event in
            guard let payment = event.payment, payment["reference"] as? String == reference,
                payment["state"] as? String == state
            else { return true }
            found = payment
            return false
        }
        guard let found else { throw EventStreamEnded(waitingFor: "\(reference) became \(state)") }
        return found
    }
}
