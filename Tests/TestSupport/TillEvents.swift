import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

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
        var pending = ""
        var event = Event(id: nil, data: "")
        var hasData = false
        for try await chunk in response.body {
            pending += String(buffer: chunk)
            while let newline = pending.firstIndex(of: "\n") {
                let line = pending[..<newline]
                pending = String(pending[pending.index(after: newline)...])
                if line.isEmpty {
                    if hasData, !(await handle(event)) { return }
                    event = Event(id: nil, data: "")
                    hasData = false
                } else if line.hasPrefix("id:") {
                    event.id = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
                } else if line.hasPrefix("data:") {
                    event.data += (hasData ? "\n" : "") + line.dropFirst(5).drop { $0 == " " }
                    hasData = true
                }
            }
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
