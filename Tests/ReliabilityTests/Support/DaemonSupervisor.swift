import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import TestSupport

/// Keeps one real `qrpayd` running for a reliability run: starts it, kills it with SIGKILL when the campaign says
/// so, starts it again on the same state directory, and re-follows the till's event stream each time.
actor DaemonSupervisor {
    let setup: (arguments: [String], environment: [String: String], socketPath: String)
    let httpClient: HTTPClient
    /// The till's event stream has its own client: a read timeout of three keep-alives (the daemon sends one every
    /// 15 s), where the Vipps-style client gives up after 8 s of silence.
    let eventClient: HTTPClient
    let ledger: TillLedger
    private var daemon: DaemonProcess?
    private var follower: Task<Void, Never>?
    private var restart: Task<Void, any Error>?
    private(set) var kills = 0
    /// The newest log lines of the current daemon.
    let logTail = LogTail()
    private(set) var tornWrites = 0
    let stateDirectory: String?
    /// Exits nobody asked for: each one is a defect.
    private(set) var unexpectedExits: [String] = []

    init(
        setup: (arguments: [String], environment: [String: String], socketPath: String),
        httpClient: HTTPClient,
        ledger: TillLedger,
        stateDirectory: String? = nil
    ) {
        self.stateDirectory = stateDirectory
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(3), read: .seconds(45))
        self.eventClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.setup = setup
        self.httpClient = httpClient
        self.ledger = ledger
    }

    var processID: pid_t? { self.daemon?.processIdentifier }
    var till: TillClient { TillClient(socketPath: self.setup.socketPath, httpClient: self.httpClient) }

    func start() async throws {
        let daemon = try DaemonProcess(
            arguments: self.setup.arguments,
            environment: self.setup.environment,
            socketPath: self.setup.socketPath
        )
        try await daemon.waitUntilReady()
        self.daemon = daemon
        // The last lines are kept for a failure's report; the rest must not pile up in the stream's buffer.
        let lines = daemon.lines
        let tail = self.logTail
        Task { for await line in lines { tail.append(line) } }
        let (connected, signal) = AsyncStream.makeStream(of: Void.self)
        let till = self.till
        let client = self.eventClient
        let ledger = self.ledger
        self.follower = Task {
            let done: @Sendable () -> Void = { signal.finish() }
            await TillEventStream.follow(till: till, client: client, ledger: ledger, connected: done)
        }
        // The stream is subscribed before anything else happens, so no event is missed.
        for await _ in connected {}
    }

    /// SIGKILL, then a fresh start on the same state. Concurrent callers share one restart.
    ///
    /// - Parameter tornTail: bytes appended to the write-ahead log between the kill and the restart: the half-written
    ///   frame a power cut leaves behind. SQLite must ignore it (its frames carry checksums) and nothing committed
    ///   may be lost.
    func crash(tornTail: [UInt8]? = nil) async throws {
        if let restart {
            try await restart.value
            return
        }
        let task = Task { try await self.killAndStart(tornTail: tornTail) }
        self.restart = task
        defer { self.restart = nil }
        try await task.value
    }

    private func killAndStart(tornTail: [UInt8]?) async throws {
        if let daemon {
            await daemon.stop(with: SIGKILL)
            self.kills += 1
        }
        await self.follower?.value
        if let tornTail, let stateDirectory,
            let wal = FileHandle(forWritingAtPath: stateDirectory + "/qrpayd.sqlite-wal")
        {
            try wal.seekToEnd()
            try wal.write(contentsOf: Data(tornTail))
            try wal.close()
            self.tornWrites += 1
        }
        try await self.start()
    }

    /// Called by the till after a failed request: waits for a restart in progress, or restarts a daemon that died
    /// on its own (and records that as a defect).
    func ensureRunning() async throws {
        if let restart {
            try await restart.value
            return
        }
        guard let daemon, !daemon.process.isRunning else { return }
        self.unexpectedExits.append("qrpayd \(daemon.process.termination?.description ?? "ended")")
        try await self.start()
    }

    func stop() async -> Int32? {
        var status: Int32?
        if let daemon {
            status = await daemon.stop(with: SIGTERM)
            await self.follower?.value
            self.daemon = nil
        }
        try? await self.eventClient.shutdown()
        return status
    }
}

/// The newest few dozen lines of a daemon's log, for the report of a run that failed.
final class LogTail: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) {
        self.lines.withLock {
            $0.append(line)
            if $0.count > 40 { $0.removeFirst($0.count - 40) }
        }
    }

    var last: [String] { self.lines.withLock { $0 } }
}
