import Foundation
import Logging
import VippsAPI

/// Capture, refund and cancel: each is a ``MoneyOperation``, stored before it is sent, answered truthfully
/// (`succeeded`, `failed` for good, or `pending` while the outcome is unknown) and finished exactly once.
extension PaymentEngine {
    /// Captures `amount` øre of an approved payment, or the rest of the reservation if nil.
    public func capture(
        reference: String,
        amount: Int?,
        idempotencyKey: String? = nil,
        caller: Caller = .daemon
    ) async throws(PaymentProblem) -> MoneyOperationResult {
        if let amount, amount < 1 {
            throw PaymentProblem(.invalidRequest, title: "Invalid amount", detail: "amount must be at least 1 øre.")
        }
        return try await self.request(.capture, reference, requestedAmount: amount, idempotencyKey, caller) {
            (payment) throws(PaymentProblem) -> Int? in
            if payment.cancelRequested {
                throw PaymentProblem(
                    .invalidState,
                    title: "Payment is being cancelled",
                    detail: "Payment \(payment.reference) was cancelled; it cannot be captured.",
                    payment: payment
                )
            }
            guard payment.state == .authorized || (payment.state == .captured && payment.reservedAmount > 0) else {
                throw PaymentProblem(
                    .invalidState,
                    title: "Nothing to capture",
                    detail:
                        "Payment \(payment.reference) is \(payment.state.rawValue) with nothing reserved; only an "
                        + "approved payment can be captured.",
                    payment: payment
                )
            }
            let capturable = payment.reservedAmount
            let amount = amount ?? capturable
            guard amount <= capturable else {
                throw PaymentProblem(
                    .invalidState,
                    title: "Amount above what is reserved",
                    detail:
                        "Payment \(payment.reference) has \(capturable) øre reserved that can still be captured; "
                        + "\(amount) øre was asked for.",
                    code: "amount-above-capturable",
                    payment: payment
                )
            }
            return amount
        }
    }

    /// Sends money back to the customer, within the configured refund policy.
    public func refund(
        reference: String,
        amount: Int,
        idempotencyKey: String? = nil,
        caller: Caller = .daemon
    ) async throws(PaymentProblem) -> MoneyOperationResult {
        let policy = self.configuration.refunds
        guard policy.enabled else {
            throw PaymentProblem(
                .refundNotAllowed,
                title: "Refunds are turned off",
                detail: "This box does not refund from the till (payment.refunds.enabled is false)."
            )
        }
        guard amount >= 1 else {
            throw PaymentProblem(.invalidRequest, title: "Invalid amount", detail: "amount must be at least 1 øre.")
        }
        if let cap = policy.maximumPerRefund, amount > cap {
            throw PaymentProblem(
                .refundNotAllowed,
                title: "Refund above the limit",
                detail: "A refund may be at most \(cap) øre on this box (payment.refunds.maximumPerRefund)."
            )
        }
        return try await self.request(.refund, reference, requestedAmount: amount, idempotencyKey, caller) {
            (payment) throws(PaymentProblem) -> Int? in
            guard payment.state == .captured, payment.capturedAmount > 0 else {
                throw PaymentProblem(
                    .invalidState,
                    title: "Nothing to refund",
                    detail:
                        "Payment \(payment.reference) is \(payment.state.rawValue); only captured payments can be "
                        + "refunded.",
                    payment: payment
                )
            }
            let refundable = payment.capturedAmount - payment.refundedAmount
            guard amount <= refundable else {
                throw PaymentProblem(
                    .invalidState,
                    title: "Amount above what can be refunded",
                    detail:
                        "Payment \(payment.reference) has \(refundable) øre that can still be refunded "
                        + "(\(payment.capturedAmount) captured, \(payment.refundedAmount) refunded); \(amount) øre "
                        + "was asked for.",
                    code: "amount-above-refundable",
                    payment: payment
                )
            }
            if let cap = policy.maximumPerDay {
                let startOfDay = Calendar.current.startOfDay(for: Date())
                let today = try self.storeRead { try self.store.refundedAmount(since: startOfDay) }
                guard today + amount <= cap else {
                    throw PaymentProblem(
                        .refundNotAllowed,
                        title: "Daily refund limit reached",
                        detail:
                            "Refunds today (in the box's time zone) would reach \(today + amount) øre; the limit is "
                            + "\(cap) øre (payment.refunds.maximumPerDay)."
                    )
                }
            }
            return amount
        }
    }

