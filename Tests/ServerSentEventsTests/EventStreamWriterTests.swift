import NIOCore
import ServerSentEvents
import Testing

/// ``EventStreamWriter`` and ``HangUpHandler`` on a real server and real sockets: what both of qrpayd's servers rely
/// on. Every wait is for an event, under the suite's time limit.
@Suite(.timeLimit(.minutes(2)))
struct EventStreamWriterTests {
    static let request = "GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n"
    /// 64 KiB: a few hundred of them are far more than the sockets' buffers hold.
    static let big = String(repeating: "x", count: 64 * 1024)

    @Test func eventsArriveInOrderAfterTheRetryHint() async throws {
        try await withStreamServer(EventStreamWriter(reconnectDelay: .milliseconds(250))) { port, streams, _ in
            let client = try await RawClient.connect(port: port)
            try await client.send(Self.request)
            let server = try #require(await streams.next())
            for text in ["Smørbrød", "Blåbær ☕️", "tre"] { server.events.yield(text) }
            #expect(await client.wait { $0.events.count == 4 })
            #expect(client.text.hasPrefix("HTTP/1.1 200 OK"))
            #expect(client.text.lowercased().contains("content-type: text/event-stream"))
            #expect(
                client.events == [
                    ServerSentEvent(retry: 250), ServerSentEvent(event: "text", data: "Smørbrød"),
                    ServerSentEvent(event: "text", data: "Blåbær ☕️"), ServerSentEvent(event: "text", data: "tre"),
                ]
            )
        }
    }

    @Test func aQuietStreamCarriesKeepAlives() async throws {
        try await withStreamServer(EventStreamWriter(keepAliveInterval: .milliseconds(20))) { port, streams, _ in
            let client = try await RawClient.connect(port: port)
            try await client.send(Self.request)
            _ = await streams.next()
            #expect(await client.wait { $0.events.filter { $0 == .keepAlive }.count >= 2 })
        }
    }

    /// A client that stops reading while every event counts: once its queue is full it is disconnected and the
    /// source (its subscription) is let go.
    @Test func aClientThatFallsTooFarBehindIsDisconnected() async throws {
        let writer = EventStreamWriter(mailbox: .queue(limit: 4), keepAliveInterval: .seconds(3600))
        try await withStreamServer(writer) { port, streams, _ in
            let client = try await RawClient.connect(port: port, reading: false, receiveBuffer: 4096)
            try await client.send(Self.request)
            let server = try #require(await streams.next())
            var posted = 0
            while case .enqueued = server.events.yield(Self.big) {
                posted += 1
                await Task.yield()
            }
            for await _ in server.released {}
            #expect(posted > 4)
            try await client.waitForClose()
        }
    }

    /// A client that stops reading while only the newest event counts: nothing overflows, but the write stuck behind
    /// its full socket is noticed at a keep-alive tick and the client is disconnected.
    @Test func aClientWhoseWriteIsStuckIsDisconnected() async throws {
        let writer = EventStreamWriter(mailbox: .newestOnly, keepAliveInterval: .milliseconds(50))
        try await withStreamServer(writer) { port, streams, _ in
            let client = try await RawClient.connect(port: port, reading: false, receiveBuffer: 4096)
            try await client.send(Self.request)
            let server = try #require(await streams.next())
            while case .enqueued = server.events.yield(Self.big) {
                await Task.yield()
            }
            for await _ in server.released {}
            try await client.waitForClose()
        }
    }

    /// A client that hangs up ends its stream at once: no keep-alive comes within the test's time limit to find out.
    @Test func aClientThatHangsUpEndsItsStreamAtOnce() async throws {
        try await withStreamServer(EventStreamWriter(keepAliveInterval: .seconds(3600))) { port, streams, _ in
            let client = try await RawClient.connect(port: port)
            try await client.send(Self.request)
            let server = try #require(await streams.next())
            #expect(await client.wait { !$0.events.isEmpty })
            try await client.channel.close()
            for await _ in server.released {}
        }
    }

    /// Outside an event stream, the end of a client's input is no hang-up: a client that half-closes after its
    /// request still gets the answer.
    @Test func aHalfCloseOutsideAStreamStillGetsItsAnswer() async throws {
        try await withStreamServer(EventStreamWriter()) { port, _, _ in
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /plain HTTP/1.1\r\nHost: localhost\r\n\r\n")
            try await client.channel.close(mode: .output)
            #expect(await client.wait { $0.text.hasSuffix("hello") })
            #expect(client.text.hasPrefix("HTTP/1.1 200 OK"))
        }
    }

    /// Graceful shutdown ends the response after what was already posted, lets go of the source, and lets the server
    /// stop while the client is still connected.
    @Test func gracefulShutdownEndsTheStream() async throws {
        try await withStreamServer(EventStreamWriter(keepAliveInterval: .seconds(3600))) { port, streams, shutDown in
            let client = try await RawClient.connect(port: port)
            try await client.send(Self.request)
            let server = try #require(await streams.next())
            server.events.yield("before")
            #expect(await client.wait { $0.events.count == 2 })
            await shutDown()
            for await _ in server.released {}
            try await client.waitForClose()
            #expect(client.text.hasSuffix("0\r\n\r\n"), "the chunked response was ended, not cut off")
        }
    }
}
