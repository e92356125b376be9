import Foundation

/// `qrpayd --check-config`, run by `qrpayctl doctor`: the daemon judges the settings qrpayctl does not read itself
/// (payments, QR, the customer screen), exactly as it would at start-up, so the two never disagree about a file.
enum DaemonConfigurationCheck {
    enum Outcome: Sendable, Equatable {
        /// Valid, with what qrpayd warned about (`key: message` each).
        case valid(warnings: [String])
        /// What qrpayd said, `key: message`.
        case invalid(String)
        /// qrpayd could not be asked (not installed with qrpayctl, or it did not run).
        case notChecked(String)
    }

    /// The `qrpayd` installed with this qrpayctl: in the `bin` of the same prefix (this program is
    /// `PREFIX/libexec/qrpayd/qrpayctl-commands`), or beside it in a build directory; else the one on `PATH`.
    static func daemonExecutable(environment: [String: String]) -> URL? {
        let beside = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent()
        let installed = beside?.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("bin")
        let directories =
            [installed, beside].compactMap { $0 }
            + (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { URL(fileURLWithPath: String($0)) }
        return directories.map { $0.appendingPathComponent("qrpayd") }.first {
            FileManager.default.isExecutableFile(atPath: $0.path)
        }
    }

    static func run(configFile: String?, environment: [String: String]) async -> Outcome {
        guard let executable = Self.daemonExecutable(environment: environment) else {
            return .notChecked("qrpayd is not installed with qrpayctl (its bin directory) or on PATH")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--check-config"] + (configFile.map { ["--config", $0] } ?? [])
        process.environment = environment
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        let status: Int32
        do {
            status = try await withCheckedThrowingContinuation { continuation in
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do {
                    try process.run()
                } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                }
            }
        } catch {
            return .notChecked("\(executable.path) did not start: \(error.localizedDescription)")
        }
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        switch status {
        case 0:
            // "qrpayd: warning: key: message" lines.
            let prefix = "qrpayd: warning: "
            return .valid(
                warnings: said.split(separator: "\n").filter { $0.hasPrefix(prefix) }.map {
                    String($0.dropFirst(prefix.count))
                }
            )
        case 78:
            // EX_CONFIG: "qrpayd: configuration error: key: message".
            let line = said.split(separator: "\n").last.map(String.init) ?? said
            let prefix = "qrpayd: configuration error: "
            return .invalid(line.hasPrefix(prefix) ? String(line.dropFirst(prefix.count)) : line)
        default:
            return .notChecked("\(executable.path) --check-config exited with status \(status): \(said)")
        }
    }
}