    /// Makes sure the customer is not charged: cancels before approval, voids after it, releases the rest after a
    /// partial capture, and drops a capture that Vipps has not carried out. Answers with the payment as read back from
    /// Vipps, or `pending` while Vipps cannot confirm.
    public func cancel(
        reference: String,
        idempotencyKey: String? = nil,
        caller: Caller = .daemon
    ) async throws(PaymentProblem) -> MoneyOperationResult {
        try await self.withGate(reference) { () async throws(PaymentProblem) -> MoneyOperationResult in
            var record = try self.requireRecord(reference)
            let fingerprint = MoneyOperation.fingerprint(.cancel, requestedAmount: nil)
            if let answer = try self.repeated(idempotencyKey, fingerprint: fingerprint, in: record.payment) {
                return answer
            }
            if let pending = record.payment.operations.first(where: { $0.kind == .cancel && $0.isPending }) {
                // Cancelling is always safe to ask again: the same pending cancel answers.
                return MoneyOperationResult(payment: record.payment, operation: pending)
            }
            switch record.payment.state {
            case .captured where record.payment.reservedAmount == 0:
                throw PaymentProblem(
                    .invalidState,
                    title: "Payment already captured",
                    detail: "Payment \(reference) is captured in full; refund it instead of cancelling.",
                    payment: record.payment
                )
            case .cancelled, .voided, .rejected, .expired, .failed:
                // Nobody is or will be charged: nothing to do.
                return MoneyOperationResult(payment: record.payment, operation: nil)
            case .initiating, .awaitingScan, .scanned, .authorized, .captured:
                break
            }
            let operation = Self.tillOperation(.cancel, amount: nil, caller, idempotencyKey, fingerprint)
            record.payment.operations.append(operation)
            self.logTillRequest("Till asked to cancel a payment", record.payment, caller: caller, extra: [:])
            record = try await self.commit(record, caller: caller)
            if record.payment.state == .initiating {
                // The creation is still running (or was interrupted): it sees the cancel and stops.
                self.follow(reference)
                return MoneyOperationResult(payment: record.payment, operation: operation)
            }
            record = try await self.settleCancel(record, operation: operation)
            return try self.answer(for: operation.id, in: record)
        }
    }

    // MARK: Creating operations

    /// The common path of a till's capture or refund: idempotency, one pending operation per payment, the check of
    /// state and amount, the stored operation, then the call to Vipps.
    private func request(
        _ kind: MoneyOperation.Kind,
        _ reference: String,
        requestedAmount: Int?,
        _ idempotencyKey: String?,
        _ caller: Caller,
        validate: (Payment) throws(PaymentProblem) -> Int?
    ) async throws(PaymentProblem) -> MoneyOperationResult {
        try await self.withGate(reference) { () async throws(PaymentProblem) -> MoneyOperationResult in
            var record = try self.requireRecord(reference)
            let fingerprint = MoneyOperation.fingerprint(kind, requestedAmount: requestedAmount)
            if let answer = try self.repeated(idempotencyKey, fingerprint: fingerprint, in: record.payment) {
                return answer
            }
            if let pending = record.payment.operations.first(where: { $0.isPending && $0.kind != .cancel }) {
                throw PaymentProblem(
                    .operationPending,
                    title: "Another operation is pending",
                    detail:
                        "The \(pending.kind.rawValue) \(pending.id) of payment \(reference) is still pending; wait for "
                        + "its outcome on the event stream (or GET the payment) before asking for another.",
                    payment: record.payment,
                    operation: pending
                )
            }
            let amount = try validate(record.payment)
            let operation = Self.tillOperation(kind, amount: amount, caller, idempotencyKey, fingerprint)
            record.payment.operations.append(operation)
            self.logTillRequest(
                "Till asked to \(kind.rawValue)",
                record.payment,
                caller: caller,
                extra: ["\(kind.rawValue).amount": "\(amount.map(String.init) ?? "-")"]
            )
            record = try await self.commit(record, caller: caller)
            record = try await self.execute(operation, on: record)
            return try self.answer(for: operation.id, in: record)
        }
    }

