public import Foundation
public import Logging
public import Metrics
import QRRendering
public import VippsAPI

/// What the till asks to create.
public struct PaymentRequest: Sendable, Hashable {
    public var reference: String
    public var amount: Int
    public var text: String?

    public init(reference: String, amount: Int, text: String?) {
        self.reference = reference
        self.amount = amount
        self.text = text
    }

    /// Tells a repeated request (same reference, same body: answered with the same payment) from a conflicting one.
    var fingerprint: String {
        "amount=\(self.amount);text=\(self.text ?? "")"
    }
}

/// What the engine knows about its connection to Vipps, for `/v1/health`, `systemctl status` and the display.
public struct VippsHealth: Sendable, Hashable {
    public var reachable: Bool
    public var lastSuccess: Date?
    public var lastFailure: Date?
    public var lastError: PaymentError?
    public var consecutiveFailures: Int
}

/// The payment state machine: creates payments at Vipps, follows them by polling `/details`, captures, cancels and
/// refunds, and writes every step to the ``PaymentStore`` before it is announced.
///
/// One actor owns all payment state. Work on one payment that spans calls to Vipps holds that payment's ``AsyncGate``,
/// so a poll never acts on a payment a cancel or capture is in the middle of changing, while other payments go on.
/// Every call to Vipps is admitted by one ``VippsCallBudget`` first; nothing sleeps while holding a gate to honour a
/// rate limit: the payment is looked at again when the budget allows.
public actor PaymentEngine {
    public typealias Observer = @Sendable (PaymentEngineUpdate) async -> Void

    public nonisolated let configuration: EngineConfiguration
    /// Creates new payments (`vipps.api`).
    let provider: any PaymentProvider
    /// ePayment, for payments it created while the box now runs eCom (eCom cannot read them); nil if unavailable.
    let epaymentProvider: (any PaymentProvider)?
    let store: PaymentStore
    public let events: EventHub
    let logger: Logger
    let observer: Observer
    let metrics: EngineMetrics

    /// One gate per payment that is being worked on; dropped when idle.
    var gates: [String: AsyncGate] = [:]
    /// Vipps' per-orderId limits and `Retry-After`s, for every call.
    var budget: VippsCallBudget
    /// Payments to follow, by reference, with when to poll each next.
    var followed: [String: ContinuousClock.Instant] = [:]
    /// Payments whose poll is running now (each is polled by one task at a time).
    var inFlight: Set<String> = []
    /// Payments recovery could not ask Vipps about; cleared by the next answer for each.
    var unreconciled: Set<String> = []
    var backoff: [String: Duration] = [:]
    /// Rendered QR codes of payments awaiting a scan; rebuilt from `qrText` after a restart.
    var qrImages: [String: [UInt8]] = [:]
    var health = VippsHealth(reachable: true, consecutiveFailures: 0)
    /// Updated on every turn of the poll loop, for the systemd watchdog.
    public internal(set) var lastLoopTurn = ContinuousClock.now
    /// Failed reservations seen per payment, to log each declined card once.
    var declinedCards: [String: Int] = [:]
    var recovered = false
    /// Calls (per payment) whose last attempt failed, so the next one counts as a retry.
    var failedCalls: [String: Set<VippsCallBudget.Call>] = [:]
    /// When each payment with the customer was last seen not yet approved, for the approval-to-till histogram.
    var lastSeenWaiting: [String: Date] = [:]

    /// - Parameter metrics: where the engine's counters and histograms go (the daemon's Prometheus registry).
    public init(
        configuration: EngineConfiguration,
        provider: any PaymentProvider,
        epaymentProvider: (any PaymentProvider)? = nil,
        store: PaymentStore,
        logger: Logger,
        metrics: any MetricsFactory = NOOPMetricsHandler.instance,
        observer: @escaping Observer = { _ in }
    ) {
        self.configuration = configuration
        self.budget = VippsCallBudget(margin: configuration.callBudgetMargin)
        self.provider = provider
        self.epaymentProvider = provider.api == .epayment ? provider : epaymentProvider
        self.store = store
        self.events = EventHub(store: store)
        self.logger = logger
        self.metrics = EngineMetrics(factory: metrics)
        self.observer = observer
    }

    /// An engine on the API `configuration.api` names; payments ePayment created stay with ePayment.
    public init(
        configuration: EngineConfiguration,
        vipps: VippsClient,
        store: PaymentStore,
        logger: Logger,
        metrics: any MetricsFactory = NOOPMetricsHandler.instance,
        observer: @escaping Observer = { _ in }
    ) {
        let epayment = EpaymentProvider(client: vipps)
        let provider: any PaymentProvider =
            switch configuration.api {
            case .ecom: EcomProvider(client: vipps, configuration: configuration)
            case .epayment: epayment
            }
        self.init(
            configuration: configuration,
            provider: provider,
            epaymentProvider: epayment,
            store: store,
            logger: logger,
            metrics: metrics,
            observer: observer
        )
    }

    /// The API that speaks for a stored payment: ePayment for the payments it created (eCom cannot read them), the
    /// configured one otherwise (ePayment reads and settles eCom's payments too).
    func provider(for payment: Payment) -> any PaymentProvider {
        if payment.api == .epayment, let epayment = self.epaymentProvider { return epayment }
        return self.provider
    }

    // MARK: Reading

    public func payment(reference: String) throws(PaymentProblem) -> Payment {
        try self.requireRecord(reference).payment
    }

    /// Payments that need the till: approved and not captured, or not final (for example open after a restart).
    public func unsettledPayments() throws(PaymentProblem) -> [Payment] {
        try self.storeRead { try self.store.openRecords() }.map(\.payment).filter(
            \.isUnsettled
        )
    }

    public func recentPayments(limit: Int = 50) throws(PaymentProblem) -> [Payment] {
        try self.storeRead { try self.store.recentRecords(limit: limit) }.map(\.payment)
    }

    /// The QR code PNG while the payment waits for the customer.
    public func qrImage(reference: String) -> [UInt8]? {
        guard let record = try? self.store.record(reference: reference), record.payment.state.isWithCustomer else {
            return nil
        }
        if let image = self.qrImages[reference] { return image }
        guard let text = record.payment.qrText,
            let image = try? QRRenderer.render(text, options: self.configuration.qrOptions)
        else { return nil }
        self.qrImages[reference] = image.png
        return image.png
    }

    /// The payment the customer is dealing with right now, if any.
    public func activePayment() throws(PaymentProblem) -> Payment? {
        try self.storeRead { try self.store.openRecords() }.map(\.payment).last {
            $0.state.isWithCustomer || self.isCapturing($0)
        }
    }

    public func vippsHealth() -> VippsHealth { self.health }

    /// Sets the engine's gauges (open payments, pending money operations, unreconciled payments, Vipps reachable,
    /// the store writable) from the store, just before metrics are scraped. A store that cannot be read leaves them
    /// as they were: the failure is in the journal and in `/v1/health`.
    public func recordGauges() {
        self.metrics.storeWritable(self.store.writeProblem == nil)
        let open: [PaymentStore.Record]
        do {
            open = try self.store.openRecords()
        } catch {
            self.logger.debug("Metrics: the payment database could not be read", metadata: ["store.error": "\(error)"])
            return
        }
        self.metrics.recordGauges(
            open: open.map(\.payment),
            unreconciled: self.unreconciled.count,
            vippsReachable: self.health.reachable
        )
    }

    /// Payments recovery could not ask Vipps about yet (their objects say `unreconciled: true`).
    public func unreconciledPayments() -> [String] { self.unreconciled.sorted() }

    // MARK: Gate

    /// Runs `body` holding `reference`'s gate: one piece of work per payment at a time.
    func withGate<T: Sendable>(_ reference: String, _ body: () async throws(PaymentProblem) -> T)
        async throws(PaymentProblem) -> T
    {
        if !self.gates[reference, default: AsyncGate()].enter() {
            await withCheckedContinuation { self.gates[reference, default: AsyncGate()].enqueue($0) }
        }
        defer {
            self.gates[reference, default: AsyncGate()].leave()
            if self.gates[reference]?.isIdle == true { self.gates[reference] = nil }
        }
        return try await body()
    }

    // MARK: Helpers shared by the operations

    /// Runs a store call; a store failure becomes an `internal-error` problem and a journal entry.
    func storeRead<T>(_ body: () throws -> T) throws(PaymentProblem) -> T {
        do {
            return try body()
        } catch {
            let message = (error as? StoreError)?.message ?? "\(error)"
            self.logger.error(
                "The payment database failed",
                metadata: ["message_id": "\(JournalEvent.storeRefused.messageID)", "store.error": "\(message)"]
            )
            throw PaymentProblem(.internalError, title: "Payment database error", detail: message)
        }
    }

    /// Persists a change (the payment, its operations and its event in one transaction), then announces it to the
    /// event streams, the observer and the journal.
    @discardableResult
    func commit(
        _ record: PaymentStore.Record,
        log: JournalEvent? = nil,
        caller: Caller? = nil
    ) async throws(PaymentProblem) -> PaymentStore.Record {
        let (record, event) = try self.save(record, isNew: false)
        await self.announce(event, record, log: log, caller: caller)
        return record
    }

    /// Writes a change without suspending, so nothing can come between a check and the write that depends on it.
    func save(_ record: PaymentStore.Record, isNew: Bool) throws(PaymentProblem) -> (PaymentStore.Record, PaymentEvent)
    {
        var record = record
        record.payment.final = record.payment.state.isFinal
        record.payment.updatedAt = Date()
        record.payment.unreconciled = self.unreconciled.contains(record.payment.reference)
        let started = ContinuousClock.now
        let change = try self.storeRead { try self.store.saveChange(record, isNew: isNew) }
        self.metrics.storeWrite(took: ContinuousClock.now - started)
        self.metrics.record(change: change, of: record.payment)
        return (record, change.event)
    }

    /// Tells everyone about a change that is stored.
    func announce(_ event: PaymentEvent, _ record: PaymentStore.Record, log: JournalEvent?, caller: Caller?) async {
        if let log {
            self.logPayment(log, record.payment, caller: caller)
        }
        // In order, after the store: a listener never hears of a change that a crash could undo.
        await self.events.publish(event)
        await self.observer(.payment(record.payment))
    }

    func logPayment(
        _ event: JournalEvent,
        _ payment: Payment,
        caller: Caller? = nil,
        level: Logger.Level = .info,
        extra: Logger.Metadata = [:]
    ) {
        var metadata: Logger.Metadata = [
            "message_id": "\(event.messageID)",
            "payment.reference": "\(payment.reference)",
            "vipps.order_id": "\(payment.orderId)",
            "payment.state": "\(payment.state.rawValue)",
            "payment.amount": "\(payment.amount)",
        ]
        if payment.capturedAmount > 0 { metadata["payment.captured_amount"] = "\(payment.capturedAmount)" }
        if payment.refundedAmount > 0 { metadata["payment.refunded_amount"] = "\(payment.refundedAmount)" }
        if let caller, let uid = caller.uid, let pid = caller.pid {
            metadata["caller.uid"] = "\(uid)"
            metadata["caller.pid"] = "\(pid)"
        }
        if let error = payment.error {
            metadata["payment.error"] = "\(error.code)"
            if let vipps = error.vipps {
                if let status = vipps.status { metadata["vipps.http_status"] = "\(status)" }
                if let group = vipps.errorGroup { metadata["vipps.error_group"] = "\(group)" }
                if let code = vipps.errorCode { metadata["vipps.error_code"] = "\(code)" }
            }
        }
        metadata.merge(extra) { $1 }
        self.logger.log(level: level, "\(Self.summary(event, payment))", metadata: metadata)
    }

    static func summary(_ event: JournalEvent, _ payment: Payment) -> String {
        let kroner = String(format: "%d.%02d %@", payment.amount / 100, payment.amount % 100, payment.currency)
        switch event {
        case .paymentCreated: return "Payment \(payment.reference) of \(kroner) is waiting for the customer to scan"
        case .paymentScanned: return "The customer opened payment \(payment.reference) in the Vipps app"
        case .paymentAuthorized: return "The customer approved payment \(payment.reference); \(kroner) is reserved"
        case .paymentCaptured:
            return "Captured \(payment.capturedAmount) øre of payment \(payment.reference) in total"
        case .paymentRefunded:
            return "Refunded; \(payment.refundedAmount) øre of payment \(payment.reference) returned in total"
        case .paymentCancelled: return "Payment \(payment.reference) was cancelled before the customer approved"
        case .paymentVoided: return "The reservation of payment \(payment.reference) was released (voided)"
        case .paymentRejected: return "Payment \(payment.reference) was declined"
        case .paymentExpired: return "Payment \(payment.reference) expired: the customer did not complete it in time"
        case .paymentFailed: return "Payment \(payment.reference) could not be created"
        case .cancelRacedApproval:
            return "Payment \(payment.reference) was approved while the till cancelled it; the reservation was voided"
        case .recoveryFoundOpenPayment:
            return "After a restart, payment \(payment.reference) was still open; asking Vipps for the truth"
        default: return "Payment \(payment.reference): \(payment.state.rawValue)"
        }
    }

    func isCapturing(_ payment: Payment) -> Bool {
        payment.state == .authorized && payment.settlement == .auto
    }

    func follow(_ reference: String, after delay: Duration = .zero) {
        self.followed[reference] = ContinuousClock.now.advanced(by: delay)
    }
}

/// What the engine tells the daemon (display, systemd status) as it happens.
public enum PaymentEngineUpdate: Sendable {
    case payment(Payment)
    case vippsReachability(reachable: Bool, error: PaymentError?)
}
