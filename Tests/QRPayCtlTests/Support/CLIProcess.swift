import Foundation
import TestSupport

/// Runs the real `qrpayctl` binary without blocking a thread of the cooperative pool while it runs.
enum CLIProcess {
    struct Result: Sendable {
        var status: Int32
        var standardOutput: Data
        var standardError: String
        var output: String { String(decoding: self.standardOutput, as: UTF8.self) }
    }

    static func run(_ arguments: [String]) async throws -> Result {
        let child = try SpawnedProcess(
            productPath("qrpayctl"),
            arguments,
            environment: ProcessInfo.processInfo.environment,
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
