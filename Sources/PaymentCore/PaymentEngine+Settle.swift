import Foundation
import Logging
import VippsAPI

extension PaymentEngine {
    /// Stops a payment so the customer is not charged: cancels it before approval and voids it after. Answers with the
    /// payment as read back from Vipps: `cancelled`, or `voided` if the customer approved in the same moment.
    public func cancel(reference: String, caller: Caller = .daemon) async throws(PaymentProblem) -> Payment {
        try await self.withGate { () async throws(PaymentProblem) -> Payment in
            var record = try self.requireRecord(reference)
            switch record.payment.state {
            case .captured:
                throw PaymentProblem(
                    .invalidState,
                    title: "Payment already captured",
                    detail: "Payment \(reference) is captured; refund it instead of cancelling.",
                    payment: record.payment
                )
            case .cancelled, .voided, .rejected, .expired, .failed:
                return record.payment
            case .initiating, .awaitingScan, .scanned, .authorized:
                break
            }
            self.logger.notice(
                "Till asked to cancel a payment",
                metadata: [
                    "message_id": "\(LogEvent.tillRequest.messageID)",
                    "payment.reference": "\(reference)",
                    "vipps.order_id": "\(record.payment.orderId)",
                    "caller.uid": "\(caller.uid.map(String.init) ?? "-")",
                    "caller.pid": "\(caller.pid.map(String.init) ?? "-")",
                ]
            )
            record.cancelRequested = true
            try self.storeRead { try self.store.saveQuietly(record) }
            do throws(VippsError) {
                try await self.sendCancel(record)
            } catch {
                // Not confirmed: the poll loop keeps cancelling (or voiding) until Vipps says so.
                self.follow(reference)
                throw PaymentProblem(vipps: error, payment: record.payment)
            }
            record = try await self.readBack(record)
            return record.payment
        }
    }

    /// Captures `amount` øre of an approved payment, or the rest of the reservation if nil.
    public func capture(reference: String, amount: Int?, caller: Caller = .daemon) async throws(PaymentProblem)
        -> Payment
    {
        if let amount, amount < 1 {
            throw PaymentProblem(.invalidRequest, title: "Invalid amount", detail: "amount must be at least 1 øre.")
        }
        return try await self.withGate { () async throws(PaymentProblem) -> Payment in
            let record = try self.requireRecord(reference)
            let remaining = record.payment.amount - record.payment.capturedAmount
            guard record.payment.state == .authorized || (record.payment.state == .captured && remaining > 0) else {
                throw PaymentProblem(
                    .invalidState,
                    title: "Nothing to capture",
                    detail:
                        "Payment \(reference) is \(record.payment.state.rawValue); only an approved payment can be captured.",
                    payment: record.payment
                )
            }
            self.logger.notice(
                "Till asked to capture",
                metadata: [
                    "message_id": "\(LogEvent.tillRequest.messageID)",
                    "payment.reference": "\(reference)",
                    "capture.amount": "\(amount.map(String.init) ?? "rest")",
                    "caller.uid": "\(caller.uid.map(String.init) ?? "-")",
                    "caller.pid": "\(caller.pid.map(String.init) ?? "-")",
                ]
            )
            return try await self.performCapture(record, amount: amount, caller: caller).payment
        }
    }

