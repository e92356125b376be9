import AsyncHTTPClient
import ControlAPI
import Foundation
import Logging
import PaymentCore
import ServiceLifecycle
import TestSupport
import VippsSimulator

/// Everything a control API test needs, all real: the Vipps simulator on loopback, a payment engine with its store
/// in a temporary directory and its poll loop running, the control server on a Unix socket in that directory (inside
/// a `ServiceGroup`, as in the daemon), and an HTTP client for the socket.
struct ControlHarness: Sendable {
    let simulator: VippsSimulator
    let engine: PaymentEngine
    let store: PaymentStore
    let client: ControlClient
    let directory: TemporaryDirectory
    let logs: LogRecorder
    let serviceGroup: ServiceGroup

    var socketPath: String { self.client.socketPath }

    static let orderIdPrefix = "kiosk7-"

    /// Chooses the server's listener, given the test's temporary directory.
    typealias ListenerFactory = @Sendable (TemporaryDirectory) throws -> ControlServer.Listener

    func orderId(_ reference: String) -> String { Self.orderIdPrefix + reference }

    /// Runs `body` against a fresh daemon; shuts it down gracefully afterwards.
    static func run<T: Sendable>(
        settlement: Settlement = .auto,
        listener: ListenerFactory? = nil,
        keepAliveInterval: Duration? = nil,
        idleTimeout: Duration? = nil,
        configure: @Sendable (inout EngineConfiguration) -> Void = { _ in },
        _ body: @Sendable (ControlHarness) async throws -> T
    ) async throws -> T {
        try await SimulatorHarness.run { simulatorHarness in
            let directory = try TemporaryDirectory(prefix: "qrpayd-ctl")
            let logs = LogRecorder()
            let store = try PaymentStore(directory: directory.path)
            var configuration = EngineConfiguration(
                orderIdPrefix: Self.orderIdPrefix,
                settlement: settlement,
                pollInterval: .milliseconds(50)
            )
            configure(&configuration)
            let engine = PaymentEngine(
                configuration: configuration,
                vipps: simulatorHarness.makeClient(),
                store: store,
                logger: logs.logger(label: "test.engine")
            )
            let socketPath = directory.file("control.sock").path
            let (listening, listeningContinuation) = AsyncStream.makeStream(of: Void.self)
            var server = ControlServer(
                listener: try listener?(directory) ?? .path(socketPath),
                engine: engine,
                health: { Self.sampleHealth },
                version: "1.2.3-test",
                logger: logs.logger(label: "test.control"),
                onListening: { listeningContinuation.yield() }
            )
            if let keepAliveInterval { server.keepAliveInterval = keepAliveInterval }
            if let idleTimeout { server.idleTimeout = idleTimeout }
            let serviceGroup = ServiceGroup(
                configuration: .init(services: [server], logger: Logger(label: "test.group"))
            )
            let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
            do {
                let result = try await withThrowingTaskGroup(of: Void.self) { group -> T in
                    group.addTask { await engine.runPollLoop() }
                    group.addTask {
                        defer { listeningContinuation.finish() }
                        try await serviceGroup.run()
                    }
                    var ready = listening.makeAsyncIterator()
                    guard await ready.next() != nil else {
                        // The server stopped before it listened: its error is what the test wants to see.
                        try await group.next()
                        throw ServerDidNotStart()
                    }
                    let harness = ControlHarness(
                        simulator: simulatorHarness.simulator,
                        engine: engine,
                        store: store,
                        client: ControlClient(socketPath: socketPath, httpClient: httpClient),
                        directory: directory,
                        logs: logs,
                        serviceGroup: serviceGroup
                    )
                    let result = try await body(harness)
                    await serviceGroup.triggerGracefulShutdown()
                    group.cancelAll()
                    return result
                }
                try await httpClient.shutdown()
                return result
            } catch {
                try? await httpClient.shutdown()
                throw error
            }
        }
    }

    static let sampleHealth = HealthReport(
        status: .ok,
        version: "1.2.3-test",
        vipps: .init(reachable: true, environment: "simulator", lastSuccess: Date(timeIntervalSince1970: 1_795_000_000))
    )

    /// What the store holds, to show a refused request changed nothing.
    func storeSnapshot() throws -> StoreSnapshot {
        StoreSnapshot(
            references: try self.store.recentRecords(limit: 1000).map(\.payment.reference),
            lastEventID: try self.store.lastEventID()
        )
    }

    struct ServerDidNotStart: Error {}

    struct StoreSnapshot: Equatable {
        var references: [String]
        var lastEventID: Int64
    }
}
