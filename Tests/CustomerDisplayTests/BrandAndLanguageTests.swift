import CustomerDisplay
import Foundation
import PaymentCore
import QRPayDaemon
import TestSupport
import Testing
import VippsAPI
import VippsSimulator

extension ChromiumTests {
    /// The screen of an ePayment payment in headless Chromium: MobilePay in Danish (DKK) and Finnish (EUR), Vipps in
    /// Norwegian (NOK). The screenshots are checked for the words, the amount written the local way and a QR code
    /// that decodes to the payment's redirectUrl.
    @Suite
    struct BrandAndLanguageTests {
        struct Case: Sendable, CustomStringConvertible {
            var brand: DisplaySettings.Brand
            var language: DisplaySettings.Language
            var currency: VippsCurrency
            var qrWords: [String]
            var amount: String
            var paidWords: [String]
            var description: String { "\(self.brand.rawValue)-\(self.language.rawValue)-\(self.currency.rawValue)" }
        }

        static let cases: [Case] = [
            Case(
                brand: .mobilepay,
                language: .danish,
                currency: .dkk,
                qrWords: ["Scan koden med MobilePay-appen", "Tid tilbage"],
                amount: "129,00 kr.",
                paidWords: ["Betalt", "Tak for handlen!"]
            ),
            Case(
                brand: .mobilepay,
                language: .finnish,
                currency: .eur,
                qrWords: ["Skannaa koodi MobilePay-sovelluksella", "Aikaa jäljellä"],
                amount: "129,00 €",
                paidWords: ["Maksettu", "Kiitos ostoksestasi!"]
            ),
            Case(
                brand: .vipps,
                language: .norwegian,
                currency: .nok,
                qrWords: ["Skann koden med Vipps-appen", "Tid igjen"],
                amount: "kr 129,00",
                paidWords: ["Betalt", "Takk for handelen!"]
            ),
        ]

        @Test(arguments: Self.cases)
        func screenSpeaksTheLanguageAndShowsTheBrand(_ c: Case) async throws {
            let feed = DisplayFeed()
            let bridge = DisplayBridge(feed: feed)
            let settings = {
                var settings = testSettings(language: c.language, paidScreenDuration: .seconds(600))
                settings.brand = c.brand
                settings.accentColor = c.brand.defaultAccentColor
                return settings
            }()
            let engine = EngineConfiguration.testing {
                $0.api = .epayment
                $0.currency = c.currency
            }
            let observer: PaymentEngine.Observer = { await bridge.handle($0) }
            try await EngineHarness.run(engine: engine, observer: observer) { h in
                let engine = h.engine
                let qrImage: @Sendable (String) async -> [UInt8]? = { await engine.qrImage(reference: $0) }
                try await withDisplayServer(settings: settings, feed: feed, qrImage: qrImage) { server in
                    try await withHeadlessChromium { browser in
                        let page = try await BrowserPage.open(in: browser, width: 1280, height: 800)
                        try await page.load(server.baseURL)
                        let idle = try await page.visibleText()
                        #expect(idle.contains(c.brand == .vipps ? "Vipps" : "MobilePay"))
                        let brand = try await page.evaluate("document.documentElement.dataset.brand", as: String.self)
                        #expect(brand == c.brand.rawValue)

                        let (payment, _) = try await h.engine.create(
                            PaymentRequest(reference: "brand-\(c.description)", amount: 12900, text: "Kaffe")
                        )
                        try await page.waitUntilShowing(await feed.current)
                        let qrFile = try ScreenshotDirectory.save(
                            try await page.screenshot(),
                            as: "epayment-\(c.description)-qr-1280x800.png"
                        )
                        let decoded = try await decodeQRCode(in: qrFile)
                        #expect(decoded == payment.qrText)
                        let qrText = try await page.visibleText()
                        for word in c.qrWords + [c.amount] {
                            #expect(qrText.contains(word), "\(word) not in \(qrText)")
                        }

                        try await h.simulator.approve(orderId: payment.orderId)
                        try await feed.waitFor(.paid)
                        try await page.waitUntilShowing(await feed.current)
                        _ = try ScreenshotDirectory.save(
                            try await page.screenshot(),
                            as: "epayment-\(c.description)-paid-1280x800.png"
                        )
                        let paid = try await page.visibleText()
                        for word in c.paidWords + [c.amount] {
                            #expect(paid.contains(word), "\(word) not in \(paid)")
                        }
                    }
                }
            }
        }
    }
}
