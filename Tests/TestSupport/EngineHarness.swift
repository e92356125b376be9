import Foundation
import Logging
public import Metrics
public import PaymentCore
import VippsAPI
public import VippsSimulator

/// A payment engine with a real SQLite store in a temporary directory, talking to a simulator on loopback, with its
/// poll loop running, for the length of one test.
public struct EngineHarness: Sendable {
    public let engine: PaymentEngine
    public let simulator: VippsSimulator
    public let store: PaymentStore
    public let directory: TemporaryDirectory
    public let simulatorHarness: SimulatorHarness

    public static func run<T: Sendable>(
        engine configuration: EngineConfiguration = .testing(),
        simulator simulatorConfiguration: VippsSimulatorConfiguration = .demo,
        directory: TemporaryDirectory? = nil,
        metrics: any MetricsFactory = NOOPMetricsHandler.instance,
        observer: @escaping PaymentEngine.Observer = { _ in },
        seed: @Sendable (SimulatorHarness) async throws -> Void = { _ in },
        _ body: @Sendable (EngineHarness) async throws -> T
    ) async throws -> T {
        let directory = try directory ?? TemporaryDirectory()
        return try await SimulatorHarness.run(simulatorConfiguration) { simulatorHarness in
            // What Vipps holds before this engine starts (as if another qrpayd had been running).
            try await seed(simulatorHarness)
            let store = try PaymentStore(directory: directory.path)
            let engine = PaymentEngine(
                configuration: configuration,
                vipps: simulatorHarness.makeClient(requestTimeout: .seconds(20), metrics: metrics),
                store: store,
                logger: {
                    var logger = Logger(label: "test.engine")
                    logger.logLevel = .warning
                    return logger
                }(),
                metrics: metrics,
                observer: observer
            )
            let harness = EngineHarness(
                engine: engine,
                simulator: simulatorHarness.simulator,
                store: store,
                directory: directory,
                simulatorHarness: simulatorHarness
            )
            return try await withThrowingTaskGroup(of: T?.self) { group in
                try await engine.recover()
                group.addTask {
                    await engine.runPollLoop()
                    return nil
                }
                let result = try await body(harness)
                group.cancelAll()
                return result
            }
        }
    }

    /// Follows the engine's events from now on.
    public func events(replayingFrom lastEventID: Int64? = nil) async -> PaymentEvents {
        PaymentEvents(stream: await self.engine.events.subscribe(after: lastEventID))
    }
}

extension EngineConfiguration {
    /// The engine as tests run it: a fast poll, the `kiosk7-` orderId prefix, then `changes`.
    public static func testing(_ changes: (inout EngineConfiguration) -> Void = { _ in }) -> EngineConfiguration {
        var configuration = EngineConfiguration(orderIdPrefix: "kiosk7-", pollInterval: .milliseconds(100))
        changes(&configuration)
        return configuration
    }
}

/// Waits for payment events without sleeping: each call consumes the stream until the wanted event arrives.
public struct PaymentEvents {
    private var iterator: AsyncStream<PaymentEvent>.AsyncIterator
    /// Every payment seen so far, in order.
    public private(set) var seen: [Payment] = []

    init(stream: AsyncStream<PaymentEvent>) {
        self.iterator = stream.makeAsyncIterator()
    }

    /// The next event of `reference` that is in `state` (earlier events are recorded in ``seen``).
    public mutating func next(_ reference: String, _ state: PaymentState) async -> Payment? {
        await self.next { $0.reference == reference && $0.state == state }
    }

    public mutating func next(where predicate: (Payment) -> Bool) async -> Payment? {
        while let event = await self.iterator.next() {
            self.seen.append(event.payment)
            if predicate(event.payment) { return event.payment }
        }
        return nil
    }

    /// The states `reference` went through so far.
    public func states(of reference: String) -> [PaymentState] {
        self.seen.filter { $0.reference == reference }.map(\.state)
    }
}
