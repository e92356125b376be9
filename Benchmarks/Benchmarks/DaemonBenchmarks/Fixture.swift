import AsyncHTTPClient
import ControlAPI
import CustomerDisplay
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PaymentCore
import VippsAPI
import VippsSimulator

/// The daemon's parts wired as in production, in this process: the simulator on loopback (no added latency), the
/// engine with a real SQLite store, the control server on a Unix socket, and the customer display on a TCP port.
actor Fixture {
    static let shared = Fixture()

    let simulator = VippsSimulator(configuration: .demo, logger: Fixture.quiet("sim"))
    let httpClient = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: VippsClient.httpClientConfiguration()
    )
    let feed = DisplayFeed()
    private(set) var engine: PaymentEngine?
    private(set) var socketPath = ""
    private(set) var displayPort = 0
    private var started = false
    private var counter = 0

    static func quiet(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .critical
        return logger
    }

    func start() async throws {
        guard !self.started else { return }
        self.started = true
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qrpayd-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.socketPath = directory + "/control.sock"

        let simulator = self.simulator
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        Task { try await simulator.run(host: "127.0.0.1", port: 0) { portContinuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { return }

        let vipps = VippsClient(
            httpClient: self.httpClient,
            configuration: .init(
                environment: .custom(baseURL: "http://127.0.0.1:\(port)", isTest: true),
                credentials: VippsCredentials(
                    clientID: VippsSimulatorConfiguration.demoSalesUnit.clientID,
                    clientSecret: VippsSimulatorConfiguration.demoSalesUnit.clientSecret,
                    subscriptionKey: VippsSimulatorConfiguration.demoSalesUnit.subscriptionKey,
                    merchantSerialNumber: VippsSimulatorConfiguration.demoSalesUnit.msn
                ),
                systemInfo: VippsSystemInfo(version: "bench", pluginVersion: "bench")
            ),
            logger: Self.quiet("vipps")
        )
        let engine = PaymentEngine(
            configuration: EngineConfiguration(orderIdPrefix: "bench-", settlement: .auto),
            vipps: vipps,
            store: try PaymentStore(directory: directory),
            logger: Self.quiet("engine")
        )
        self.engine = engine
        Task { await engine.runPollLoop() }

        let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
        let server = ControlServer(
            listener: .path(self.socketPath, mode: 0o600),
            engine: engine,
            health: { HealthReport(status: .ok, version: "bench", vipps: .init(reachable: true, environment: "sim")) },
            version: "bench",
            logger: Self.quiet("control"),
            onListening: { readyContinuation.yield() }
        )
        Task { try await server.run() }
        var readyIterator = ready.makeAsyncIterator()
        _ = await readyIterator.next()

        let assets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("assets/display").path
        let (displayPorts, displayContinuation) = AsyncStream.makeStream(of: Int.self)
        let display = CustomerDisplayServer(
            settings: DisplaySettings(shopName: "Bench", port: 0, assetsDirectory: assets),
            feed: self.feed,
            qrImage: { _ in nil },
            logger: Self.quiet("display"),
            onListening: { displayContinuation.yield($0) }
        )
        Task { try await display.run() }
        var displayIterator = displayPorts.makeAsyncIterator()
        self.displayPort = await displayIterator.next() ?? 0
    }

    func nextReference() -> String {
        self.counter += 1
        return "r\(getpid())-\(self.counter)"
    }

    /// One request to the control socket, as a till sends it.
    func send(_ method: HTTPMethod, _ path: String, json: String? = nil) async throws -> (Int, Data) {
        let encoded = self.socketPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? self.socketPath
        var request = HTTPClientRequest(url: "http+unix://\(encoded)\(path)")
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await self.httpClient.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Data(buffer: body))
    }

    /// Opens an SSE stream and returns the `data:` payloads as they arrive.
    func stream(url: String, headers: [(String, String)] = []) async throws -> AsyncThrowingStream<String, any Error> {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await self.httpClient.execute(request, timeout: .hours(1))
        return AsyncThrowingStream { continuation in
            let task = Task {
                var pending = ""
                do {
                    for try await chunk in response.body {
                        pending += String(buffer: chunk)
                        while let end = pending.range(of: "\n\n") {
                            let event = pending[..<end.lowerBound]
                            for line in event.split(separator: "\n") where line.hasPrefix("data:") {
                                continuation.yield(String(line.dropFirst(5)).trimmingCharacters(in: .whitespaces))
                            }
                            pending = String(pending[end.upperBound...])
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    var tillEventsURL: String {
        let encoded = self.socketPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? self.socketPath
        return "http+unix://\(encoded)/v1/events"
    }
}
