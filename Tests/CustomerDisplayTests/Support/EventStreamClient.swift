import AsyncHTTPClient
import CustomerDisplay
import Foundation
import NIOCore
import NIOHTTP1
import ServerSentEvents

extension ServerSentEvent {
    /// The screen a `screen` event carries.
    func screen() throws -> DisplayScreen {
        guard let data else {
            throw HarnessError(description: "event has no data: \(self)")
        }
        return try DisplayScreen.makeJSONDecoder().decode(DisplayScreen.self, from: Data(data.utf8))
    }
}

/// Reads `/events` with AsyncHTTPClient, cut into events exactly as the wire has them.
struct EventStreamClient {
    let response: HTTPClientResponse

    static func connect(to baseURL: String) async throws -> EventStreamClient {
        var request = HTTPClientRequest(url: "\(baseURL)/events")
        request.headers.add(name: "Accept", value: "text/event-stream")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(300))
        return EventStreamClient(response: response)
    }

    /// The events (comments and `retry:` included) in arrival order; ends when the server ends the response.
    var frames: EventFrames { EventFrames(body: self.response.body) }
}

/// The response body as ``ServerSentEvent``s, through the shared reader.
struct EventFrames: AsyncSequence {
    typealias Element = ServerSentEvent

    let body: HTTPClientResponse.Body

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(reader: ServerSentEventReader(self.body))
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var reader: ServerSentEventReader<HTTPClientResponse.Body>

        mutating func next() async throws -> ServerSentEvent? {
            try await self.reader.next()
        }
    }
}
