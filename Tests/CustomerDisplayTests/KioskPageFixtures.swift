import CustomerDisplay
import Foundation
import QRRendering
import TestSupport
import Testing

/// What the kiosk tests put on screen and what a customer must then be able to read.
struct ScreenCase: Sendable, CustomStringConvertible {
    var screen: DisplayScreen
    var norwegian: [String]
    var english: [String]

    var description: String { self.screen.kind.rawValue }
}

enum KioskFixtures {
    static let reference = "till7-000123"
    static let qrText = "https://qr.vipps.no/r/ABCdef12"
    static let qrPNG: [UInt8] = (try? QRRenderer.render(qrText).png) ?? []

    /// The kiosk resolutions the page is checked at, portrait last.
    static let resolutions: [(width: Int, height: Int)] = [
        (800, 480), (1024, 600), (1280, 800), (1920, 1080), (1080, 1920),
    ]

    static func payment(_ kind: DisplayScreen.Kind, reason: DisplayScreen.Reason? = nil) -> DisplayScreen {
        DisplayScreen(
            kind: kind,
            reference: Self.reference,
            amount: 12900,
            text: "Kaffe og bolle",
            qrVersion: 1,
            expiresAt: Date(timeIntervalSinceNow: 299),
            reason: reason
        )
    }

    static let cases: [ScreenCase] = [
        ScreenCase(
            screen: .idle,
            norwegian: ["Bakeriet på hjørnet", "Betal med Vipps"],
            english: ["Bakeriet på hjørnet", "Pay with Vipps"]
        ),
        ScreenCase(
            screen: payment(.qr),
            norwegian: ["Skann koden med Vipps-appen", "kr 129,00", "Kaffe og bolle", "Tid igjen 0"],
            english: ["Scan the code with the Vipps app", "NOK 129.00", "Kaffe og bolle", "Time left 0"]
        ),
        ScreenCase(
            screen: payment(.scanned),
            norwegian: ["Godkjenn betalingen i Vipps-appen", "kr 129,00", "Tid igjen 0"],
            english: ["Approve the payment in the Vipps app", "NOK 129.00", "Time left 0"]
        ),
        ScreenCase(
            screen: payment(.paid),
            norwegian: ["Betalt", "kr 129,00", "Takk for handelen!"],
            english: ["Paid", "NOK 129.00", "Thank you!"]
        ),
        ScreenCase(
            screen: payment(.declined, reason: .cardDeclined),
            norwegian: ["Betalingen ble avvist", "kr 129,00", "Kortet ble avvist.", "Spør i kassen om å prøve igjen."],
            english: [
                "The payment was declined", "NOK 129.00", "The card was declined.", "Ask at the till to try again.",
            ]
        ),
        ScreenCase(
            screen: payment(.cancelled, reason: .cancelledByShop),
            norwegian: ["Betalingen ble avbrutt", "kr 129,00", "Betalingen ble avbrutt i kassen."],
            english: ["The payment was cancelled", "NOK 129.00", "The payment was cancelled at the till."]
        ),
        ScreenCase(
            screen: payment(.expired, reason: .timedOut),
            norwegian: ["Tiden gikk ut", "Betalingen ble ikke fullført i tide.", "Spør i kassen om å prøve igjen."],
            english: ["The time ran out", "The payment was not completed in time.", "Ask at the till to try again."]
        ),
        ScreenCase(
            screen: payment(.failed, reason: .vippsUnavailable),
            norwegian: ["Betalingen gikk ikke gjennom", "Vipps svarer ikke akkurat nå.", "Spør i kassen"],
            english: ["The payment did not go through", "Vipps is not responding right now.", "Ask at the till"]
        ),
        ScreenCase(
            screen: payment(.connectionProblem),
            norwegian: ["Vi har problemer med å nå Vipps. Vent litt.", "kr 129,00", "Vi prøver igjen automatisk."],
            english: [
                "We are having trouble reaching Vipps. Please wait.", "NOK 129.00", "We keep trying automatically.",
            ]
        ),
    ]

    /// Serves the fixture's QR PNG for its reference, like the daemon would.
    static let qrImage: @Sendable (String) async -> [UInt8]? = { reference in
        reference == Self.reference ? Self.qrPNG : nil
    }
}

/// Where things are on the page, in CSS pixels.
struct PageLayout: Decodable, Sendable {
    struct Box: Decodable, Sendable {
        var left: Double
        var top: Double
        var width: Double
        var height: Double
    }
    var viewportWidth: Double
    var viewportHeight: Double
    var qr: Box?
    /// Visible elements that stick out of the viewport.
    var outside: [String]
    /// Visible elements whose text is cut off (ellipsis, line clamp, overflow).
    var clipped: [String]

    static let script = """
        (() => {
          const box = (element) => {
            if (!element || element.closest('[hidden]')) return null;
            const r = element.getBoundingClientRect();
            return { left: r.left, top: r.top, width: r.width, height: r.height };
          };
          const name = (element) => element.id || element.className.baseVal || element.className || element.tagName;
          const outside = [];
          const clipped = [];
          for (const element of document.querySelectorAll('header, section:not([hidden]), section:not([hidden]) *')) {
            const r = element.getBoundingClientRect();
            if (r.width === 0 && r.height === 0) continue;
            if (r.left < -0.5 || r.top < -0.5 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5) {
              outside.push(name(element));
            }
            if (element instanceof HTMLElement && element.textContent.trim() && getComputedStyle(element).overflow === 'hidden'
                && (element.scrollWidth > element.clientWidth + 1 || element.scrollHeight > element.clientHeight + 1)) {
              clipped.push(name(element));
            }
          }
          return {
            viewportWidth: innerWidth, viewportHeight: innerHeight, qr: box(document.getElementById('qr-image')),
            outside, clipped,
          };
        })()
        """
}

extension BrowserPage {
    /// Waits until the page shows `screen` (and, for a QR, the decoded code).
    func waitUntilShowing(_ screen: DisplayScreen) async throws {
        var condition =
            "document.documentElement.dataset.screen === '\(screen.kind.rawValue)'"
            + " && document.documentElement.dataset.sequence === '\(screen.sequence)'"
        if screen.kind == .qr {
            condition += " && document.documentElement.dataset.qr === 'ready'"
        }
        try await self.waitUntil(condition)
    }

    /// Loads the page and waits until it has its configuration and an open event stream.
    func load(_ baseURL: String) async throws {
        try await self.navigate(to: baseURL + "/")
        try await self.waitUntil(
            "document.documentElement.dataset.config === 'loaded'"
                + " && document.documentElement.dataset.connection === 'open'"
        )
    }
}

/// Decodes the QR code in a screenshot with zbarimg.
func decodeQRCode(in screenshot: URL) async throws -> String {
    let result = try await ExternalTool.launch(
        "zbarimg",
        ["-q", "--raw", "-Sdisable", "-Sqrcode.enable", screenshot.path]
    )
    #expect(result.status == 0, "zbarimg found no QR code in \(screenshot.path): \(result.standardError)")
    return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
}
