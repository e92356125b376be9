import Foundation
import Metrics
import VippsAPI

/// What the payment engine counts for a fleet's Prometheus, through swift-metrics.
///
/// Every label value comes from a fixed set (states, operation kinds, guidance ids, call names), never from a till
/// reference or an orderId, so the number of series stays bounded however many payments a box takes.
struct EngineMetrics: Sendable {
    /// The metric names, as the README, the alert rules and the dashboard use them.
    enum Name {
        static let paymentsStarted = "qrpayd_payments_started_total"
        static let paymentsEnded = "qrpayd_payments_ended_total"
        static let qrReady = "qrpayd_payment_qr_ready_seconds"
        static let approvalToTill = "qrpayd_payment_approval_to_till_seconds"
        static let moneyOperations = "qrpayd_money_operations_total"
        static let vippsErrors = "qrpayd_vipps_errors_total"
        static let callsDeferred = "qrpayd_vipps_calls_deferred_total"
        static let retryAfterSeconds = "qrpayd_vipps_retry_after_seconds_total"
        static let retries = "qrpayd_vipps_retries_total"
        static let recoveryRuns = "qrpayd_recovery_runs_total"
        static let recoveryReconciled = "qrpayd_recovery_reconciled_payments_total"
        static let recoveryUnreconciled = "qrpayd_recovery_unreconciled_payments_total"
        static let storeWrite = "qrpayd_store_write_seconds"
        static let openPayments = "qrpayd_open_payments"
        static let reservedPayments = "qrpayd_reserved_payments"
        static let oldestOpenPayment = "qrpayd_open_payment_oldest_age_seconds"
        static let pendingOperations = "qrpayd_money_operations_pending"
        static let oldestPendingOperation = "qrpayd_money_operation_oldest_pending_age_seconds"
        static let unreconciled = "qrpayd_unreconciled_payments"
        static let vippsReachable = "qrpayd_vipps_reachable"
        static let storeWritable = "qrpayd_store_writable"
        static let paymentsPruned = "qrpayd_store_pruned_payments_total"
    }

    let factory: any MetricsFactory

    /// A stored change of a payment, told once: whether it was new, the state it had before, and the operations
    /// whose state the change moved.
    func record(change: PaymentStore.Change, of payment: Payment, at now: Date = Date()) {
        guard let previous = change.previousState else {
            Counter(label: Name.paymentsStarted, factory: self.factory).increment()
            if payment.state.isFinal { self.ended(payment) }
            return
        }
        if previous == .initiating, payment.state == .awaitingScan || payment.state == .scanned {
            self.observe(Name.qrReady, seconds: now.timeIntervalSince(payment.createdAt))
        }
        if !previous.isFinal, payment.state.isFinal { self.ended(payment) }
        for operation in change.finishedOperations {
            Counter(
                label: Name.moneyOperations,
                dimensions: [("kind", operation.kind.rawValue), ("result", operation.state.rawValue)],
                factory: self.factory
            ).increment()
        }
    }

    private func ended(_ payment: Payment) {
        Counter(label: Name.paymentsEnded, dimensions: [("outcome", payment.state.rawValue)], factory: self.factory)
            .increment()
    }

    /// From the last look at Vipps that still found the payment with the customer (the earliest the approval can
    /// have happened) to the till's event: what the customer and the till wait on top of the approval itself.
    func approvalReachedTill(since earliest: Date, at now: Date = Date()) {
        self.observe(Name.approvalToTill, seconds: now.timeIntervalSince(earliest))
    }

    /// An error Vipps answered, by its row in the guidance table.
    func vippsError(_ error: VippsError) {
        let guidance = error.guidance
        Counter(
            label: Name.vippsErrors,
            dimensions: [("guidance", guidance.id), ("setup", guidance.isSetupProblem ? "true" : "false")],
            factory: self.factory
        ).increment()
    }

    enum DeferralReason: String {
        case retryAfter = "retry-after"
        case rateLimit = "rate-limit"
    }

    /// A call the budget did not admit yet.
    func deferred(_ call: VippsCallBudget.Call, because reason: DeferralReason) {
        Counter(
            label: Name.callsDeferred,
            dimensions: [("operation", call.rawValue), ("reason", reason.rawValue)],
            factory: self.factory
        ).increment()
    }

    /// Vipps asked qrpayd to wait this long before the next call for a payment.
    func retryAfter(_ duration: Duration) {
        FloatingPointCounter(label: Name.retryAfterSeconds, factory: self.factory).increment(by: duration / .seconds(1))
    }

    /// A call for a payment that follows a failed call of the same kind for it.
    func retry(_ call: VippsCallBudget.Call) {
        Counter(label: Name.retries, dimensions: [("operation", call.rawValue)], factory: self.factory).increment()
    }

    func recoveryFinished(reconciled: Int, unreconciled: Int) {
        Counter(label: Name.recoveryRuns, factory: self.factory).increment()
        Counter(label: Name.recoveryReconciled, factory: self.factory).increment(by: reconciled)
        Counter(label: Name.recoveryUnreconciled, factory: self.factory).increment(by: unreconciled)
    }

    func storeWrite(took duration: Duration) {
        Timer(label: Name.storeWrite, factory: self.factory).record(duration: duration)
    }

    private func observe(_ label: String, seconds: TimeInterval) {
        Timer(label: label, factory: self.factory).record(duration: .seconds(max(0, seconds)))
    }

    /// The engine's state as gauges, set just before a scrape: payments with the customer and pending money
    /// operations (how many, and the age of the oldest), approved payments whose money is still reserved, payments
    /// not yet reconciled after a restart, and whether Vipps answers.
    func recordGauges(open: [Payment], unreconciled: Int, vippsReachable: Bool, at now: Date = Date()) {
        let withCustomer = open.filter { $0.state.isWithCustomer }
        let pending = open.flatMap(\.operations).filter(\.isPending)
        self.gauge(Name.openPayments, Double(withCustomer.count))
        self.gauge(Name.oldestOpenPayment, withCustomer.map { now.timeIntervalSince($0.createdAt) }.max() ?? 0)
        self.gauge(Name.reservedPayments, Double(open.filter { $0.reservedAmount > 0 }.count))
        self.gauge(Name.pendingOperations, Double(pending.count))
        self.gauge(Name.oldestPendingOperation, pending.map { now.timeIntervalSince($0.createdAt) }.max() ?? 0)
        self.gauge(Name.unreconciled, Double(unreconciled))
        self.gauge(Name.vippsReachable, vippsReachable ? 1 : 0)
    }

    /// 1 while the payment database takes writes, 0 from a write that failed for want of storage until one succeeds.
    func storeWritable(_ writable: Bool) {
        self.gauge(Name.storeWritable, writable ? 1 : 0)
    }

    /// Settled payments the retention deleted.
    func pruned(_ count: Int) {
        Counter(label: Name.paymentsPruned, factory: self.factory).increment(by: count)
    }

    private func gauge(_ label: String, _ value: Double) {
        Gauge(label: label, factory: self.factory).record(max(0, value))
    }
}
