import AsyncHTTPClient
import CustomerDisplay
import Foundation
import NIOCore
import NIOHTTP1

/// One server-sent event (or comment) as it came over the wire.
struct EventFrame: Sendable, Equatable {
    var event: String?
    var id: String?
    var data: String?
    var retry: String?
    var comments: [String] = []

    func screen() throws -> DisplayScreen {
        guard let data else {
            throw HarnessError(description: "frame has no data: \(self)")
        }
        return try DisplayScreen.makeJSONDecoder().decode(DisplayScreen.self, from: Data(data.utf8))
    }
}

/// Reads `/events` with AsyncHTTPClient and splits the body into frames, exactly as the wire has them.
struct EventStreamClient {
    let response: HTTPClientResponse

    static func connect(to baseURL: String) async throws -> EventStreamClient {
        var request = HTTPClientRequest(url: "\(baseURL)/events")
        request.headers.add(name: "Accept", value: "text/event-stream")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(300))
        return EventStreamClient(response: response)
    }

    /// The frames in arrival order; ends when the server ends the response.
    var frames: EventFrames { EventFrames(body: self.response.body) }

    static func parse(_ block: String) -> EventFrame {
        var frame = EventFrame()
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") {
                frame.comments.append(String(line.dropFirst()).trimmingCharacters(in: .whitespaces))
                continue
            }
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let field = String(parts[0])
            var value = parts.count > 1 ? String(parts[1]) : ""
            if value.hasPrefix(" ") {
                value.removeFirst()
            }
            switch field {
            case "event": frame.event = value
            case "id": frame.id = value
            case "data": frame.data = (frame.data.map { $0 + "\n" } ?? "") + value
            case "retry": frame.retry = value
            default: break
            }
        }
        return frame
    }
}

/// The response body cut into frames at blank lines (bytes first, so a chunk boundary inside a UTF-8 character
/// does no harm).
struct EventFrames: AsyncSequence {
    typealias Element = EventFrame

    let body: HTTPClientResponse.Body

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: self.body.makeAsyncIterator())
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: HTTPClientResponse.Body.AsyncIterator
        var pending: [UInt8] = []

        mutating func next() async throws -> EventFrame? {
            while true {
                if let end = self.blankLine() {
                    let block = String(decoding: self.pending[..<end], as: UTF8.self)
                    self.pending.removeSubrange(..<(end + 2))
                    return EventStreamClient.parse(block)
                }
                guard let chunk = try await self.chunks.next() else {
                    return nil
                }
                self.pending.append(contentsOf: chunk.readableBytesView)
            }
        }

        private func blankLine() -> Int? {
            guard self.pending.count >= 2 else { return nil }
            for index in 0..<(self.pending.count - 1)
            where self.pending[index] == UInt8(ascii: "\n") && self.pending[index + 1] == UInt8(ascii: "\n") {
                return index
            }
            return nil
        }
    }
}
