public import Foundation

/// Runs external tools (zbarimg, systemd-analyze, chromium, the project's own binaries) from tests.
public enum ExternalTool {
    public struct Result: Sendable {
        public var status: Int32
        public var standardOutput: Data
        public var standardError: String
        public var output: String { String(decoding: self.standardOutput, as: UTF8.self) }
    }

    public struct NotFound: Error, CustomStringConvertible {
        public var name: String
        public var description: String { "\(self.name) is not installed (see .ci/run for the packages the tests need)" }
    }

    /// Finds `name` on `PATH`.
    public static func find(_ name: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw NotFound(name: name)
    }

    /// Runs `name` with `arguments` to completion and returns what it printed, waiting without holding one of the
    /// few threads Swift concurrency has (on a 2-core machine, two blocked waits stall every other test): for tools
    /// that take a while.
    public static func launch(_ name: String, _ arguments: [String], input: Data? = nil) async throws -> Result {
        let executable = name.hasPrefix("/") ? name : try self.find(name).path
        let child = try SpawnedProcess(
            executable,
            arguments,
            environment: ProcessInfo.processInfo.environment,
            standardInput: input.map { .data($0) } ?? .null,
            standardOutput: .collected,
            standardError: .collected
        )
        let termination = await child.waitForExit()
        return Result(
            status: termination?.status ?? -1,
            standardOutput: await child.output(),
            standardError: String(decoding: await child.errorOutput(), as: UTF8.self)
        )
    }

    /// Runs `name` with `arguments` to completion and returns what it printed, blocking the calling thread: only where
    /// no task can wait (a static initialiser) or on a thread of its own; tests use ``launch(_:_:input:)``.
    public static func run(_ name: String, _ arguments: [String], input: Data? = nil) throws -> Result {
        let executable = name.hasPrefix("/") ? name : try self.find(name).path
        let child = try SpawnedProcess(
            executable,
            arguments,
            environment: ProcessInfo.processInfo.environment,
            standardInput: input.map { .data($0) } ?? .null,
            standardOutput: .collected,
            standardError: .collected
        )
        let termination = child.waitForExitBlocking()
        return Result(
            status: termination.status,
            standardOutput: child.outputBlocking(),
            standardError: String(decoding: child.errorOutputBlocking(), as: UTF8.self)
        )
    }
}

/// A directory that is removed when the test is done with it.
public final class TemporaryDirectory: Sendable {
    public let url: URL
    public var path: String { self.url.path }

    public init(prefix: String = "qrpayd-test") throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        self.url = url
    }

    public func file(_ name: String) -> URL { self.url.appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(at: self.url) }
}

/// The package's root directory, for tests that need files from the repository (assets, systemd units).
public let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Decodes every QR code in a PNG file with zbarimg and returns the texts.
public func decodeQRCodes(pngAt url: URL) async throws -> [String] {
    let result = try await ExternalTool.launch("zbarimg", ["--quiet", "--raw", "-Sbinary", url.path])
    guard result.status == 0 else { return [] }
    // With -Sbinary zbar hands back the exact bytes; one symbol per line (a trailing newline is added).
    var text = result.output
    if text.hasSuffix("\n") { text.removeLast() }
    return [text]
}

/// Where SwiftPM put the built executables (`qrpayd`, `qrpayctl`, `vipps-sim`): next to the test bundle.
public let productsDirectory: URL = {
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = executable.deletingLastPathComponent()
    // On Linux the test runner is `<products>/qrpaydPackageTests.xctest`; elsewhere it may sit inside a bundle.
    while directory.path != "/"
        && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("qrpayctl").path)
    {
        directory.deleteLastPathComponent()
    }
    return directory
}()

/// The path of one of the package's executables.
public func productPath(_ name: String) -> String {
    productsDirectory.appendingPathComponent(name).path
}
