public import AsyncHTTPClient
import Logging
public import Metrics
import NIOCore
import ServiceLifecycle
public import VippsAPI
public import VippsSimulator

/// A simulator on a loopback port and a real client pointed at it, for the length of one test.
public struct SimulatorHarness: Sendable {
    public let simulator: VippsSimulator
    public let port: Int
    public let httpClient: HTTPClient

    public var baseURL: String { "http://127.0.0.1:\(self.port)" }

    /// Credentials of the simulator's demo sales unit.
    public static let demoCredentials = VippsCredentials(
        clientID: VippsSimulatorConfiguration.demoSalesUnit.clientID,
        clientSecret: VippsSimulatorConfiguration.demoSalesUnit.clientSecret,
        subscriptionKey: VippsSimulatorConfiguration.demoSalesUnit.subscriptionKey,
        merchantSerialNumber: VippsSimulatorConfiguration.demoSalesUnit.msn
    )

    public func makeClient(
        credentials: VippsCredentials = SimulatorHarness.demoCredentials,
        // Generous: the whole suite runs in parallel on a 2-core CI machine. Tests about timeouts set their own.
        requestTimeout: Duration = .seconds(20),
        systemVersion: String = "test",
        metrics: any MetricsFactory = NOOPMetricsHandler.instance
    ) -> VippsClient {
        VippsClient(
            httpClient: self.httpClient,
            configuration: .init(
                environment: .custom(baseURL: self.baseURL, isTest: true),
                credentials: credentials,
                systemInfo: VippsSystemInfo(version: systemVersion, pluginVersion: "test"),
                requestTimeout: requestTimeout
            ),
            logger: Logger(label: "test.vipps"),
            metrics: metrics
        )
    }

    /// Runs `body` with a simulator listening on 127.0.0.1 and an HTTP client; both are shut down afterwards.
    public static func run<T: Sendable>(
        _ configuration: VippsSimulatorConfiguration = .demo,
        _ body: @Sendable (SimulatorHarness) async throws -> T
    ) async throws -> T {
        var simulatorLogger = Logger(label: "test.sim")
        simulatorLogger.logLevel = .warning
        let simulator = VippsSimulator(configuration: configuration, logger: simulatorLogger)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        // Vipps' connection settings, with more patience for reading: the whole suite starts hundreds of tests at once
        // on a 2-core CI machine, and the first answers can take longer than the daemon's 8 s. Each request's own
        // deadline (`requestTimeout`, which timeout tests set) still applies.
        var clientConfiguration = VippsClient.httpClientConfiguration()
        clientConfiguration.timeout = .init(connect: .seconds(3), read: .seconds(30))
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        // A ServiceGroup so the simulator stops gracefully (cancelling it makes Hummingbird log errors).
        let group = ServiceGroup(
            configuration: .init(
                services: [simulator.makeService(host: "127.0.0.1", port: 0) { port in portContinuation.yield(port) }],
                logger: simulatorLogger
            )
        )
        do {
            let result = try await withThrowingTaskGroup(of: T?.self) { tasks in
                tasks.addTask {
                    try await group.run()
                    return nil
                }
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next() else { throw HarnessError.simulatorDidNotStart }
                let harness = SimulatorHarness(simulator: simulator, port: port, httpClient: httpClient)
                do {
                    let result = try await body(harness)
                    await group.triggerGracefulShutdown()
                    return result
                } catch {
                    await group.triggerGracefulShutdown()
                    throw error
                }
            }
            try await httpClient.shutdown()
            return result
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
    }

    enum HarnessError: Error { case simulatorDidNotStart }
}
