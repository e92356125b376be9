public import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOFoundationCompat
public import NIOHTTP1
import Synchronization
import VippsSimulator

/// The real `qrpayd` binary as a child process, configured against a simulator, with its log lines readable as they
/// come. For tests where processes matter: SIGKILL, restarts, systemd protocols.
public final class DaemonProcess: Sendable {
    public let process: SpawnedProcess
    public let lines: AsyncStream<String>
    public let socketPath: String

    /// Writes a configuration file for the simulator's demo sales unit and returns the arguments and environment to
    /// start qrpayd with.
    public static func configuration(
        simulatorPort: Int,
        directory: TemporaryDirectory,
        settlement: String = "auto",
        extra: [String: Any] = [:],
        sections: [String: [String: Any]] = [:]
    ) throws -> (arguments: [String], environment: [String: String], socketPath: String) {
        let unit = VippsSimulatorConfiguration.demoSalesUnit
        let state = directory.file("state").path
        let socket = directory.file("control.sock").path
        var payment: [String: Any] = [
            "orderIdPrefix": "kiosk7-", "settlement": settlement, "pollIntervalMilliseconds": 500,
        ]
        for (key, value) in extra { payment[key] = value }
        var json: [String: Any] = [
            "vipps": [
                "environment": "test",
                "baseURL": "http://127.0.0.1:\(simulatorPort)",
                "clientId": unit.clientID,
                "merchantSerialNumber": unit.msn,
                "requestTimeoutSeconds": 6,
            ],
            "payment": payment,
            "display": ["enabled": false],
            "state": ["directory": state],
            "control": ["socketPath": socket],
            "log": ["level": "info"],
        ]
        for (name, section) in sections {
            var merged = json[name] as? [String: Any] ?? [:]
            merged.merge(section) { $1 }
            json[name] = merged
        }
        let file = directory.file("qrpayd.json")
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted]).write(to: file)
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["VIPPS_CLIENT_SECRET"] = unit.clientSecret
        environment["VIPPS_SUBSCRIPTION_KEY"] = unit.subscriptionKey
        // Not under systemd: the secrets come from the environment, which qrpayd refuses when INVOCATION_ID is set.
        for key in [
            "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "JOURNAL_STREAM",
            "INVOCATION_ID",
        ] {
            environment[key] = nil
        }
        return (["--config", file.path], environment, socket)
    }

    /// What qrpayd printed on standard output (a pipe), line by line: the demo's banner.
    public let outputLines: AsyncStream<String>

    /// Starts qrpayd; the log lines (stderr) arrive on ``lines``, standard output on ``outputLines``.
    ///
    /// - Parameters:
    ///   - executable: What to run instead of the built `qrpayd` (a shell that `exec`s it, for the README).
    ///   - descriptors: Descriptors the child gets, child number to this process's (socket activation).
    public init(
        arguments: [String],
        environment: [String: String],
        socketPath: String,
        executable: String = productPath("qrpayd"),
        passing descriptors: [Int32: Int32] = [:]
    ) throws {
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        let sink: @Sendable (String?) -> Void = { line in
            if let line { continuation.yield(line) } else { continuation.finish() }
        }
        let (outputLines, outputContinuation) = AsyncStream.makeStream(of: String.self)
        let outputSink: @Sendable (String?) -> Void = { line in
            if let line { outputContinuation.yield(line) } else { outputContinuation.finish() }
        }
        self.process = try SpawnedProcess(
            executable,
            arguments,
            environment: environment,
            standardOutput: .lines(outputSink),
            standardError: .lines(sink),
            passing: descriptors
        )
        self.lines = lines
        self.outputLines = outputLines
        self.socketPath = socketPath
    }

    /// The environment for `qrpayd --demo` in a test: this process's, without systemd's variables, and with `TMPDIR`
    /// at `directory`, so the demo's socket and state (`$TMPDIR/qrpayd-demo-<uid>`) are the test's own.
    public static func demoEnvironment(temporaryDirectory directory: TemporaryDirectory) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in [
            "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "JOURNAL_STREAM",
            "QRPAYD_SOCKET",
        ] {
            environment[key] = nil
        }
        environment["TMPDIR"] = directory.path
        return environment
    }

    /// Waits for a line on standard output containing `text`; nil if the output ended first.
    public func waitForOutput(containing text: String) async -> String? {
        for await line in self.outputLines where line.contains(text) {
            return line
        }
        return nil
    }

    public var processIdentifier: pid_t { self.process.processID }

    /// Waits for a log line containing `text`; returns it, or nil if the process ended first.
    public func waitForLine(containing text: String) async -> String? {
        for await line in self.lines where line.contains(text) {
            return line
        }
        return nil
    }

    /// Waits until the daemon says it is ready for the till.
    public func waitUntilReady() async throws {
        guard await self.waitForLine(containing: "qrpayd is ready for the till") != nil else {
            throw DaemonDidNotStart(status: self.process.termination?.status)
        }
    }

    public struct DaemonDidNotStart: Error {
        public var status: Int32?

        public init(status: Int32?) {
            self.status = status
        }
    }

    /// Sends `signal` and waits for the process to end; returns its exit status (128 + signal if killed).
    @discardableResult
    public func stop(with signal: Int32) async -> Int32 {
        self.process.signal(signal)
        return await self.waitForExit()
    }

    public func waitForExit() async -> Int32 {
        await self.process.waitForExit()?.status ?? -1
    }
}

/// A till: HTTP/JSON over the control socket.
public struct TillClient: Sendable {
    public let socketPath: String
    public let httpClient: HTTPClient

    public init(socketPath: String, httpClient: HTTPClient) {
        self.socketPath = socketPath
        self.httpClient = httpClient
    }

    public struct Answer: Sendable {
        public var status: Int
        public var body: Data
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: self.body)) as? [String: Any] ?? [:]
        }
    }

    public func send(
        _ method: HTTPMethod,
        _ path: String,
        json: String? = nil,
        headers: [(String, String)] = []
    ) async throws -> Answer {
        let encoded = self.socketPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? self.socketPath
        var request = HTTPClientRequest(url: "http+unix://\(encoded)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await self.httpClient.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), body: Data(buffer: body))
    }
}
