import Foundation
import Glibc
import TestSupport

/// A program a test started: standard output and standard error go to files (so the daemon never blocks on a full
/// pipe, and `JOURNAL_STREAM` can name the file's device and inode) or to a pipe read line by line.
final class ChildProcess: Sendable {
    typealias Termination = SpawnedProcess.Termination

    enum Output {
        case file(URL)
        case lines
        case discarded
    }

    /// The child ended before what the test waited for happened.
    struct EndedEarly: Error, CustomStringConvertible {
        let waitingFor: String
        let termination: Termination?
        let standardError: String
        var description: String {
            "\(self.waitingFor) did not happen: the process \(self.termination?.description ?? "stopped reporting"). "
                + "Its standard error ended with:\n\(self.standardError.suffix(4000))"
        }
    }

    var processID: Int32 { self.child.processID }
    /// Lines of standard error, when it was started with `.lines`.
    let errorLines = Collector<String>()
    private let errorFile: URL?
    private let child: SpawnedProcess

    init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String],
        standardOutput: Output = .discarded,
        standardError: Output
    ) throws {
        let lines = self.errorLines
        let sink: @Sendable (String?) -> Void = { line in
            if let line { lines.append(line) } else { lines.finish() }
        }
        // An existing file is appended to, never replaced: a test may have put its inode in JOURNAL_STREAM already.
        let errors: SpawnedProcess.Output
        switch standardError {
        case .file(let url):
            errors = .file(url)
            self.errorFile = url
        case .lines:
            errors = .lines(sink)
            self.errorFile = nil
        case .discarded:
            errors = .discarded
            self.errorFile = nil
        }
        let output: SpawnedProcess.Output =
            switch standardOutput {
            case .file(let url): .file(url)
            case .lines, .discarded: .discarded
            }
        self.child = try SpawnedProcess(
            executable,
            arguments,
            environment: environment,
            standardOutput: output,
            standardError: errors
        )
    }

    /// What the child wrote to standard error so far.
    var standardError: String {
        if let errorFile {
            return (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        }
        return self.errorLines.items.joined(separator: "\n")
    }

    var hasExited: Bool { !self.child.isRunning }

    func signal(_ number: Int32) {
        self.child.signal(number)
    }

    /// How the child ended, once it has; `nil` if the waiting task was cancelled first.
    func termination() async -> Termination? {
        await self.child.waitForExit()
    }

    /// Waits for `event` (e.g. a datagram), failing with the child's standard error if the child exits first.
    func expect<T: Sendable>(
        _ description: String,
        _ event: @escaping @Sendable () async -> T?
    ) async throws -> T {
        let outcome: ExpectOutcome<T> = await withTaskGroup(of: ExpectOutcome<T>.self) { group in
            group.addTask { await event().map { .happened($0) } ?? .sourceEnded }
            group.addTask { .exited(await self.termination()) }
            let first = await group.next() ?? .sourceEnded
            group.cancelAll()
            return first
        }
        switch outcome {
        case .happened(let value):
            return value
        case .exited(let termination):
            throw EndedEarly(waitingFor: description, termination: termination, standardError: self.standardError)
        case .sourceEnded:
            throw EndedEarly(waitingFor: description, termination: nil, standardError: self.standardError)
        }
    }

    /// Runs `body` with the child, then makes sure it is gone: killed with SIGKILL if it still runs, and reaped.
    static func withChild<T: Sendable>(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String],
        standardOutput: Output = .discarded,
        standardError: Output,
        _ body: (ChildProcess) async throws -> T
    ) async throws -> T {
        let child = try ChildProcess(
            executable,
            arguments,
            environment: environment,
            standardOutput: standardOutput,
            standardError: standardError
        )
        do {
            let result = try await body(child)
            child.signal(SIGKILL)
            _ = await child.termination()
            return result
        } catch {
            child.signal(SIGKILL)
            _ = await child.termination()
            throw error
        }
    }
}

/// How waiting for an event while watching the process ended.
private enum ExpectOutcome<T: Sendable>: Sendable {
    case happened(T)
    case exited(ChildProcess.Termination?)
    case sourceEnded
}