    /// The answer to a request whose `Idempotency-Key` was seen before on this payment, or nil if it is new.
    private func repeated(_ key: String?, fingerprint: String, in payment: Payment) throws(PaymentProblem)
        -> MoneyOperationResult?
    {
        guard let key, let earlier = payment.operations.first(where: { $0.idempotencyKey == key }) else { return nil }
        guard earlier.fingerprint == fingerprint else {
            throw PaymentProblem(
                .idempotencyConflict,
                title: "Idempotency-Key used for another request",
                detail:
                    "Idempotency-Key \(key) was used for a \(earlier.kind.rawValue) of "
                    + "\(earlier.amount.map { "\($0) øre" } ?? "the rest") on payment \(payment.reference); use a new "
                    + "key for a different request.",
                payment: payment,
                operation: earlier
            )
        }
        return try self.answer(for: earlier.id, in: PaymentStore.Record(payment: payment, fingerprint: ""))
    }

    /// The result of an operation; a failed one is thrown as the problem it failed with, so the till is told
    /// "failed" only when Vipps refused for good.
    func answer(for id: String, in record: PaymentStore.Record) throws(PaymentProblem) -> MoneyOperationResult {
        let operation = record.payment.operations.first { $0.id == id }
        if let operation, operation.state == .failed {
            throw PaymentProblem(failed: operation, payment: record.payment)
        }
        return MoneyOperationResult(payment: record.payment, operation: operation)
    }

    /// Creates an operation qrpayd asks for itself (auto-capture, or the void of a payment nobody may be charged
    /// for) and stores it with the payment.
    func ownOperation(_ kind: MoneyOperation.Kind, amount: Int?, on record: PaymentStore.Record)
        async throws(PaymentProblem) -> (PaymentStore.Record, MoneyOperation)
    {
        var record = record
        let operation = self.newOwnOperation(kind, amount: amount)
        record.payment.operations.append(operation)
        record = try await self.commit(record)
        return (record, operation)
    }

    static func tillOperation(
        _ kind: MoneyOperation.Kind,
        amount: Int?,
        _ caller: Caller,
        _ idempotencyKey: String?,
        _ fingerprint: String
    ) -> MoneyOperation {
        MoneyOperation(
            kind: kind,
            amount: amount,
            origin: .till,
            caller: caller,
            idempotencyKey: idempotencyKey,
            fingerprint: fingerprint,
            at: Date()
        )
    }

    func newOwnOperation(_ kind: MoneyOperation.Kind, amount: Int?) -> MoneyOperation {
        MoneyOperation(
            kind: kind,
            amount: amount,
            origin: .qrpayd,
            caller: nil,
            idempotencyKey: nil,
            fingerprint: MoneyOperation.fingerprint(kind, requestedAmount: amount),
            at: Date()
        )
    }

    func requireRecord(_ reference: String) throws(PaymentProblem) -> PaymentStore.Record {
        guard let record = try self.storeRead({ try self.store.record(reference: reference) })
        else {
            throw PaymentProblem(
                .notFound,
                title: "No such payment",
                detail: "No payment has the reference \(reference)."
            )
        }
        return record
    }

    // MARK: Carrying operations out

