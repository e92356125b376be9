import ControlAPI
import Foundation
import Logging
import PaymentCore
import ServiceLifecycle
import TestSupport
import VippsSimulator

/// The daemon's parts in this process (simulator on loopback, engine, control server on a socket in a temporary
/// directory) for the real `qrpayctl` binary to talk to.
struct DaemonHarness: Sendable {
    let simulator: VippsSimulator
    let engine: PaymentEngine
    let socketPath: String
    let directory: TemporaryDirectory

    static let orderIdPrefix = "kiosk9-"

    func orderId(_ reference: String) -> String { Self.orderIdPrefix + reference }

    /// Runs `qrpayctl` with `arguments` and `--socket` pointing here.
    func qrpayctl(_ arguments: String...) async throws -> CLIProcess.Result {
        try await CLIProcess.run(Array(arguments) + ["--socket", self.socketPath])
    }

    static func run<T: Sendable>(
        settlement: Settlement = .auto,
        _ body: @Sendable (DaemonHarness) async throws -> T
    ) async throws -> T {
        try await SimulatorHarness.run { simulatorHarness in
            let directory = try TemporaryDirectory(prefix: "qrpayctl")
            let engine = PaymentEngine(
                configuration: EngineConfiguration(
                    orderIdPrefix: Self.orderIdPrefix,
                    settlement: settlement,
                    pollInterval: .milliseconds(50)
                ),
                vipps: simulatorHarness.makeClient(),
                store: try PaymentStore(directory: directory.path),
                logger: Logger(label: "test.engine")
            )
            let socketPath = directory.file("control.sock").path
            let (listening, listeningContinuation) = AsyncStream.makeStream(of: Void.self)
            let server = ControlServer(
                listener: .path(socketPath),
                engine: engine,
                health: {
                    HealthReport(
                        status: .ok,
                        version: "9.9.9-test",
                        vipps: .init(reachable: true, environment: "simulator"),
                        activePayment: try? await engine.activePayment()
                    )
                },
                version: "9.9.9-test",
                logger: Logger(label: "test.control"),
                onListening: { listeningContinuation.yield() }
            )
            let serviceGroup = ServiceGroup(
                configuration: .init(services: [server], logger: Logger(label: "test.group"))
            )
            return try await withThrowingTaskGroup(of: Void.self) { group -> T in
                group.addTask { await engine.runPollLoop() }
                group.addTask {
                    defer { listeningContinuation.finish() }
                    try await serviceGroup.run()
                }
                var ready = listening.makeAsyncIterator()
                guard await ready.next() != nil else {
                    try await group.next()
                    throw ServerDidNotStart()
                }
                let harness = DaemonHarness(
                    simulator: simulatorHarness.simulator,
                    engine: engine,
                    socketPath: socketPath,
                    directory: directory
                )
                let result = try await body(harness)
                await serviceGroup.triggerGracefulShutdown()
                group.cancelAll()
                return result
            }
        }
    }

    struct ServerDidNotStart: Error {}

    /// Creates a payment and waits until the customer has approved it and the engine has seen it.
    func approvedPayment(_ reference: String, amount: Int, until state: PaymentState) async throws -> Payment {
        let events = await self.engine.events.subscribe(after: nil)
        _ = try await self.engine.create(PaymentRequest(reference: reference, amount: amount, text: nil))
        try await self.simulator.approve(orderId: self.orderId(reference))
        return try await Self.wait(for: reference, to: state, in: events)
    }

    /// Waits on an engine event stream until payment `reference` reaches `state`.
    @discardableResult
    static func wait(
        for reference: String,
        to state: PaymentState,
        in events: AsyncStream<PaymentEvent>
    ) async throws -> Payment {
        for await event in events where event.payment.reference == reference && event.payment.state == state {
            return event.payment
        }
        throw StreamEnded()
    }

    struct StreamEnded: Error {}
}
