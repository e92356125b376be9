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
    private var frames = EventStreamFrames()
    private let failure: @Sendable (any Error) -> any Error

    init(_ body: HTTPClientResponse.Body, failure: @escaping @Sendable (any Error) -> any Error) {
        self.iterator = body.makeAsyncIterator()
        self.failure = failure
    }

    /// The next payment event, or nil when the daemon ended the stream.
    mutating func next() async throws -> Event? {
        while true {
            if let event = self.frames.next() { return event }
            let buffer: ByteBuffer?
            do {
                buffer = try await self.iterator.next()
            } catch {
                throw self.failure(error)
            }
            guard let buffer else { return nil }
            self.frames.append(buffer.readableBytesView)
        }
    }
}

/// Cuts a `text/event-stream` into events as its bytes arrive. Bytes are kept until a whole block (ending in a blank
/// line) is there and only then decoded, so a character split across two network chunks (an `ø` is two bytes) is
/// never decoded in halves.
struct EventStreamFrames {
    private var pending: [UInt8] = []

    mutating func append(_ bytes: some Sequence<UInt8>) {
        self.pending.append(contentsOf: bytes)
    }

    /// The next whole payment event, skipping comments and other blocks; nil until more bytes come.
    mutating func next() -> EventStreamReader.Event? {
        while let end = self.blockEnd() {
            let block = String(decoding: self.pending[..<end], as: UTF8.self)
            self.pending.removeFirst(end + 2)
            if let event = Self.parse(Substring(block)) { return event }
        }
        return nil
    }

    private func blockEnd() -> Int? {
        guard self.pending.count >= 2 else { return nil }
        for index in 0..<(self.pending.count - 1) where self.pending[index] == 0x0A && self.pending[index + 1] == 0x0A {
            return index
        }
        return nil
    }

    /// A block's payment event; nil for comments, `retry:` and other events.
    static func parse(_ block: Substring) -> EventStreamReader.Event? {
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
        return EventStreamReader.Event(id: id, data: data.joined(separator: "\n"))
    }
}
