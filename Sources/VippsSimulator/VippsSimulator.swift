public import Foundation
import Hummingbird
import HummingbirdCore
public import Logging
public import ServiceLifecycle

/// A local stand-in for the Vipps access token, eCom v2, ePayment v1 and QR APIs, speaking their wire format with their
/// rules and quirks, plus a control surface to play the customer, inject faults and read the truth.
///
/// Run it with ``run(host:port:onListening:)`` or as a `Service` from ``makeService(host:port:onListening:)``;
/// the customer actions and truth lookups work whether or not it is serving HTTP.
public final class VippsSimulator: Sendable {
    public let configuration: VippsSimulatorConfiguration
    let engine: SimulatorEngine
    let faults = FaultBoard()
    let heldAnswers = HeldAnswers()
    let logger: Logger

    public init(
        configuration: VippsSimulatorConfiguration = .demo,
        logger: Logger = Logger(label: "vipps-sim")
    ) {
        self.configuration = configuration
        self.engine = SimulatorEngine(configuration: configuration)
        self.logger = logger
    }

    // MARK: The customer

    /// The customer scans the QR or follows the link: `/details` starts showing a transaction id and summary.
    @discardableResult
    public func open(orderId: String, merchantSerialNumber: String? = nil) async throws(SimulatorError)
        -> SimulatedPayment
    {
        try await self.engine.perform(.open, orderId: orderId, msn: merchantSerialNumber)
    }

    /// The customer approves (opening first if needed). Magic test amounts decline the card the first time.
    @discardableResult
    public func approve(orderId: String, merchantSerialNumber: String? = nil) async throws(SimulatorError)
        -> SimulatedPayment
    {
        try await self.engine.perform(.approve, orderId: orderId, msn: merchantSerialNumber)
    }

    /// The customer rejects the payment: a successful `CANCEL`.
    @discardableResult
    public func decline(orderId: String, merchantSerialNumber: String? = nil) async throws(SimulatorError)
        -> SimulatedPayment
    {
        try await self.engine.perform(.decline, orderId: orderId, msn: merchantSerialNumber)
    }

    /// The customer's card is refused: a failed `RESERVE`; the payment stays open for another try.
    @discardableResult
    public func cardDecline(orderId: String, merchantSerialNumber: String? = nil) async throws(SimulatorError)
        -> SimulatedPayment
    {
        try await self.engine.perform(.cardDecline, orderId: orderId, msn: merchantSerialNumber)
    }

    /// The payment times out now, however much time is left.
    @discardableResult
    public func expire(orderId: String, merchantSerialNumber: String? = nil) async throws(SimulatorError)
        -> SimulatedPayment
    {
        try await self.engine.perform(.expire, orderId: orderId, msn: merchantSerialNumber)
    }

    // MARK: Clock and faults

    /// Moves the simulator clock (which otherwise follows the wall clock) forward; timeouts, token
    /// lifetimes and rate-limit windows all follow it.
    public func advanceClock(by duration: Duration) async {
        await self.engine.advanceClock(by: duration)
    }

    /// The simulator clock's current time.
    public func now() async -> Date {
        await self.engine.now
    }

    public func inject(_ fault: SimulatorFault) async {
        if case .expireTokens = fault.action {
            await self.engine.expireAllTokens()
        } else {
            self.faults.add(fault)
        }
    }

    /// Removes every fault and lets any answer held by a latency fault go.
    public func clearFaults() async {
        self.faults.clear()
        self.heldAnswers.releaseAll()
    }

    public func expireAllTokens() async {
        await self.engine.expireAllTokens()
    }

    // MARK: The truth

    public func payment(orderId: String, merchantSerialNumber: String? = nil) async -> SimulatedPayment? {
        await self.engine.payment(orderId: orderId, msn: merchantSerialNumber)
    }

    public func payments() async -> [SimulatedPayment] {
        await self.engine.allPayments()
    }

    public func requests() async -> [RecordedRequest] {
        await self.engine.recordedRequests()
    }

    public func clearRequests() async {
        await self.engine.clearRequests()
    }

    /// Returns the first recorded request (since the last clear) that matches, waiting for it if needed.
    public func waitForRequest(
        matching predicate: @escaping @Sendable (RecordedRequest) -> Bool
    ) async throws -> RecordedRequest {
        let found = try await self.engine.waitForRequests(count: 1, matching: predicate)
        guard let first = found.first else { throw CancellationError() }
        return first
    }

    /// Returns once `count` recorded requests match, e.g. "the client has polled `/details` three times".
    public func waitForRequests(
        count: Int,
        matching predicate: @escaping @Sendable (RecordedRequest) -> Bool
    ) async throws -> [RecordedRequest] {
        try await self.engine.waitForRequests(count: count, matching: predicate)
    }

    /// Returns once the payment (created by now or later) satisfies `predicate`.
    public func waitForPayment(
        orderId: String,
        where predicate: @escaping @Sendable (SimulatedPayment) -> Bool
    ) async throws -> SimulatedPayment {
        try await self.engine.waitForPayment(orderId: orderId, where: predicate)
    }

    // MARK: Serving

    /// Serves HTTP until cancelled or shut down gracefully; `onListening` gets the bound port (useful with 0).
    /// Call it once per simulator.
    public func run(
        host: String = "127.0.0.1",
        port: Int = 0,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let application = self.makeApplication(host: host, port: port, onListening: onListening)
        try await withThrowingDiscardingTaskGroup { group in
            if let timing = self.configuration.autoCustomer {
                let customer = AutoCustomerLoop(
                    engine: self.engine,
                    faults: self.faults,
                    timing: timing,
                    logger: self.logger
                )
                group.addTask { await customer.run() }
            }
            try await withGracefulShutdownHandler {
                try await application.run()
            } onGracefulShutdown: {
                self.heldAnswers.releaseAll()
            }
            group.cancelAll()
        }
    }

    /// The same server as a `Service`, for a `ServiceGroup`.
    public func makeService(
        host: String = "127.0.0.1",
        port: Int = 0,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some Service {
        SimulatorService(simulator: self, host: host, port: port, onListening: onListening)
    }

    private func makeApplication(
        host: String,
        port: Int,
        onListening: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let router = Router(context: SimulatorRequestContext.self)
        router.add(
            middleware: GatewayMiddleware(
                engine: self.engine,
                faults: self.faults,
                heldAnswers: self.heldAnswers,
                logger: self.logger
            )
        )
        VippsRoutes.add(to: router, engine: self.engine)
        ControlRoutes.add(to: router, simulator: self)
        let faults = self.faults
        return Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionGate(faults: faults)])),
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: self.logger
        )
    }
}

private struct SimulatorService: Service {
    let simulator: VippsSimulator
    let host: String
    let port: Int
    let onListening: @Sendable (Int) async -> Void

    func run() async throws {
        try await self.simulator.run(host: self.host, port: self.port, onListening: self.onListening)
    }
}