    /// One attempt at a pending capture or refund (a cancel goes through ``settleCancel(_:operation:)``). The outcome
    /// and the payment's new state are stored in one transaction with their event.
    func execute(_ operation: MoneyOperation, on record: PaymentStore.Record) async throws(PaymentProblem)
        -> PaymentStore.Record
    {
        if operation.kind == .cancel { return try await self.settleCancel(record, operation: operation) }
        var record = record
        let payment = record.payment
        let summary: ProviderAmounts?
        do throws(VippsCallFailure) {
            switch operation.kind {
            case .capture:
                summary = try await self.callVipps(.capture, payment) { () async throws(VippsError) in
                    try await self.provider(for: payment).capture(
                        orderId: payment.orderId,
                        amount: operation.amount,
                        currency: payment.vippsCurrency,
                        text: payment.text,
                        idempotencyKey: operation.vippsRequestId
                    )
                }
            case .refund, .cancel:
                summary = try await self.callVipps(.refund, payment) { () async throws(VippsError) in
                    try await self.provider(for: payment).refund(
                        orderId: payment.orderId,
                        amount: operation.amount ?? 0,
                        currency: payment.vippsCurrency,
                        text: payment.text,
                        idempotencyKey: operation.vippsRequestId
                    )
                }
            }
        } catch {
            return try await self.operationNotDone(operation, on: record, failure: error)
        }
        let amount = operation.amount ?? 0
        switch operation.kind {
        case .capture:
            record.payment.capturedAmount = summary?.captured ?? (payment.capturedAmount + amount)
            record.payment.reservedAmount = summary?.remainingToCapture ?? max(0, payment.reservedAmount - amount)
            record.payment.refundedAmount = summary?.refunded ?? payment.refundedAmount
            record.payment.state = .captured
            record.payment.error = nil
            self.qrImages[payment.reference] = nil
        case .refund, .cancel:
            record.payment.refundedAmount = summary?.refunded ?? (payment.refundedAmount + amount)
            if let captured = summary?.captured { record.payment.capturedAmount = captured }
        }
        record.finish(operation.id, .succeeded)
        return try await self.commit(record, log: operation.kind == .capture ? .paymentCaptured : .paymentRefunded)
    }

    /// A capture or refund that Vipps did not confirm: refused for good (the operation fails and is never sent
    /// again), or not known (it stays pending and is looked up and retried when the budget allows).
    private func operationNotDone(
        _ operation: MoneyOperation,
        on record: PaymentStore.Record,
        failure: VippsCallFailure
    ) async throws(PaymentProblem) -> PaymentStore.Record {
        var record = record
        switch failure {
        case .deferred(let until):
            self.followAt(record.payment.reference, until)
            return record
        case .vipps(let error):
            switch error.disposition {
            case .refused:
                self.logVippsRejection(error, record.payment)
                record.finish(operation.id, .failed, error: PaymentError(vipps: error))
                return try await self.commit(record)
            case .unknown(let retryAfter):
                self.logPayment(
                    .moneyOutcomeUnknown,
                    record.payment,
                    level: .warning,
                    extra: [
                        "vipps.operation": "\(operation.kind.rawValue)",
                        "operation.id": "\(operation.id)",
                        "vipps.guidance": "\(error.guidance.id)",
                    ]
                )
                self.scheduleRetry(record.payment.reference, after: retryAfter)
                return record
            }
        }
    }

