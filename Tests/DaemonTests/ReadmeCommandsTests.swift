import Foundation
import TestSupport
import Testing

/// Every fenced `sh` block of the README, run as a reader would, against the demo it starts.
///
/// A comment on the line before a block says how to treat it:
/// - `<!-- readme-test: skip: why -->`: not run (installs, the tests themselves, a kiosk's systemd);
/// - `<!-- readme-test: background -->`: started and left running (the demo); the test waits for its banner and
///   stops it when the next background block starts, or at the end;
/// - `<!-- readme-test: exit N -->`: the block is expected to exit N.
/// Any other block runs with `bash -euo pipefail` and must exit 0.
///
/// What the test changes, and why: `swift run NAME` runs the binary this test run built (the test runs inside
/// `swift test`, which holds the build); `/tmp/qrpayd-demo/` is this test's own temporary directory (the demo follows
/// `TMPDIR`), so it never meets a demo someone else runs; the demo's screen gets a free port. A variable a block
/// exports stays set for the later blocks, as in the reader's shell.
@Suite(.timeLimit(.minutes(5)))
struct ReadmeCommandsTests {
    struct Block: Sendable, CustomStringConvertible {
        enum Mode: Sendable, Equatable {
            case run(expectedExit: Int32)
            case skip(reason: String)
            case background
        }

        var line: Int
        var text: String
        var mode: Mode
        var description: String { "README.md:\(self.line)" }
    }

    static let readme = packageRoot.appendingPathComponent("README.md")

    /// The fenced `sh` blocks and what the comment before each says to do.
    static func blocks() throws -> [Block] {
        let lines = try String(contentsOf: Self.readme, encoding: .utf8).components(separatedBy: "\n")
        var blocks: [Block] = []
        var index = 0
        while index < lines.count {
            guard lines[index].hasPrefix("```sh") else {
                index += 1
                continue
            }
            let start = index
            index += 1
            var body: [String] = []
            while index < lines.count, !lines[index].hasPrefix("```") {
                body.append(lines[index])
                index += 1
            }
            index += 1
            let directive = start > 0 ? Self.directive(lines[start - 1]) : nil
            blocks.append(
                Block(line: start + 1, text: body.joined(separator: "\n"), mode: directive ?? .run(expectedExit: 0))
            )
        }
        return blocks
    }

