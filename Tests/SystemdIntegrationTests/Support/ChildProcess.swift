import Foundation
import Glibc
import Synchronization

/// A program a test started: standard output and standard error go to files (so the daemon never blocks on a full
/// pipe, and `JOURNAL_STREAM` can name the file's device and inode) or to a pipe read line by line.
final class ChildProcess: Sendable {
    enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        var description: String {
            switch self {
            case .exited(let status): "exited with status \(status)"
            case .signalled(let signal): "killed by signal \(signal)"
            }
        }
    }

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

    let processID: Int32
    /// Lines of standard error, when it was started with `.lines`.
    let errorLines = Collector<String>()
    private let errorFile: URL?
    /// Receives the one termination, from the thread Foundation reports it on.
    private let exits = Collector<Termination>()
    /// Kept so Foundation keeps watching the child; touched only here.
    private let process: Mutex<Process>

    init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String],
        standardOutput: Output = .discarded,
        standardError: Output
    ) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try Self.handle(for: standardOutput)
        var errorPipe: Pipe?
        switch standardError {
        case .file(let url):
            process.standardError = try Self.handle(for: .file(url))
            self.errorFile = url
        case .lines:
            let pipe = Pipe()
            process.standardError = pipe
            errorPipe = pipe
            self.errorFile = nil
        case .discarded:
            process.standardError = FileHandle.nullDevice
            self.errorFile = nil
        }
        let exits = self.exits
        process.terminationHandler = { finished in
            exits.append(
                finished.terminationReason == .exit
                    ? .exited(finished.terminationStatus) : .signalled(finished.terminationStatus)
            )
        }
        try process.run()
        self.processID = process.processIdentifier
        self.process = Mutex(process)
        if let errorPipe {
            try errorPipe.fileHandleForWriting.close()
            // A descriptor of the reader's own, closed by it at end of file, whatever becomes of the Pipe object.
            let reading = dup(errorPipe.fileHandleForReading.fileDescriptor)
            let lines = self.errorLines
            Thread.detachNewThread { Self.readLines(from: reading, into: lines) }
        }
    }

    private static func handle(for output: Output) throws -> FileHandle {
        switch output {
        case .file(let url):
            // An existing file is kept as it is: a test may have put its inode in JOURNAL_STREAM already.
            if !FileManager.default.fileExists(atPath: url.path) {
                guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
                }
            }
            return try FileHandle(forWritingTo: url)
        case .lines, .discarded:
            return FileHandle.nullDevice
        }
    }

    private static func readLines(from fd: Int32, into lines: Collector<String>) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            pending.append(contentsOf: buffer[..<count])
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
            }
        }
        close(fd)
        if !pending.isEmpty { lines.append(String(decoding: pending, as: UTF8.self)) }
        lines.finish()
    }

    /// What the child wrote to standard error so far.
    var standardError: String {
        if let errorFile {
            return (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        }
        return self.errorLines.items.joined(separator: "\n")
    }

    var hasExited: Bool { !self.exits.items.isEmpty }

    func signal(_ number: Int32) {
        if !self.hasExited { kill(self.processID, number) }
    }

    /// How the child ended, once it has; `nil` if the waiting task was cancelled first.
    func termination() async -> Termination? {
        await self.exits.first { _ in true }?.element
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
