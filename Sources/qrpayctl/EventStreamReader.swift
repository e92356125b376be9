import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// Reads `/v1/events` (`text/event-stream`) one payment event at a time.
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

    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var pending = ""
    private let failure: @Sendable (any Error) -> any Error

    init(_ body: HTTPClientResponse.Body, failure: @escaping @Sendable (any Error) -> any Error) {
        self.iterator = body.makeAsyncIterator()
        self.failure = failure
    }

    /// The next payment event, or nil when the daemon ended the stream.
    mutating func next() async throws -> Event? {
        while true {
            while let end = self.pending.range(of: "\n\n") {
                let block = self.pending[..<end.lowerBound]
                self.pending.removeSubrange(..<end.upperBound)
                if let event = Self.parse(block) { return event }
            }
            let buffer: ByteBuffer?
            do {
                buffer = try await self.iterator.next()
            } catch {
                throw self.failure(error)
            }
            guard let buffer else { return nil }
            self.pending += String(buffer: buffer)
        }
    }

    /// A block's payment event; nil for comments, `retry:` and other events.
    private static func parse(_ block: Substring) -> Event? {
        var id: Int64?
        var name: String?
        var data: [Substring] = []
        for line in block.split(separator: "\n") where !line.hasPrefix(":") {
            let field = line.prefix { $0 != ":" }
            var value = line.dropFirst(field.count + 1)
            if value.hasPrefix(" ") { value = value.dropFirst() }
            switch field {
            case "id": id = Int64(value)
            case "event": name = String(value)
            case "data": data.append(value)
            default: break
            }
        }
        guard name == "payment", !data.isEmpty else { return nil }
        return Event(id: id, data: data.joined(separator: "\n"))
    }
}
