import Foundation
import TestSupport

/// A scratch root filled by the project's own `make install DESTDIR=...`, the way a package build or a kiosk image
/// build installs qrpayd, with the binaries the test run just built.
struct StagingRoot {
    struct ToolFailed: Error, CustomStringConvertible {
        let command: String
        let result: ExternalTool.Result
        var description: String {
            "\(self.command) exited with \(self.result.status):\n\(self.result.output)\n\(self.result.standardError)"
        }
    }

    let directory: TemporaryDirectory
    let prefix: String

    var path: String { self.directory.path }

    /// A path inside the root, given as it is on the installed system.
    func file(_ installedPath: String) -> URL {
        URL(fileURLWithPath: self.path + installedPath)
    }

    /// Runs `make install` into a new root.
    static func install(prefix: String? = nil) async throws -> StagingRoot {
        let root = StagingRoot(directory: try TemporaryDirectory(prefix: "qrpayd-root"), prefix: prefix ?? "/usr/local")
        try await root.make("install")
        return root
    }

    /// Runs a target of the project's Makefile against this root.
    func make(_ target: String) async throws {
        var arguments = ["-C", packageRoot.path, target, "DESTDIR=\(self.path)", "BUILDDIR=\(productsDirectory.path)"]
        arguments.append("PREFIX=\(self.prefix)")
        try await Self.run("make", arguments)
    }

    /// Runs a tool to completion off the cooperative threads; throws with its output unless it exits with 0.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) async throws -> ExternalTool.Result {
        let result = try await self.runAllowingFailure(tool, arguments)
        guard result.status == 0 else {
            throw ToolFailed(command: ([tool] + arguments).joined(separator: " "), result: result)
        }
        return result
    }

    static func runAllowingFailure(_ tool: String, _ arguments: [String]) async throws -> ExternalTool.Result {
        try await onOwnThread { try ExternalTool.run(tool, arguments) }
    }

    /// Makes the root complete enough for `systemd-analyze verify --root`: the host's own unit files (for
    /// `sysinit.target` and the other units every service depends on), and a stand-in for each program the units
    /// start that this project does not ship (the kiosk's `cage` and `chromium`). qrpayd's own binary is the real one.
    func prepareForVerify(units: [String]) async throws {
        let systemUnits = self.file("/usr/lib/systemd/system")
        try FileManager.default.createDirectory(at: systemUnits, withIntermediateDirectories: true)
        // -n: with PREFIX=/usr qrpayd's own units are already there and must stay as installed.
        try await Self.run("cp", ["-a", "-n", "/usr/lib/systemd/system/.", systemUnits.path + "/"])
        for unit in units {
            let parsed = try UnitFile(contentsOf: self.file("\(self.prefix)/lib/systemd/system/\(unit)"))
            for program in parsed.programs where !FileManager.default.fileExists(atPath: self.file(program).path) {
                let standIn = self.file(program)
                try FileManager.default.createDirectory(
                    at: standIn.deletingLastPathComponent(),
                    withIntermediateDirectories: true
                )
                try Data("#!/bin/sh\nexit 0\n".utf8).write(to: standIn)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: standIn.path)
            }
        }
    }
}

extension UnitFile {
    /// The programs the unit's `Exec*=` lines start, without systemd's `-@:+!|` prefixes.
    var programs: [String] {
        let exec = (self.sections["Service"] ?? []).filter { $0.key.hasPrefix("Exec") }
        return exec.compactMap { assignment in
            let command = assignment.value.drop { "-@:+!|".contains($0) }
            return command.split(separator: " ").first.map(String.init)
        }
    }
}
