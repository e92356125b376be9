import Foundation
import TestSupport
import Testing

/// `qrpayctl qr` as an operator runs it: the real binary, a real file, a real decoder.
@Suite struct QRCommandTests {
    @Test func writesAPNGFileThatDecodesToTheText() async throws {
        let directory = try TemporaryDirectory()
        let file = directory.file("code.png")
        let text = "https://qr.vipps.no/r/DI5bjNA0"
        let result = try await ExternalTool.launch(productPath("qrpayctl"), ["qr", text, "-o", file.path])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.output.contains("Wrote"))
        let decoded = try await decodeQRCodes(pngAt: file)
        #expect(decoded == [text])
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }

    @Test func writesThePNGToStandardOutputWithDash() async throws {
        let text = "ABC-123"
        let result = try await ExternalTool.launch(productPath("qrpayctl"), ["qr", text, "-o", "-", "--level", "H"])
        #expect(result.status == 0)
        #expect(result.standardOutput.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let directory = try TemporaryDirectory()
        let file = directory.file("stdout.png")
        try result.standardOutput.write(to: file)
        let decoded = try await decodeQRCodes(pngAt: file)
        #expect(decoded == [text])
    }

    @Test(arguments: [
        (["qr", "", "-o", "-"], "empty"),
        (["qr", "x", "-o", "-", "--module-size", "0"], "module size"),
        (["qr", "x", "-o", "-", "--quiet-zone", "2"], "quiet zone"),
        (["qr", "x", "-o", "-", "--level", "Z"], "--level"),
        (["qr", "x", "-o", "-", "--foreground", "black"], "#RRGGBB"),
        (["qr", String(repeating: "x", count: 4000), "-o", "-"], "does not fit"),
    ])
    func badInputGivesAClearErrorAndNoOutput(arguments: [String], expected: String) async throws {
        let result = try await ExternalTool.launch(productPath("qrpayctl"), arguments)
        #expect(result.status != 0)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.contains(expected), "\(result.standardError)")
    }

    @Test func aFileThatCannotBeWrittenIsReported() async throws {
        let result = try await ExternalTool.launch(
            productPath("qrpayctl"),
            ["qr", "x", "-o", "/nonexistent/dir/code.png"]
        )
        #expect(result.status != 0)
        #expect(result.standardError.contains("Cannot create /nonexistent/dir/code.png"))
    }
}
