import AsyncHTTPClient
import CustomerDisplay
import Foundation
import NIOCore
import NIOHTTP1
import ServerSentEvents
import Testing

/// `/events`: framing, replay on connect, keep-alives, shutdown, and a stuck page that must not hold anyone up.
@Suite(.timeLimit(.minutes(2)))
struct EventStreamTests {
    static let payment = DisplayScreen(
        kind: .qr,
        reference: "till7-000123",
        amount: 12900,
        text: "Kaffe og bolle",
        qrVersion: 1,
        expiresAt: Date(timeIntervalSinceNow: 300)
    )

    @Test func aNewPageGetsTheCurrentScreenThenEveryChange() async throws {
        let feed = DisplayFeed()
        await feed.show(Self.payment)
        try await withDisplayServer(feed: feed) { server in
            let client = try await EventStreamClient.connect(to: server.baseURL)
            #expect(client.response.status == .ok)
            #expect(client.response.headers["Content-Type"] == ["text/event-stream"])
            #expect(client.response.headers["Cache-Control"] == ["no-store"])
            #expect(client.response.headers["Content-Security-Policy"] == ["default-src 'self'"])

            var frames = client.frames.makeAsyncIterator()
            let retry = try #require(try await frames.next())
            #expect(retry == ServerSentEvent(retry: 1000))

            let replay = try #require(try await frames.next())
            #expect(replay.event == "screen")
            #expect(replay.id == "1")
            let replayed = try replay.screen()
            #expect(replayed.kind == .qr)
            #expect(replayed.reference == "till7-000123")
            #expect(replayed.amount == 12900)
            #expect(replayed.text == "Kaffe og bolle")

            var paid = Self.payment
            paid.kind = .paid
            await feed.show(paid)
            let change = try #require(try await frames.next())
            #expect(change.event == "screen")
            #expect(change.id == "2")
            #expect(try change.screen().kind == .paid)
        }
    }

    @Test func theWireFormatIsOneEventPerScreen() async throws {
        let feed = DisplayFeed()
        var screen = DisplayScreen(kind: .declined, amount: 5000, text: "Line one\nline two", reason: .cardDeclined)
        screen.currency = "NOK"
        await feed.show(screen)
        try await withDisplayServer(feed: feed) { server in
            let client = try await EventStreamClient.connect(to: server.baseURL)
            var chunks = client.response.body.makeAsyncIterator()
            var text = ""
            while !text.contains("}\n\n") {
                let chunk = try #require(try await chunks.next())
                text += String(buffer: chunk)
            }
            let lines = text.components(separatedBy: "\n")
            #expect(lines[0] == "retry: 1000")
            #expect(lines[1] == "")
            #expect(lines[2] == "event: screen")
            #expect(lines[3] == "id: 1")
            #expect(lines[4].hasPrefix("data: {"))
            #expect(
                lines[4].contains(#""text":"Line one\nline two""#),
                "newlines stay escaped inside the one data line"
            )
            #expect(lines[5] == "")
        }
    }

    @Test func idleStreamsCarryKeepAliveComments() async throws {
        try await withDisplayServer(keepAliveInterval: .milliseconds(50)) { server in
            let client = try await EventStreamClient.connect(to: server.baseURL)
            var frames = client.frames.makeAsyncIterator()
            _ = try await frames.next()  // retry
            _ = try await frames.next()  // the idle screen
            let keepAlive = try #require(try await frames.next())
            #expect(keepAlive == ServerSentEvent(comments: ["keep-alive"]))
        }
    }

    @Test func gracefulShutdownEndsOpenStreams() async throws {
        let feed = DisplayFeed()
        try await withDisplayServer(feed: feed) { server in
            let client = try await EventStreamClient.connect(to: server.baseURL)
            var frames = client.frames.makeAsyncIterator()
            _ = try await frames.next()
            _ = try await frames.next()
            #expect(await feed.subscriberCount == 1)

            await server.shutDownGracefully()
            // The server ends the response instead of waiting for the page to hang up.
            while try await frames.next() != nil {}
        }
        // withDisplayServer returned, so the service stopped; its subscription is gone too.
        await feed.waitForSubscribers(0)
    }

    @Test func aPageThatHangsUpIsForgotten() async throws {
        let feed = DisplayFeed()
        try await withDisplayServer(feed: feed, keepAliveInterval: .milliseconds(20)) { server in
            do {
                let page = try RawSocket(host: "127.0.0.1", port: server.port)
                try page.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n\r\n")
                await feed.waitForSubscribers(1)
            }
            // The socket is closed; the next keep-alive write fails and the subscription ends.
            await feed.waitForSubscribers(0)
        }
    }

    /// `/v1/health` counts connected pages: a page that goes must stop counting when its connection closes, not at
    /// the next keep-alive (15 s later). Here no keep-alive comes within the test's time limit.
    @Test func aPageThatHangsUpIsForgottenAtOnceWithoutWaitingForAKeepAlive() async throws {
        let feed = DisplayFeed()
        await feed.show(Self.payment)
        try await withDisplayServer(feed: feed, keepAliveInterval: .seconds(3600)) { server in
            do {
                let page = try RawSocket(host: "127.0.0.1", port: server.port)
                try page.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n\r\n")
                await feed.waitForSubscribers(1)
                // The page reads what it was sent, then closes as a browser tab does (an orderly FIN).
                #expect(try await page.readScreens(until: 12900) == [12900])
            }
            await feed.waitForSubscribers(0)
        }
    }

    /// A page whose socket never drains (a frozen browser) fills the kernel buffers and blocks its own writer.
    /// The feed and the other page must not notice, and when the stuck page drains it gets the newest screen
    /// without a backlog of every screen in between.
    @Test func aStuckPageDoesNotHoldUpTheFeedOrOtherPages() async throws {
        let feed = DisplayFeed()
        try await withDisplayServer(feed: feed) { server in
            let stuck = try RawSocket(host: "127.0.0.1", port: server.port, receiveBufferSize: 4096)
            try stuck.send(
                "GET /events HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nAccept: text/event-stream\r\n\r\n"
            )
            let healthy = try await EventStreamClient.connect(to: server.baseURL)
            var healthyFrames = healthy.frames.makeAsyncIterator()
            _ = try await healthyFrames.next()
            _ = try await healthyFrames.next()
            // Both pages are connected before the flood starts.
            await feed.waitForSubscribers(2)

            // 600 × 32 KiB is far more than the stuck socket's buffers hold (a few MiB), so its writer blocks early on.
            let screens = 600
            let filler = String(repeating: "x", count: 32 * 1024)
            for number in 1...screens {
                var screen = Self.payment
                screen.amount = number
                screen.text = filler
                await feed.show(screen)
                // The healthy page keeps up with every change meanwhile.
                var seen = 0
                while seen != number {
                    let frame = try #require(try await healthyFrames.next())
                    if frame.event == "screen" {
                        seen = try frame.screen().amount ?? 0
                    }
                }
            }

            // Now the stuck page drains: it ends on the newest screen and skipped most of the ones in between.
            let received = try await stuck.readScreens(until: screens)
            #expect(received.last == screens)
            #expect(received.count < screens / 2, "\(received.count) screens: the stuck page got a backlog")
        }
    }
}
