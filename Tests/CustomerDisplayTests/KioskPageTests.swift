import CustomerDisplay
import Foundation
import Testing

extension ChromiumTests {
    /// The real page in a real headless Chromium against the real server: what the customer would see.
    /// Screenshots land in `.build/screenshots/` for people to look at.
    @Suite
    struct KioskPageTests {
        @Test func everyScreenReadsRightAndFitsEveryKioskResolution() async throws {
            // Outcomes stay up far longer than the test needs, so none falls back to idle mid-check.
            let settings = testSettings(paidScreenDuration: .seconds(600))
            let feed = DisplayFeed()
            try await withDisplayServer(settings: settings, feed: feed, qrImage: KioskFixtures.qrImage) { server in
                try await withHeadlessChromium { browser in
                    let page = try await BrowserPage.open(in: browser, width: 1280, height: 800)
                    try await page.load(server.baseURL)

                    for screenCase in KioskFixtures.cases {
                        await feed.show(screenCase.screen)
                        let shown = await feed.current
                        try await page.waitUntilShowing(shown)

                        let text = try await page.visibleText()
                        for words in screenCase.norwegian {
                            #expect(text.contains(words), "\(screenCase) screen lacks “\(words)”: \(text)")
                        }
                        #expect(!text.contains(KioskFixtures.reference), "the till reference is not for customers")
                        #expect(!text.contains("undefined") && !text.contains("null") && !text.contains("NaN"))

                        for (width, height) in KioskFixtures.resolutions {
                            try await page.resize(width: width, height: height)
                            let layout = try await page.evaluate(PageLayout.script, as: PageLayout.self)
                            #expect(
                                layout.outside.isEmpty,
                                "\(screenCase) at \(width)x\(height): \(layout.outside) overflow"
                            )
                            #expect(
                                layout.clipped.isEmpty,
                                "\(screenCase) at \(width)x\(height): \(layout.clipped) cut off"
                            )
                            let file = try ScreenshotDirectory.save(
                                try await page.screenshot(),
                                as: "nb-\(screenCase)-\(width)x\(height).png"
                            )
                            if screenCase.screen.kind == .qr {
                                let qr = try #require(layout.qr)
                                #expect(qr.width == qr.height, "the QR stays square")
                                #expect(qr.width >= 0.6 * Double(min(width, height)), "the QR is big: \(qr.width) px")
                                let decoded = try await decodeQRCode(in: file)
                                #expect(decoded == KioskFixtures.qrText)
                            }
                        }
                        try await page.resize(width: 1280, height: 800)
                    }

                    var large = KioskFixtures.payment(.scanned)
                    large.amount = 1_234_550
                    await feed.show(large)
                    try await page.waitUntilShowing(await feed.current)
                    #expect(try await page.visibleText().contains("kr 12 345,50"))

                    let pageErrors = await browser.pageErrors
                    #expect(pageErrors.isEmpty, "the page logged errors: \(pageErrors)")
                    let requests = await browser.requestedURLs
                    #expect(requests.contains(server.baseURL + "/events"))
                    for url in requests {
                        #expect(url.hasPrefix(server.baseURL + "/"), "the page loaded \(url) from outside the daemon")
                    }
                }
            }
        }

        @Test func englishIsChosenByConfiguration() async throws {
            let settings = testSettings(language: .english, paidScreenDuration: .seconds(600))
            let feed = DisplayFeed()
            try await withDisplayServer(settings: settings, feed: feed, qrImage: KioskFixtures.qrImage) { server in
                try await withHeadlessChromium { browser in
                    let page = try await BrowserPage.open(in: browser, width: 1024, height: 600)
                    try await page.load(server.baseURL)
                    #expect(try await page.evaluate("document.documentElement.lang", as: String.self) == "en")

                    for screenCase in KioskFixtures.cases {
                        await feed.show(screenCase.screen)
                        try await page.waitUntilShowing(await feed.current)
                        let text = try await page.visibleText()
                        for words in screenCase.english {
                            #expect(text.contains(words), "\(screenCase) screen lacks “\(words)”: \(text)")
                        }
                        _ = try ScreenshotDirectory.save(
                            try await page.screenshot(),
                            as: "en-\(screenCase)-1024x600.png"
                        )
                    }

                    var large = KioskFixtures.payment(.scanned)
                    large.amount = 1_234_550
                    await feed.show(large)
                    try await page.waitUntilShowing(await feed.current)
                    #expect(try await page.visibleText().contains("NOK 12,345.50"))
                }
            }
        }

        @Test func paidStaysUpWhenIdleFollowsAtOnceThenReturnsToIdle() async throws {
            let settings = testSettings(paidScreenDuration: .seconds(2))
            let feed = DisplayFeed()
            try await withDisplayServer(settings: settings, feed: feed, qrImage: KioskFixtures.qrImage) { server in
                try await withHeadlessChromium { browser in
                    let page = try await BrowserPage.open(in: browser, width: 800, height: 480)
                    try await page.load(server.baseURL)

                    await feed.show(KioskFixtures.payment(.paid))
                    try await page.waitUntilShowing(await feed.current)
                    await feed.show(.idle)
                    let idle = await feed.current
                    try await page.waitUntil("document.documentElement.dataset.received === '\(idle.sequence)'")
                    #expect(try await page.marks()["screen"] == "paid", "the customer still sees that they paid")

                    // The page's own timer then brings idle back.
                    try await page.waitUntil("document.documentElement.dataset.screen === 'idle'")

                    // A new payment replaces an outcome at once.
                    await feed.show(KioskFixtures.payment(.declined, reason: .customerDeclined))
                    try await page.waitUntilShowing(await feed.current)
                    var next = KioskFixtures.payment(.qr)
                    next.reference = "till7-000124"
                    await feed.show(next)
                    try await page.waitUntil("document.documentElement.dataset.screen === 'qr'")
                }
            }
        }

        @Test func aQRThatRunsOutIsTakenDown() async throws {
            let feed = DisplayFeed()
            try await withDisplayServer(feed: feed, qrImage: KioskFixtures.qrImage) { server in
                try await withHeadlessChromium { browser in
                    let page = try await BrowserPage.open(in: browser, width: 1024, height: 600)
                    try await page.load(server.baseURL)
                    var screen = KioskFixtures.payment(.qr)
                    screen.expiresAt = Date(timeIntervalSinceNow: 2)
                    await feed.show(screen)
                    try await page.waitUntil("document.documentElement.dataset.qr === 'stale'")
                    let text = try await page.visibleText()
                    #expect(text.contains("Koden er ikke lenger gyldig"))
                    #expect(!text.contains("Skann"), "nobody is asked to scan a code that cannot work")
                    #expect(text.contains("kr 129,00"))
                    let hidden = try await page.evaluate(
                        "getComputedStyle(document.getElementById('qr-image')).visibility",
                        as: String.self
                    )
                    #expect(hidden == "hidden")
                    _ = try ScreenshotDirectory.save(try await page.screenshot(), as: "nb-qr-expired-1024x600.png")
                }
            }
        }
    }
}
