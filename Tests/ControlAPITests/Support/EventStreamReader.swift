import AsyncHTTPClient
import Foundation
import NIOCore
import PaymentCore

/// Reads a `text/event-stream` response block by block, as an EventSource would.
struct EventStreamReader {
    struct Event: Sendable {
        var id: Int64?
        var name: String?
        var data: String
        var retry: Int?
        /// A block with only comments (`: keep-alive`).
        var isComment: Bool

        func payment() throws -> Payment {
            try ControlClient.decoder.decode(Payment.self, from: Data(self.data.utf8))
        }
    }

    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var pending = ""

    init(_ response: HTTPClientResponse) {
        self.iterator = response.body.makeAsyncIterator()
    }

    /// The next block, or nil when the server ended the stream.
    mutating func next() async throws -> Event? {
        while true {
            if let range = self.pending.range(of: "\n\n") {
                let block = String(self.pending[..<range.lowerBound])
                self.pending.removeSubrange(..<range.upperBound)
                return Self.parse(block)
            }
            guard let buffer = try await self.iterator.next() else { return nil }
            self.pending += String(buffer: buffer)
        }
    }

    /// The next `event: payment`, skipping comments and the `retry:` hint.
    mutating func nextPayment() async throws -> (id: Int64, payment: Payment)? {
        while let event = try await self.next() {
            guard event.name == "payment", let id = event.id else { continue }
            return (id, try event.payment())
        }
        return nil
    }

    /// Payment events up to and including the first that satisfies `condition`.
    mutating func payments(until condition: (Payment) -> Bool) async throws -> [(id: Int64, payment: Payment)] {
        var seen: [(id: Int64, payment: Payment)] = []
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

    private static func parse(_ block: String) -> Event {
        var event = Event(data: "", isComment: true)
        var dataLines: [String] = []
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") { continue }
            event.isComment = false
            let (field, value) = Self.split(line)
            switch field {
            case "id": event.id = Int64(value)
            case "event": event.name = value
            case "data": dataLines.append(value)
            case "retry": event.retry = Int(value)
            default: break
            }
        }
        event.data = dataLines.joined(separator: "\n")
        return event
    }

    private static func split(_ line: Substring) -> (String, String) {
        guard let colon = line.firstIndex(of: ":") else { return (String(line), "") }
        var value = line[line.index(after: colon)...]
        if value.hasPrefix(" ") { value = value.dropFirst() }
        return (String(line[..<colon]), String(value))
    }
}
