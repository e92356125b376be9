import Foundation
import TestSupport

/// Runs the real `qrpayctl` binary without blocking a thread while it runs: its output goes to files, and its exit
/// arrives through `Process.terminationHandler`.
enum CLIProcess {
    struct Result: Sendable {
        var status: Int32
        var standardOutput: Data
        var standardError: String
        var output: String { String(decoding: self.standardOutput, as: UTF8.self) }
    }

    static func run(_ arguments: [String]) async throws -> Result {
        let directory = try TemporaryDirectory(prefix: "qrpayctl-output")
        let outputFile = directory.file("stdout")
        let errorFile = directory.file("stderr")
        FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: productPath("qrpayctl"))
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            // Bridges Process' termination callback to async.
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return Result(
            status: status,
            standardOutput: try Data(contentsOf: outputFile),
            standardError: String(decoding: try Data(contentsOf: errorFile), as: UTF8.self)
        )
    }
}
