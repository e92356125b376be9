import QRRendering
import Testing

/// The fields of a PNG's IHDR chunk, read straight from the bytes.
struct PNGHeader {
    var width: Int
    var height: Int
    var bitDepth: Int
    var colorType: Int

    struct Malformed: Error {}

    init(_ bytes: [UInt8]) throws {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count > 33, Array(bytes[0..<8]) == signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            throw Malformed()
        }
        func be32(_ offset: Int) -> Int {
            bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        }
        self.width = be32(16)
        self.height = be32(20)
        self.bitDepth = Int(bytes[24])
        self.colorType = Int(bytes[25])
    }
}

@Suite struct PNGStructureTests {
    @Test(arguments: [1, 2, 10, 17])
    func headerMatchesModuleCountQuietZoneAndScale(moduleSize: Int) throws {
        let image = try QRRenderer.render("HELLO", options: QRRenderOptions(size: .moduleSize(moduleSize)))
        #expect(image.code.version == 1)
        #expect(image.code.width == 21)
        let header = try PNGHeader(image.png)
        #expect(header.width == (21 + 2 * 4) * moduleSize)
        #expect(header.height == header.width)
        #expect(header.bitDepth == 1)
        #expect(header.colorType == 0)  // greyscale
        #expect(Array(image.png.suffix(8)) == [0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])  // IEND
    }

    @Test func widerQuietZoneIsHonoured() throws {
        let image = try QRRenderer.render("HELLO", options: QRRenderOptions(size: .moduleSize(3), quietZone: 6))
        #expect(try PNGHeader(image.png).width == (21 + 12) * 3)
    }

    @Test func moduleMatrixHasFinderPatterns() throws {
        let code = try QRCode(text: "HELLO")
        // The top-left finder pattern: a dark 7×7 ring around a light ring around a dark 3×3 centre.
        #expect((0..<7).allSatisfy { code.isDark(x: $0, y: 0) && code.isDark(x: 0, y: $0) })
        #expect(!code.isDark(x: 1, y: 1))
        #expect(code.isDark(x: 3, y: 3))
        #expect(!code.isDark(x: 7, y: 7))
    }

    /// libqrencode picks numeric and alphanumeric segments by itself: digits need a smaller symbol than bytes.
    @Test func mostCompactModeIsChosen() throws {
        let digits = try QRCode(text: String(repeating: "7", count: 30))
        let bytes = try QRCode(text: String(repeating: "x", count: 30))
        #expect(digits.version == 1)
        #expect(bytes.version > digits.version)
    }
}
