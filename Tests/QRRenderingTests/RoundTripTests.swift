import Foundation
import QRRendering
import TestSupport
import Testing

/// Every PNG drawn here goes through a real decoder (zbarimg) and must give back the exact text.
@Suite struct RoundTripTests {
    static let shortURL = "https://qr.vipps.no/r/DI5bjNA0"
    /// An eCom landing-page URL as initiate returns it: about 250 characters with a JWT.
    static let longURL =
        "https://apitest.vipps.no/dwo-api-application/v1/deeplink/vippsgateway?v=2&token=eyJraWQiOiJqd3RrZXkiLCJhbGci"
        + "OiJSUzI1NiJ9.eyJzdWIiOiI0YjZkMzY2Ny1hZjk4LTRlNjUtOGQzZS1kNmQ3ZWI5YTljODciLCJhdWQiOiJ2aXBwc2dhdGV3YXkiLCJpc3Mi"
        + "OiJodHRwczovL2FwaXRlc3QudmlwcHMubm8iLCJleHAiOjE3MzE1NzY0MDB9.c2lnbmF0dXJl"

    @Test(arguments: ErrorCorrection.allCases)
    func shortVippsURLRoundTrips(level: ErrorCorrection) async throws {
        try await self.expectRoundTrip(Self.shortURL, options: QRRenderOptions(errorCorrection: level))
    }

    @Test(arguments: ErrorCorrection.allCases)
    func longEComURLRoundTrips(level: ErrorCorrection) async throws {
        #expect(Self.longURL.utf8.count > 240)
        try await self.expectRoundTrip(Self.longURL, options: QRRenderOptions(errorCorrection: level))
    }

    @Test(arguments: ["Kaffe og bolle: 129,00 kr ☕ — blåbær, ærfugl, øl", "日本語のテキスト", "0123456789", "ABC-123 $%*+./:"])
    func otherTextRoundTrips(text: String) async throws {
        try await self.expectRoundTrip(text, options: QRRenderOptions())
    }

    @Test func colouredCodeRoundTripsAsPaletteImage() async throws {
        let options = QRRenderOptions(
            foreground: RGBColor(red: 0x1A, green: 0x1A, blue: 0x4D),
            background: RGBColor(red: 0xFF, green: 0xF5, blue: 0xE6)
        )
        let image = try QRRenderer.render(Self.shortURL, options: options)
        let header = try PNGHeader(image.png)
        #expect(header.colorType == 3)  // palette
        #expect(header.bitDepth == 1)
        try await self.expectRoundTrip(Self.shortURL, options: options)
    }

    @Test func targetWidthPicksTheLargestWholeModuleSize() async throws {
        let image = try QRRenderer.render(Self.shortURL, options: QRRenderOptions(size: .targetWidth(600)))
        let side = image.code.width + 2 * 4
        #expect(image.moduleSize == 600 / side)
        #expect(image.pixelWidth <= 600)
        #expect(try PNGHeader(image.png).width == image.pixelWidth)
        try await self.expectRoundTrip(Self.shortURL, options: QRRenderOptions(size: .targetWidth(600)))
    }

    private func expectRoundTrip(_ text: String, options: QRRenderOptions) async throws {
        let image = try QRRenderer.render(text, options: options)
        let directory = try TemporaryDirectory()
        let file = directory.file("code.png")
        try Data(image.png).write(to: file)
        let decoded = try await decodeQRCodes(pngAt: file)
        #expect(decoded == [text], "zbarimg read \(decoded) from a version \(image.code.version) code")
    }
}
