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
        (["qr", "x", "--output="], "--output"),
        (["qr", "-x", "-o", "-"], "<text>"),
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

/// qrpayctl draws a well-formed `qr` line itself (a small binary, for start-up time) and hands every other line to
/// qrpayctl-commands (ArgumentParser). Both must draw the same picture, and the fast path must know every option.
@Suite struct QRFastPathTests {
    /// Command lines the fast path reads: the text, and the options around it (`-o FILE` is added).
    static let wellFormed: [(text: String, arguments: [String])] = [
        ("https://qr.vipps.no/r/DI5bjNA0", ["https://qr.vipps.no/r/DI5bjNA0"]),
        ("ABC-123", ["--level", "H", "ABC-123"]),
        ("https://qr.vipps.no/r/DI5bjNA0", ["--level=q", "https://qr.vipps.no/r/DI5bjNA0", "--module-size", "3"]),
        ("Kvittering 42, takk", ["Kvittering 42, takk", "--width", "500", "--quiet-zone", "6"]),
        ("x", ["x", "--foreground", "#112233", "--background=#EEEEEE"]),
    ]

    @Test(arguments: Self.wellFormed)
    func theFastPathDrawsWhatArgumentParserDraws(text: String, arguments: [String]) async throws {
        let directory = try TemporaryDirectory()
        let fast = directory.file("fast.png")
        let parsed = directory.file("parsed.png")
        let front = try await ExternalTool.launch(productPath("qrpayctl"), ["qr"] + arguments + ["-o", fast.path])
        let full = try await ExternalTool.launch(
            productPath("qrpayctl-commands"),
            ["qr"] + arguments + ["--output", parsed.path]
        )
        #expect(front.status == 0, "\(front.standardError)")
        #expect(full.status == 0, "\(full.standardError)")
        #expect(try Data(contentsOf: fast) == Data(contentsOf: parsed))
        #expect(
            front.output.replacingOccurrences(of: fast.path, with: "FILE")
                == full.output.replacingOccurrences(of: parsed.path, with: "FILE")
        )
        #expect(try await decodeQRCodes(pngAt: fast) == [text])
    }

    /// A qrpayctl alone (no qrpayctl-commands to hand lines to) still draws every well-formed `qr` line, with each
    /// option QRCommand declares: the fast path and ArgumentParser know the same options. Anything else says clearly
    /// what is missing.
    @Test func theFastPathKnowsEveryOptionOfTheQRCommand() async throws {
        let directory = try TemporaryDirectory()
        let alone = directory.file("qrpayctl")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: productPath("qrpayctl")), to: alone)

        let help = try await ExternalTool.launch(productPath("qrpayctl-commands"), ["qr", "--experimental-dump-help"])
        #expect(help.status == 0, "\(help.standardError)")
        let info = try JSONDecoder().decode(ToolInfo.self, from: help.standardOutput)
        let options = info.command.arguments.filter { $0.kind == "option" }
        let samples = [
            "output": nil, "level": "Q", "module-size": "4", "width": "400", "quiet-zone": "5",
            "foreground": "#102030", "background": "#F0F0F0",
        ]
        #expect(options.count == samples.count, "QRCommand's options changed: teach QRFastPath and this table")
        for option in options {
            let long = try #require(option.names?.first { $0.kind == "long" }?.name)
            let file = directory.file("\(long).png")
            var arguments = ["qr", "https://qr.vipps.no/r/DI5bjNA0", "--output", file.path]
            let sample = try #require(samples[long], "no sample value for --\(long): teach QRFastPath and this table")
            if let sample {
                arguments += ["--\(long)", sample]
            }
            let result = try await ExternalTool.launch(alone.path, arguments)
            #expect(result.status == 0, "--\(long): \(result.standardError)")
            #expect(try await decodeQRCodes(pngAt: file) == ["https://qr.vipps.no/r/DI5bjNA0"])
        }

        for other in [["health"], ["qr", "x", "-o", "-", "--level", "Z"], ["qr", "--help"]] {
            let result = try await ExternalTool.launch(alone.path, other)
            #expect(result.status == 70, "\(other)")
            #expect(result.standardError.contains("cannot find qrpayctl-commands"), "\(result.standardError)")
        }
    }

    /// What `--experimental-dump-help` says about a command (ArgumentParser's ToolInfo, the parts used here).
    struct ToolInfo: Decodable {
        struct Command: Decodable {
            var arguments: [Argument]
        }
        struct Argument: Decodable {
            var kind: String
            var names: [Name]?
        }
        struct Name: Decodable {
            var kind: String
            var name: String
        }
        var command: Command
    }
}