    /// Carries out a cancel: first settles what Vipps already did with pending captures (a capture Vipps has not
    /// carried out is dropped and never sent), then cancels (or voids, or releases the rest), then reads back.
    func settleCancel(_ record: PaymentStore.Record, operation: MoneyOperation) async throws(PaymentProblem)
        -> PaymentStore.Record
    {
        var record = record
        let payment = record.payment
        let details: ProviderPayment
        do throws(VippsCallFailure) {
            details = try await self.readDetails(payment)
        } catch {
            return self.cancelNotDone(record, failure: error)
        }
        record = try await self.apply(details, to: record, reconcilingOnly: true)
        guard record.payment.operations.contains(where: { $0.id == operation.id && $0.isPending }) else {
            return record
        }
        switch record.payment.state {
        case .cancelled, .voided, .rejected, .expired:
            // Vipps had already ended it: nobody is charged.
            record.finish(operation.id, .succeeded)
            return try await self.commit(record)
        case .initiating, .awaitingScan, .scanned, .authorized, .captured, .failed:
            break
        }
        if case .captured = details.status, record.payment.reservedAmount == 0 {
            // Vipps had captured everything (a capture that was pending went through): nothing left to release.
            record.finish(
                operation.id,
                .failed,
                error: PaymentError(
                    type: PaymentProblem.Slug.invalidState.urn,
                    code: "already-captured",
                    title: "Payment already captured",
                    detail: "Vipps had already captured the payment in full; refund it instead of cancelling."
                )
            )
            return try await self.commit(record, log: .paymentCaptured)
        }
        let releaseRest = record.payment.capturedAmount > 0
        do throws(VippsCallFailure) {
            _ = try await self.callVipps(.cancel, payment) { () async throws(VippsError) in
                try await self.provider(for: payment).cancel(
                    orderId: payment.orderId,
                    text: "Avbrutt / Cancelled",
                    releaseRemaining: releaseRest,
                    idempotencyKey: operation.vippsRequestId
                )
            }
        } catch {
            if case .vipps(let vippsError) = error, vippsError.refusal == .notFound {
                // Vipps never created it: nobody can be charged.
                record.finish(operation.id, .succeeded)
                return try await self.commit(record)
            }
            if case .vipps(let vippsError) = error, vippsError.refusal != nil {
                // Refused for good (for example: captured in full meanwhile). Read back what Vipps has.
                self.logVippsRejection(vippsError, record.payment)
                record.finish(operation.id, .failed, error: PaymentError(vipps: vippsError))
                record = try await self.commit(record)
                self.follow(record.payment.reference, after: self.configuration.pollInterval)
                return record
            }
            return self.cancelNotDone(record, failure: error)
        }
        // Confirmed. Read back: the customer may have approved in the same moment (then Vipps voided instead).
        let after: ProviderPayment
        do throws(VippsCallFailure) {
            after = try await self.readDetails(payment)
        } catch {
            record.finish(operation.id, .succeeded)
            record = try await self.commit(record)
            self.follow(record.payment.reference, after: self.configuration.pollInterval)
            return record
        }
        record = try await self.apply(after, to: record)
        if record.payment.operations.contains(where: { $0.id == operation.id && $0.isPending }) {
            record.finish(operation.id, .succeeded)
            record = try await self.commit(record)
        }
        if self.needsFollowing(record) {
            self.follow(record.payment.reference, after: self.configuration.pollInterval)
        } else {
            self.stopFollowing(record.payment.reference)
        }
        return record
    }

    private func cancelNotDone(_ record: PaymentStore.Record, failure: VippsCallFailure) -> PaymentStore.Record {
        switch failure {
        case .deferred(let until):
            self.followAt(record.payment.reference, until)
        case .vipps(let error):
            self.logPayment(
                .moneyOutcomeUnknown,
                record.payment,
                level: .warning,
                extra: ["vipps.operation": "cancel", "vipps.guidance": "\(error.guidance.id)"]
            )
            self.scheduleRetry(record.payment.reference, after: error.retryAfter)
        }
        return record
    }

    // MARK: Calls to Vipps

    /// Every call for a payment goes through here: admitted by the budget (or deferred, never waited for), its
    /// `Retry-After` noted, and Vipps' reachability tracked.
    func callVipps<T: Sendable>(
        _ call: VippsCallBudget.Call,
        _ payment: Payment,
        _ body: () async throws(VippsError) -> T
    ) async throws(VippsCallFailure) -> T {
        if let until = self.budget.admit(call, orderId: payment.orderId) {
            self.metrics.deferred(
                call,
                because: self.budget.isHeld(orderId: payment.orderId) ? .retryAfter : .rateLimit
            )
            throw .deferred(until: until)
        }
        if self.failedCalls[payment.reference]?.contains(call) == true { self.metrics.retry(call) }
        do {
            let result = try await body()
            self.failedCalls[payment.reference]?.remove(call)
            if self.failedCalls[payment.reference]?.isEmpty == true { self.failedCalls[payment.reference] = nil }
            await self.noteVippsSuccess()
            return result
        } catch {
            if let retryAfter = error.retryAfter {
                self.budget.hold(orderId: payment.orderId, for: retryAfter)
                self.metrics.retryAfter(retryAfter)
            }
            self.failedCalls[payment.reference, default: []].insert(call)
            self.metrics.vippsError(error)
            await self.noteVippsFailure(error)
            throw .vipps(error)
        }
    }