    /// Sends money back to the customer, within the configured refund policy.
    public func refund(reference: String, amount: Int, caller: Caller = .daemon) async throws(PaymentProblem)
        -> Payment
    {
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
        return try await self.withGate { () async throws(PaymentProblem) -> Payment in
            var record = try self.requireRecord(reference)
            guard record.payment.state == .captured else {
                throw PaymentProblem(
                    .invalidState,
                    title: "Nothing to refund",
                    detail:
                        "Payment \(reference) is \(record.payment.state.rawValue); only captured payments can be refunded.",
                    payment: record.payment
                )
            }
            if let cap = policy.maximumPerDay {
                let startOfDay = Calendar(identifier: .gregorian).startOfDay(for: Date())
                let today = try self.storeRead {
                    try self.store.refundedAmount(since: startOfDay)
                }
                guard today + amount <= cap else {
                    throw PaymentProblem(
                        .refundNotAllowed,
                        title: "Daily refund limit reached",
                        detail:
                            "Refunds today would reach \(today + amount) øre; the limit is \(cap) øre "
                            + "(payment.refunds.maximumPerDay)."
                    )
                }
            }
            self.logger.notice(
                "Till asked to refund",
                metadata: [
                    "message_id": "\(LogEvent.tillRequest.messageID)",
                    "payment.reference": "\(reference)",
                    "refund.amount": "\(amount)",
                    "caller.uid": "\(caller.uid.map(String.init) ?? "-")",
                    "caller.pid": "\(caller.pid.map(String.init) ?? "-")",
                ]
            )
            let sequence = try self.storeRead {
                try self.store.nextSequence(reference: reference, operation: .refund)
            }
            let intent = try self.storeRead {
                try self.store.beginIntent(
                    reference: reference,
                    operation: .refund,
                    sequence: sequence,
                    requestId: RequestID.make(orderId: record.payment.orderId, operation: .refund, sequence: sequence),
                    amount: amount,
                    at: Date()
                )
            }
            record = try await self.runRefund(record, intent: intent)
            return record.payment
        }
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

    // MARK: The calls that move money, each written down first

    /// Sends a cancel and records it. Throws if Vipps did not confirm (the intent stays pending for the poll loop).
    func sendCancel(_ record: PaymentStore.Record) async throws(VippsError) {
        let payment = record.payment
        let sequence = (try? self.store.nextSequence(reference: payment.reference, operation: .cancel)) ?? 1
        let pending = (try? self.store.pendingIntents(reference: payment.reference))?.first { $0.operation == .cancel }
        guard
            let intent = pending
                ?? (try? self.store.beginIntent(
                    reference: payment.reference,
                    operation: .cancel,
                    sequence: sequence,
                    requestId: RequestID.make(orderId: payment.orderId, operation: .cancel, sequence: sequence),
                    amount: nil,
                    at: Date()
                ))
        else {
            throw VippsError(kind: .network, operation: .cancel, errorMessage: "the cancel could not be written down")
        }
        do {
            _ = try await self.vipps.cancel(orderId: payment.orderId, text: "Avbrutt / Cancelled")
            await self.noteVippsSuccess()
            try? self.store.finishIntent(intent.id, succeeded: true, outcome: "cancelled", at: Date())
        } catch {
            await self.noteVippsFailure(error)
            switch error.guidance.id {
            case "cancel-after-capture", "operation-not-allowed", "order-not-found":
                // Nothing left to cancel (captured, already final, or never created): the read-back tells the rest.
                try? self.store.finishIntent(intent.id, succeeded: false, outcome: error.guidance.id, at: Date())
                if error.guidance.id == "order-not-found" { return }
                throw error
            default:
                throw error
            }
        }
    }

    /// Captures with a written-down intent; the same intent (and `X-Request-Id`) is reused on every retry.
    func performCapture(_ record: PaymentStore.Record, amount: Int?, caller: Caller?) async throws(PaymentProblem)
        -> PaymentStore.Record
    {
        let payment = record.payment
        let existing = try self.storeRead {
            try self.store.pendingIntents(reference: payment.reference)
        }
        .first { $0.operation == .capture }
        let intent: PaymentIntent
        if let existing {
            intent = existing
        } else {
            let sequence = try self.storeRead {
                try self.store.nextSequence(reference: payment.reference, operation: .capture)
            }
            intent = try self.storeRead {
                try self.store.beginIntent(
                    reference: payment.reference,
                    operation: .capture,
                    sequence: sequence,
                    requestId: RequestID.make(orderId: payment.orderId, operation: .capture, sequence: sequence),
                    amount: amount ?? (payment.amount - payment.capturedAmount),
                    at: Date()
                )
            }
        }
        return try await self.runCapture(record, intent: intent)
    }

    func runCapture(_ record: PaymentStore.Record, intent: PaymentIntent) async throws(PaymentProblem)
        -> PaymentStore.Record
    {
        var record = record
        let summary: TransactionSummary?
        do throws(VippsError) {
            summary = try await self.vipps.capture(
                orderId: record.payment.orderId,
                amount: intent.amount,
                text: record.payment.text,
                requestId: intent.requestId
            )
        } catch {
            throw await self.moneyCallFailed(error, intent: intent, payment: record.payment)
        }
        await self.noteVippsSuccess()
        try? self.store.finishIntent(intent.id, succeeded: true, outcome: "captured", at: Date())
        record.payment.capturedAmount =
            summary?.capturedAmount ?? (record.payment.capturedAmount + (intent.amount ?? 0))
        record.payment.refundedAmount = summary?.refundedAmount ?? record.payment.refundedAmount
        record.payment.state = .captured
        record.payment.error = nil
        return try await self.commit(record, log: .paymentCaptured)
    }

    func runRefund(_ record: PaymentStore.Record, intent: PaymentIntent) async throws(PaymentProblem)
        -> PaymentStore.Record
    {
        var record = record
        let summary: TransactionSummary?
        do throws(VippsError) {
            summary = try await self.vipps.refund(
                orderId: record.payment.orderId,
                amount: intent.amount ?? 0,
                text: record.payment.text,
                requestId: intent.requestId
            )
        } catch {
            throw await self.moneyCallFailed(error, intent: intent, payment: record.payment)
        }
        await self.noteVippsSuccess()
        try? self.store.finishIntent(intent.id, succeeded: true, outcome: "refunded", at: Date())
        record.payment.refundedAmount =
            summary?.refundedAmount ?? (record.payment.refundedAmount + (intent.amount ?? 0))
        if let captured = summary?.capturedAmount { record.payment.capturedAmount = captured }
        return try await self.commit(record, log: .paymentRefunded)
    }

    /// A capture or refund that did not go through: a definite refusal closes the intent; anything that may still
    /// succeed leaves it pending for the poll loop, which repeats it with the same `X-Request-Id`.
    func moneyCallFailed(_ error: VippsError, intent: PaymentIntent, payment: Payment) async -> PaymentProblem {
        await self.noteVippsFailure(error)
        if error.outcomeUnknown || error.isRetryable {
            self.logPayment(
                .moneyOutcomeUnknown,
                payment,
                level: .warning,
                extra: ["vipps.operation": "\(intent.operation.rawValue)", "vipps.guidance": "\(error.guidance.id)"]
            )
            self.follow(payment.reference, after: self.configuration.pollInterval)
        } else {
            try? self.store.finishIntent(intent.id, succeeded: false, outcome: error.guidance.id, at: Date())
            self.logVippsRejection(error, payment)
        }
        return PaymentProblem(vipps: error, payment: payment)
    }

    func logVippsRejection(_ error: VippsError, _ payment: Payment) {
        var metadata: [String: String] = [
            "message_id": LogEvent.vippsRejectedRequest.messageID,
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
        self.logger.error("\(error.guidance.title)", metadata: metadata.mapValues { .string($0) })
    }
}
