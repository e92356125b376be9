import CustomerDisplay
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Testing

extension ChromiumTests {
    /// The daemon going away and coming back, as the page on the kiosk lives through it.
    @Suite
    struct KioskReconnectTests {
        @Test func thePageFallsBackToIdleAndPicksUpTheNextDaemon() async throws {
            try await withHeadlessChromium { browser in
                let page = try await BrowserPage.open(in: browser, width: 1280, height: 800)

                // First daemon: a payment is on screen.
                let firstFeed = DisplayFeed()
                await firstFeed.show(KioskFixtures.payment(.qr))
                let port = try await withDisplayServer(feed: firstFeed, qrImage: KioskFixtures.qrImage) { server in
                    try await page.load(server.baseURL)
                    try await page.waitUntilShowing(await firstFeed.current)
                    return server.port
                }

                // It stopped: the QR must not stay up, and there is no error page, only idle.
                try await page.waitUntil(
                    "document.documentElement.dataset.connection === 'lost'"
                        + " && document.documentElement.dataset.screen === 'idle'"
                )
                let url = try await page.evaluate("location.href", as: String.self)
                #expect(url == "http://127.0.0.1:\(port)/")
                let text = try await page.visibleText()
                #expect(text.contains("Bakeriet på hjørnet"))
                #expect(text.contains("Betal med Vipps"))
                _ = try ScreenshotDirectory.save(try await page.screenshot(), as: "nb-daemon-gone-1280x800.png")

                // The next daemon on the same port: the page reconnects on its own and shows what is current now.
                let secondFeed = DisplayFeed()
                await secondFeed.show(KioskFixtures.payment(.scanned))
                try await withDisplayServer(settings: testSettings(port: port), feed: secondFeed) { _ in
                    try await page.waitUntil(
                        "document.documentElement.dataset.connection === 'open'"
                            + " && document.documentElement.dataset.screen === 'scanned'"
                    )
                }
            }
        }

        /// EventSource gives up for good when `/events` answers with an HTTP error (a half-started daemon, something
        /// else on the port). The page must then make a new one and still find the daemon when it is back.
        @Test func aStreamThatFailsForGoodIsReopened() async throws {
            try await withHeadlessChromium { browser in
                let page = try await BrowserPage.open(in: browser, width: 1024, height: 600)
                let feed = DisplayFeed()
                await feed.show(KioskFixtures.payment(.qr))
                let port = try await withDisplayServer(feed: feed, qrImage: KioskFixtures.qrImage) { server in
                    try await page.load(server.baseURL)
                    try await page.waitUntilShowing(await feed.current)
                    return server.port
                }

                try await withFailingEventStream(port: port) { refusals in
                    var refused = refusals.makeAsyncIterator()
                    _ = await refused.next()
                    _ = await refused.next()  // it was refused and came back with a new EventSource
                    try await page.waitUntil("document.documentElement.dataset.screen === 'idle'")
                    #expect(try await page.evaluate("location.href", as: String.self) == "http://127.0.0.1:\(port)/")
                }

                await feed.show(KioskFixtures.payment(.paid))
                try await withDisplayServer(settings: testSettings(port: port), feed: feed) { _ in
                    try await page.waitUntil(
                        "document.documentElement.dataset.connection === 'open'"
                            + " && document.documentElement.dataset.screen === 'paid'"
                    )
                }
            }
        }

        /// Something on the display port that answers `/events` with 503; `body` gets one element per refusal.
        private func withFailingEventStream(
            port: Int,
            _ body: (AsyncStream<Void>) async throws -> Void
        ) async throws {
            let (refusals, refused) = AsyncStream.makeStream(of: Void.self)
            let (listening, isListening) = AsyncStream.makeStream(of: Void.self)
            let router = Router()
            router.get("/events") { _, _ in
                refused.yield()
                return Response(status: .serviceUnavailable)
            }
            var logger = Logger(label: "stand-in")
            logger.logLevel = .warning
            let app = Application(
                router: router,
                configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port)),
                onServerRunning: { _ in isListening.yield() },
                logger: logger
            )
            let group = ServiceGroup(services: [app], logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    defer { isListening.finish() }
                    try await group.run()
                }
                var started = listening.makeAsyncIterator()
                guard await started.next() != nil else {
                    try await tasks.waitForAll()
                    throw HarnessError(description: "the stand-in server did not start")
                }
                let outcome: Swift.Result<Void, any Error>
                do {
                    outcome = .success(try await body(refusals))
                } catch {
                    outcome = .failure(error)
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                try outcome.get()
            }
        }
    }
}