    func readDetails(_ payment: Payment) async throws(VippsCallFailure) -> ProviderPayment {
        let details = try await self.callVipps(.details, payment) { () async throws(VippsError) in
            try await self.provider(for: payment).read(orderId: payment.orderId)
        }
        if self.unreconciled.remove(payment.reference) != nil {
            self.logger.notice(
                "Payment reconciled with Vipps",
                metadata: ["payment.reference": "\(payment.reference)", "vipps.order_id": "\(payment.orderId)"]
            )
        }
        return details
    }

    func logTillRequest(_ message: String, _ payment: Payment, caller: Caller, extra: [String: String]) {
        var metadata: Logger.Metadata = [
            "message_id": "\(JournalEvent.tillRequest.messageID)",
            "payment.reference": "\(payment.reference)",
            "vipps.order_id": "\(payment.orderId)",
            "caller.uid": "\(caller.uid.map(String.init) ?? "-")",
            "caller.pid": "\(caller.pid.map(String.init) ?? "-")",
        ]
        for (key, value) in extra { metadata[key] = "\(value)" }
        self.logger.notice("\(message)", metadata: metadata)
    }

    func logVippsRejection(_ error: VippsError, _ payment: Payment) {
        var metadata: [String: String] = [
            "message_id": JournalEvent.vippsRejectedRequest.messageID,
            "payment.reference": payment.reference,
            "vipps.order_id": payment.orderId,
            "vipps.operation": "\(error.operation)",
            "vipps.guidance": error.guidance.id,
            "vipps.hint": error.guidance.operatorHint,
        ]
        if let status = error.httpStatus { metadata["vipps.http_status"] = "\(status)" }
        if let group = error.errorGroup { metadata["vipps.error_group"] = "\(group)" }
        if let code = error.errorCode { metadata["vipps.error_code"] = code }
        if let context = error.contextId { metadata["vipps.context_id"] = context }
        if let problem = error.problem {
            // The raw problem, so a `type` seen here can be added to EpaymentProblemCatalog.
            if let type = problem.type { metadata["vipps.problem_type"] = type }
            if let title = problem.title { metadata["vipps.problem_title"] = title }
            if let trace = problem.traceId ?? problem.instance { metadata["vipps.trace_id"] = trace }
            if !problem.extraDetails.isEmpty {
                metadata["vipps.extra_details"] = problem.extraDetails.map { "\($0.name): \($0.reason)" }
                    .joined(separator: "; ")
            }
        }
        self.logger.error("\(error.guidance.title)", metadata: metadata.mapValues { .string($0) })
    }
}

/// Why a call to Vipps was not made or did not succeed.
enum VippsCallFailure: Error, Sendable {
    /// Not sent: Vipps' limits (or its `Retry-After`) allow the next call for this payment only at `until`.
    case deferred(until: ContinuousClock.Instant)
    /// Sent, and Vipps answered with an error or did not answer.
    case vipps(VippsError)
}

extension PaymentStore.Record {
    /// Marks an operation finished; the caller stores it with the payment in one transaction.
    mutating func finish(_ id: String, _ state: MoneyOperation.State, error: PaymentError? = nil) {
        guard let index = self.payment.operations.firstIndex(where: { $0.id == id }) else { return }
        self.payment.operations[index].state = state
        self.payment.operations[index].finishedAt = Date()
        self.payment.operations[index].error = error
    }
}
