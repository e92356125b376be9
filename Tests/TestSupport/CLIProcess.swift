public import Foundation

/// Runs the real `qrpayctl` binary without blocking a thread of the cooperative pool while it runs.
public enum CLIProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var standardOutput: Data
        public var standardError: String
        public var output: String { String(decoding: self.standardOutput, as: UTF8.self) }
    }

    /// Runs `qrpayctl` (or `executable`) with `arguments`; `environment` replaces or adds variables of this
    /// process's environment (a nil value removes one).
    public static func run(
        _ arguments: [String],
        environment: [String: String?] = [:],
        executable: String = productPath("qrpayctl")
    ) async throws -> Result {
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let child = try SpawnedProcess(
            executable,
            arguments,
            environment: merged,
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
}