    static func directive(_ line: String) -> Block.Mode? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        let prefix = "<!-- readme-test: "
        guard trimmed.hasPrefix(prefix), trimmed.hasSuffix("-->") else { return nil }
        let content = trimmed.dropFirst(prefix.count).dropLast(3).trimmingCharacters(in: .whitespaces)
        if content == "background" { return .background }
        if content.hasPrefix("skip:") {
            return .skip(reason: String(content.dropFirst(5)).trimmingCharacters(in: .whitespaces))
        }
        if content.hasPrefix("exit "), let status = Int32(content.dropFirst(5)) { return .run(expectedExit: status) }
        return nil
    }

    /// The blocks that are not run are the set-up's installs, `swift test` (twice), the kiosk's installs (twice), the
    /// journal of an installed service and the stand-alone simulator on a fixed port. One more is a decision: raise
    /// the limit in the same change, and say why in the block's comment.
    @Test func everyDirectiveParsesAndTheSkippedSetStaysSmall() throws {
        let blocks = try Self.blocks()
        let skipped = blocks.filter { if case .skip = $0.mode { true } else { false } }
        #expect(skipped.count <= 9, "\(skipped.map(\.description))")
        #expect(blocks.count - skipped.count >= 5, "the README's till commands are run")
        for block in skipped {
            if case .skip(let reason) = block.mode { #expect(!reason.isEmpty, "\(block) is skipped without a reason") }
        }
        // A directive that is misspelt would silently run or skip the block; every comment must parse.
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let comments = text.components(separatedBy: "\n").filter { $0.contains("readme-test") && $0.hasPrefix("<!--") }
        #expect(comments.allSatisfy { Self.directive($0) != nil }, "\(comments)")
    }

    @Test func theReadmesCommandsRunAgainstTheDemo() async throws {
        let directory = try TemporaryDirectory(prefix: "readme")
        let work = directory.file("work")
        let bin = directory.file("bin")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let shim = bin.appendingPathComponent("swift")
        try """
        #!/bin/sh
        # `swift run NAME ARGS...` runs the binary the surrounding `swift test` built, and a plain `swift build` has
        # nothing left to do (that `swift test` built every product); nothing else is run here.
        if [ "$1" = run ] && [ -n "$2" ]; then name=$2; shift 2; exec "\(productsDirectory.path)/$name" "$@"; fi
        if [ "$*" = build ]; then exit 0; fi
        echo "swift $*: the README test runs only 'swift run' and 'swift build'" >&2
        exit 97
        """.write(to: shim, atomically: true, encoding: .utf8)
        chmod(shim.path, 0o755)

        var environment = DaemonProcess.demoEnvironment(temporaryDirectory: directory)
        environment["PATH"] = "\(bin.path):\(productsDirectory.path):\(environment["PATH"] ?? "/usr/bin:/bin")"
        environment["HOME"] = directory.path
        let demoDirectory = directory.file("qrpayd-demo-\(getuid())").path + "/"
        func adapt(_ text: String) -> String {
            text.replacingOccurrences(of: "/tmp/qrpayd-demo-$UID/", with: demoDirectory)
                .replacingOccurrences(of: "qrpayd --demo", with: "qrpayd --demo --display-port 0")
        }

        var background: DaemonProcess?
        var ran = 0
        do {
            for block in try Self.blocks() {
                switch block.mode {
                case .skip:
                    continue
                case .background:
                    if let running = background {
                        #expect(
                            await running.stop(with: SIGINT) == 0,
                            "\(block): the previous demo did not stop cleanly"
                        )
                    }
                    let process = try DaemonProcess(
                        arguments: ["-euo", "pipefail", "-c", "cd \(work.path) && exec " + adapt(block.text)],
                        environment: environment,
                        socketPath: demoDirectory + "control.sock",
                        executable: "/bin/bash"
                    )
                    background = process
                    let banner = await process.waitForOutput(containing: "export QRPAYD_SOCKET=")
                    try #require(banner != nil, "\(block): the demo did not print its banner")
                case .run(let expectedExit):
                    let script = adapt(block.text)
                    let child = try SpawnedProcess(
                        "/bin/bash",
                        ["-euo", "pipefail", "-c", "cd \(work.path)\n" + script],
                        environment: environment,
                        standardOutput: .collected,
                        standardError: .collected
                    )
                    let status = await child.waitForExit()?.status ?? -1
                    let errors = String(decoding: await child.errorOutput(), as: UTF8.self)
                    let output = String(decoding: await child.output(), as: UTF8.self)
                    #expect(
                        status == expectedExit,
                        "\(block) exited \(status)\n\(script)\n--- stdout\n\(output)\n--- stderr\n\(errors)"
                    )
                    try #require(status == expectedExit)
                    ran += 1
                    for line in script.components(separatedBy: "\n") {
                        Self.carryExport(line, into: &environment)
                    }
                }
            }
        } catch {
            if let background { await background.stop(with: SIGTERM) }
            throw error
        }
        if let background { #expect(await background.stop(with: SIGINT) == 0) }
        #expect(ran >= 3)
    }

    /// `export NAME=VALUE` (up to a comment) sets NAME for the blocks after it.
    static func carryExport(_ line: String, into environment: inout [String: String]) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("export ") else { return }
        let assignment = trimmed.dropFirst("export ".count).split(separator: " ", maxSplits: 1).first ?? ""
        let parts = assignment.split(separator: "=", maxSplits: 1)
        guard parts.count == 2 else { return }
        environment[String(parts[0])] = String(parts[1])
    }
}
