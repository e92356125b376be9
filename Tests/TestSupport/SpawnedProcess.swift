public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started with posix_spawn(3), for every test that runs a program.
///
/// Foundation's `Process.run()` on Linux reads past a `dirent` while it scans `/proc/self/fd`
/// (swift-corelibs-foundation#5472) and crashed the test process about one run in five; this spawner does not scan
/// anything. The child gets fds 0–2 as asked, the ``init(_:_:environment:standardInput:standardOutput:standardError:passing:)``
/// `passing` descriptors, and nothing else: every other descriptor is closed in the child (closefrom), so a child can
/// never hold another child's pipe, or a connection of a server running in the test process, open.
public final class SpawnedProcess: Sendable {
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        public var description: String {
            switch self {
            case .exited(let status): "exited with status \(status)"
            case .signalled(let signal): "killed by signal \(signal)"
            }
        }

        /// The exit status, or 128 + the signal, as a shell would report it.
        public var status: Int32 {
            switch self {
            case .exited(let status): status
            case .signalled(let signal): 128 + signal
            }
        }
    }

    public enum Input: Sendable {
        case null
        case data(Data)
    }

    public enum Output: Sendable {
        case discarded
        /// Appended to this file (created if missing, never truncated).
        case file(URL)
        /// Read to the end; see ``output()`` and ``errorOutput()``.
        case collected
        /// Each line as it arrives, then `nil` at end of file.
        case lines(@Sendable (String?) -> Void)
    }

    public struct SpawnFailed: Error, CustomStringConvertible {
        public var executable: String
        public var errno: Int32
        public var description: String {
            "could not start \(self.executable): \(String(cString: strerror(self.errno)))"
        }
    }

    public let processID: pid_t
    private let exit = OnceValue<Termination>()
    private let collectedOutput = OnceValue<Data>()
    private let collectedErrors = OnceValue<Data>()

    public init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String],
        standardInput: Input = .null,
        standardOutput: Output = .discarded,
        standardError: Output = .discarded,
        passing descriptors: [Int32: Int32] = [:]
    ) throws {
        precondition(descriptors.keys.allSatisfy { $0 > 2 }, "fds 0–2 are set up by standardInput/Output/Error")
        precondition(
            descriptors.values.allSatisfy { $0 > descriptors.keys.max() ?? 2 },
            "a passed descriptor must lie above every child descriptor"
        )
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Descriptors the parent closes once the child has its copies.
        var childEnds: [Int32] = []
        defer { childEnds.forEach { close($0) } }

        var inputWriter: (fd: Int32, data: Data)?
        switch standardInput {
        case .null:
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        case .data(let data):
            let (reading, writing) = try Self.makePipe(executable)
            childEnds.append(reading)
            posix_spawn_file_actions_adddup2(&actions, reading, 0)
            inputWriter = (writing, data)
        }
        var readers: [(fd: Int32, output: Output, target: OnceValue<Data>)] = []
        for (target, output, sink) in [
            (Int32(1), standardOutput, self.collectedOutput), (Int32(2), standardError, self.collectedErrors),
        ] {
            switch output {
            case .discarded:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
                sink.set(Data())
            case .file(let url):
                posix_spawn_file_actions_addopen(&actions, target, url.path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
                sink.set(Data())
            case .collected, .lines:
                let (reading, writing) = try Self.makePipe(executable)
                childEnds.append(writing)
                posix_spawn_file_actions_adddup2(&actions, writing, target)
                readers.append((reading, output, sink))
            }
        }
        // The child's fd → the parent's; each parent fd must be above every child fd, so the dup2 makes a fresh
        // descriptor (one without the parent's close-on-exec flag) and closefrom below cannot reach it first.
        for (target, source) in descriptors.sorted(by: { $0.key < $1.key }) {
            posix_spawn_file_actions_adddup2(&actions, source, target)
        }
        Self.closeFrom((descriptors.keys.max() ?? 2) + 1, &actions)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else {
            readers.forEach { close($0.fd) }
            if let inputWriter { close(inputWriter.fd) }
            throw SpawnFailed(executable: executable, errno: result)
        }
        self.processID = pid
        let child = pid

        for reader in readers {
            Thread.detachNewThread { Self.drain(reader.fd, into: reader.output, collecting: reader.target) }
        }
        if let inputWriter {
            Thread.detachNewThread {
                PipeReading.writeAll(inputWriter.data, to: inputWriter.fd)
                close(inputWriter.fd)
            }
        }
        let exit = self.exit
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
            // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as functions.
            let signal = status & 0x7f
            exit.set(signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal))
        }
    }

    /// How the child ended, if it has.
    public var termination: Termination? { self.exit.current }
    public var isRunning: Bool { self.exit.current == nil }

    /// Waits for the child to end; `nil` if the waiting task is cancelled first.
    public func waitForExit() async -> Termination? { await self.exit.value() }
    /// Waits for the child to end, blocking the calling thread.
    public func waitForExitBlocking() -> Termination { self.exit.blockingValue() }

    /// Standard output read to its end (`.collected` only; empty otherwise).
    public func output() async -> Data { await self.collectedOutput.value() ?? Data() }
    public func errorOutput() async -> Data { await self.collectedErrors.value() ?? Data() }
    public func outputBlocking() -> Data { self.collectedOutput.blockingValue() }
    public func errorOutputBlocking() -> Data { self.collectedErrors.blockingValue() }

    /// Sends `signal` unless the child has already been reaped (its pid could belong to someone else by then).
    public func signal(_ signal: Int32) {
        if self.isRunning { kill(self.processID, signal) }
    }

    deinit {
        if self.isRunning { kill(self.processID, SIGKILL) }
    }

    private static func makePipe(_ executable: String) throws -> (reading: Int32, writing: Int32) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SpawnFailed(executable: executable, errno: errno) }
        // Swift's Glibc does not import pipe2; a child spawned in between loses these through closefrom anyway.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// glibc ≥ 2.34 has `posix_spawn_file_actions_addclosefrom_np`; Swift's Glibc module does not import it.
    private static func closeFrom(_ lowest: Int32, _ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
            preconditionFailure("posix_spawn_file_actions_addclosefrom_np is missing (glibc ≥ 2.34 has it)")
        }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, lowest)
    }

    private static func drain(_ fd: Int32, into output: Output, collecting target: OnceValue<Data>) {
        var data = Data()
        var pending = Data()
        while true {
            let chunk = PipeReading.readChunk(fd)
            if chunk.isEmpty { break }
            guard case .lines(let sink) = output else {
                data.append(chunk)
                continue
            }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                sink(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
        close(fd)
        if case .lines(let sink) = output {
            if !pending.isEmpty { sink(String(decoding: pending, as: UTF8.self)) }
            sink(nil)
        }
        target.set(data)
    }
}

/// A value set once, awaited by any number of tasks or threads.
final class OnceValue<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [Int: CheckedContinuation<Value?, Never>] = [:]
        var nextWaiter = 0
    }
    private let state = Mutex(State())
    private let ready = DispatchSemaphore(value: 0)

    var current: Value? { self.state.withLock { $0.value } }

    func set(_ value: Value) {
        let waiters = self.state.withLock { state -> [CheckedContinuation<Value?, Never>] in
            guard state.value == nil else { return [] }
            state.value = value
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume(returning: value) }
        self.ready.signal()
    }

    /// The value once set; `nil` if the waiting task is cancelled first.
    func value() async -> Value? {
        let id = self.state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate: Value?? = self.state.withLock { state in
                    if let value = state.value { return .some(value) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = self.state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }

    func blockingValue() -> Value {
        if let value = self.current { return value }
        self.ready.wait()
        // Let the next blocked waiter through too.
        self.ready.signal()
        return self.current ?? self.blockingValue()
    }
}
