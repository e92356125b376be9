import CustomerDisplay
import Foundation
import PaymentCore
import QRPayDaemon
import TestSupport
import Testing
import VippsSimulator

extension ChromiumTests {
    /// The whole chain a customer sees: a real payment in the engine against the simulator, the daemon's display
    /// bridge, the display server, and the page in a real headless Chromium.
    @Suite
    struct DaemonDrivenPageTests {
        static func observer(_ bridge: DisplayBridge) -> PaymentEngine.Observer {
            { update in await bridge.handle(update) }
        }

        @Test func aRealPaymentMovesThePageFromQRToPaid() async throws {
            let feed = DisplayFeed()
            let bridge = DisplayBridge(feed: feed)
            let settings = testSettings(paidScreenDuration: .seconds(600))
            try await EngineHarness.run(observer: Self.observer(bridge)) { h in
                let engine = h.engine
                let qrImage: @Sendable (String) async -> [UInt8]? = { await engine.qrImage(reference: $0) }
                try await withDisplayServer(settings: settings, feed: feed, qrImage: qrImage) { server in
                    try await withHeadlessChromium { browser in
                        let page = try await BrowserPage.open(in: browser, width: 1280, height: 800)
                        try await page.load(server.baseURL)

                        let (payment, _) = try await h.engine.create(
                            PaymentRequest(reference: "screen-1", amount: 12900, text: "Kaffe og bolle")
                        )
                        try await page.waitUntilShowing(await feed.current)
                        #expect(await feed.current.kind == .qr)
                        let qrFile = try ScreenshotDirectory.save(
                            try await page.screenshot(),
                            as: "daemon-qr-1280x800.png"
                        )
                        let decoded = try await decodeQRCode(in: qrFile)
                        #expect(decoded == payment.qrText)
                        let qrText = try await page.visibleText()
                        #expect(qrText.contains("kr 129,00"))
                        #expect(qrText.contains("Kaffe og bolle"))
                        #expect(!qrText.contains("screen-1"))

                        try await h.simulator.open(orderId: payment.orderId)
                        try await feed.waitFor(.scanned)
                        try await page.waitUntilShowing(await feed.current)
                        #expect(try await page.visibleText().contains("Vipps-appen"))
                        _ = try ScreenshotDirectory.save(try await page.screenshot(), as: "daemon-scanned-1280x800.png")

                        try await h.simulator.approve(orderId: payment.orderId)
                        try await feed.waitFor(.paid)
                        try await page.waitUntilShowing(await feed.current)
                        let paid = try await page.visibleText()
                        #expect(paid.contains("Betalt"))
                        #expect(paid.contains("kr 129,00"))
                        _ = try ScreenshotDirectory.save(try await page.screenshot(), as: "daemon-paid-1280x800.png")
                    }
                }
            }
        }

        @Test func aDeclinedPaymentShowsACustomerSafeReason() async throws {
            let feed = DisplayFeed()
            let bridge = DisplayBridge(feed: feed)
            try await EngineHarness.run(observer: Self.observer(bridge)) { h in
                let (payment, _) = try await h.engine.create(
                    PaymentRequest(reference: "screen-2", amount: 5000, text: nil)
                )
                try await h.simulator.open(orderId: payment.orderId)
                try await h.simulator.decline(orderId: payment.orderId)
                try await feed.waitFor(.declined)
                #expect(await feed.current.reason == .customerDeclined)
                #expect(await feed.current.amount == 5000)
            }
        }
    }
}

extension DisplayFeed {
    /// Waits until the feed shows a screen of `kind`.
    func waitFor(_ kind: DisplayScreen.Kind) async throws {
        for await screen in self.subscribe() where screen.kind == kind {
            return
        }
    }
}
