package import NIOCore

/// Reads ``ServerSentEvent``s from a response body that arrives as `ByteBuffer`s (AsyncHTTPClient's, say), through
/// one ``ServerSentEventParser``.
package struct ServerSentEventReader<Body: AsyncSequence> where Body.Element == ByteBuffer {
    private var chunks: Body.AsyncIterator
    private var parser = ServerSentEventParser()

    package init(_ body: Body) {
        self.chunks = body.makeAsyncIterator()
    }

    /// The next block, comments and `retry:` included; nil when the stream ended. Rethrows the body's error.
    package mutating func next() async throws -> ServerSentEvent? {
        while true {
            if let event = self.parser.next() { return event }
            guard let chunk = try await self.chunks.next() else { return nil }
            self.parser.append(chunk.readableBytesView)
        }
    }

    /// The next block with an `event:` of `type`, skipping everything else.
    package mutating func next(ofType type: String) async throws -> ServerSentEvent? {
        while let event = try await self.next() {
            if event.event == type { return event }
        }
        return nil
    }
}
