import QRRendering
import Testing

@Suite struct BadInputTests {
    @Test func emptyTextIsRefused() {
        self.expectCode(.emptyText) { try QRRenderer.render("") }
    }

    @Test func textWithNULIsRefused() {
        self.expectCode(.textContainsNUL) { try QRRenderer.render("https://qr.vipps.no/r/a\u{0}b") }
    }

    @Test(arguments: ErrorCorrection.allCases)
    func textTooLongForAnyVersionIsRefused(level: ErrorCorrection) {
        // 3000 bytes of mixed text fit in no version at L, and less at higher levels.
        let text = String(repeating: "https://qr.vipps.no/r/x?", count: 125)
        self.expectCode(.textTooLong) {
            try QRRenderer.render(text, options: QRRenderOptions(errorCorrection: level))
        }
    }

    @Test func absurdlyLongTextIsRefusedBeforeEncoding() {
        self.expectCode(.textTooLong) { try QRRenderer.render(String(repeating: "1", count: 1_000_000)) }
    }

    @Test(arguments: [0, -3, 101, 100_000])
    func absurdModuleSizesAreRefused(size: Int) {
        self.expectCode(.invalidSize) {
            try QRRenderer.render("HELLO", options: QRRenderOptions(size: .moduleSize(size)))
        }
    }

    @Test(arguments: [0, 10, 28, 9000])
    func absurdTargetWidthsAreRefused(width: Int) {
        self.expectCode(.invalidSize) {
            try QRRenderer.render("HELLO", options: QRRenderOptions(size: .targetWidth(width)))
        }
    }

    @Test func imagesLargerThanTheLimitAreRefused() {
        // A version-40 code at 100 px a module would be 18 500 px wide.
        let text = String(repeating: "A", count: 1800)
        self.expectCode(.invalidSize) {
            try QRRenderer.render(text, options: QRRenderOptions(errorCorrection: .low, size: .moduleSize(100)))
        }
    }

    @Test(arguments: [-1, 0, 3, 41])
    func quietZonesOutsideTheStandardAreRefused(zone: Int) {
        self.expectCode(.invalidQuietZone) {
            try QRRenderer.render("HELLO", options: QRRenderOptions(quietZone: zone))
        }
    }

    @Test func errorsCarryAMessageForPeople() throws {
        #expect(throws: QRRenderingError.self) { try QRRenderer.render("") }
        let error = #expect(throws: QRRenderingError.self) { try QRRenderer.render("") }
        #expect(error?.message.contains("empty") == true)
    }

    private func expectCode(
        _ code: QRRenderingError.Code,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> QRImage
    ) {
        do {
            _ = try body()
            Issue.record("expected \(code)", sourceLocation: sourceLocation)
        } catch let error as QRRenderingError {
            #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }
}
