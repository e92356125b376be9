import Foundation
import Logging
import VippsAPI

extension PaymentEngine {
    /// How often the loop looks for due work; polls themselves happen at ``EngineConfiguration/pollInterval``.
    static let tick = Duration.milliseconds(200)

    /// Follows open payments until the task is cancelled: each is read back from Vipps when due.
    public func runPollLoop() async {
        while !Task.isCancelled {
            self.lastLoopTurn = .now
            let now = ContinuousClock.now
            for reference in self.followed.filter({ $0.value <= now }).map(\.key).sorted() {
                await self.pollOnce(reference)
                if Task.isCancelled { return }
            }
            // Sleep until the next poll is due, but never longer than a tick, so a new payment is picked up promptly
            // and the watchdog sees the loop turn.
            let next = self.followed.values.min() ?? now.advanced(by: Self.tick)
            let delay = min(max(ContinuousClock.now.duration(to: next), .milliseconds(5)), Self.tick)
            do {
                try await Task.sleep(for: delay)
            } catch {
                return
            }
        }
    }

    /// Reconciles every payment the store says was open with Vipps, before the till is let in.
    ///
    /// If Vipps cannot be reached the payments stay followed and the poll loop finishes them later; recovery never
    /// guesses an outcome.
    public func recover() async {
        let open = (try? self.store.openRecords()) ?? []
        for record in open {
            self.logPayment(.recoveryFoundOpenPayment, record.payment, level: .notice)
            self.follow(record.payment.reference)
        }
        for record in open {
            await self.pollOnce(record.payment.reference)
            // With Vipps unreachable, waiting for each payment's timeout would only delay the till: the poll loop
            // finishes the rest as soon as Vipps answers.
            if self.health.consecutiveFailures > 0 { break }
        }
        self.recovered = true
        self.logger.notice(
            "Recovery finished",
            metadata: [
                "message_id": "\(LogEvent.recoveryFinished.messageID)",
                "recovery.open_payments": "\(open.count)",
                "recovery.still_followed": "\(self.followed.count)",
            ]
        )
    }

    /// One look at one payment: finish what was written down, read `/details`, act on what it says.
    func pollOnce(_ reference: String) async {
        do {
            try await self.withGate { () async throws(PaymentProblem) in
                guard let record = try self.storeRead({ try self.store.record(reference: reference) }) else {
                    self.stopFollowing(reference)
                    return
                }
                try await self.poll(record)
            }
        } catch {
            self.logger.debug(
                "Poll did not complete",
                metadata: ["payment.reference": "\(reference)", "problem": "\(error.code)"]
            )
        }
        if self.followed[reference] != nil, self.followed[reference] ?? .now <= .now {
            // Nothing rescheduled it (an error path): try again after the current backoff.
            self.followed[reference] = ContinuousClock.now.advanced(
                by: self.backoff[reference] ?? self.configuration.pollInterval
            )
        }
    }

    private func poll(_ record: PaymentStore.Record) async throws(PaymentProblem) {
        var record = record
        let reference = record.payment.reference
        let pending = try self.storeRead {
            try self.store.pendingIntents(reference: reference)
        }

        if record.payment.state == .initiating && record.paymentURL == nil {
            try await self.settleLostCreation(record, intent: pending.first { $0.operation == .initiate })
            return
        }
        for intent in pending {
            switch intent.operation {
            case .initiate:
                try? self.store.finishIntent(intent.id, succeeded: true, outcome: "created", at: Date())
            case .capture:
                if let updated = try? await self.runCapture(record, intent: intent) { record = updated }
            case .refund:
                if let updated = try? await self.runRefund(record, intent: intent) { record = updated }
            case .cancel:
                if (try? await self.sendCancel(record)) == nil {
                    self.scheduleRetry(reference)
                    return
                }
            }
        }

        let details: PaymentDetails
        do {
            details = try await self.vipps.details(orderId: record.payment.orderId)
            await self.noteVippsSuccess()
            self.backoff[reference] = nil
        } catch {
            await self.noteVippsFailure(error)
            if error.guidance.id == "order-not-found", record.payment.state.isFinal {
                self.stopFollowing(reference)
                return
            }
            self.scheduleRetry(reference, after: error.retryAfter)
            return
        }
        record = try await self.apply(details, to: record)
        if self.needsFollowing(record) {
            self.followed[reference] = ContinuousClock.now.advanced(by: self.configuration.pollInterval)
        } else {
            self.stopFollowing(reference)
        }
    }

    func needsFollowing(_ record: PaymentStore.Record) -> Bool {
        if let pending = try? self.store.pendingIntents(reference: record.payment.reference), !pending.isEmpty {
            return true
        }
        switch record.payment.state {
        case .initiating, .awaitingScan, .scanned: return true
        case .authorized: return record.payment.settlement == .auto || record.cancelRequested
        case .captured, .cancelled, .voided, .rejected, .expired, .failed: return false
        }
    }

    /// Forgets everything kept in memory for following a payment, so a box that runs for months holds only what its
    /// open payments need.
    func stopFollowing(_ reference: String) {
        self.followed[reference] = nil
        self.backoff[reference] = nil
        self.declinedCards[reference] = nil
    }

    /// Exponential backoff with jitter, up to ``EngineConfiguration/maximumBackoff``; `Retry-After` wins when longer.
    func scheduleRetry(_ reference: String, after retryAfter: Duration? = nil) {
        let previous = self.backoff[reference] ?? self.configuration.pollInterval
        let doubled = min(previous * 2, self.configuration.maximumBackoff)
        let jitter = doubled * Double.random(in: 0.8...1.0)
        let delay = max(jitter, retryAfter ?? .zero)
        self.backoff[reference] = doubled
        self.followed[reference] = ContinuousClock.now.advanced(by: delay)
    }

    /// A payment the daemon was creating when it stopped, before Vipps' answer was written down.
    private func settleLostCreation(_ record: PaymentStore.Record, intent: PaymentIntent?) async throws(PaymentProblem)
    {
        var record = record
        switch await self.lookUpUnknownCreation(record) {
        case .notCreated:
            if let intent {
                try? self.store.finishIntent(intent.id, succeeded: false, outcome: "not-created", at: Date())
            }
            record.payment.state = .failed
            record.payment.error = PaymentError(
                type: PaymentProblem(.vippsUnavailable, title: "", detail: "").type,
                code: "interrupted-before-creation",
                title: "qrpayd stopped before Vipps created the payment",
                detail: "Nothing was created at Vipps and nobody was charged. Start a new payment."
            )
            record = try await self.commit(record, log: .paymentFailed)
            self.stopFollowing(record.payment.reference)
        case .created:
            if let intent {
                try? self.store.finishIntent(intent.id, succeeded: true, outcome: "created-url-lost", at: Date())
            }
            record.payment.error = PaymentError(
                type: PaymentProblem(.vippsUnavailable, title: "", detail: "").type,
                code: "interrupted-during-creation",
                title: "qrpayd stopped while Vipps created the payment",
                detail: "The payment was never shown to the customer; it is cancelled at Vipps. Start a new payment."
            )
            _ = try await self.cancelAtVippsAndFail(record)
        case .unknown:
            self.scheduleRetry(record.payment.reference)
        }
    }

    /// Moves the payment to the state `/details` shows, doing what each state asks (capture in auto mode, void if the
    /// till wanted it cancelled, expiry once Vipps' time is up).
    func apply(_ details: PaymentDetails, to record: PaymentStore.Record) async throws(PaymentProblem)
        -> PaymentStore.Record
    {
        var record = record
        let reference = record.payment.reference
        switch details.status {
        case .initiated, .scanned, .declinedRetryable:
            if record.payment.state == .initiating, record.paymentURL != nil {
                record = try await self.showQR(
                    record,
                    deadline: ContinuousClock.now.advanced(by: self.configuration.creationTimeout)
                )
            }
            if record.payment.state.isFinal {
                // A payment we failed and asked Vipps to cancel: the cancel is not visible yet.
                return record
            }
            if details.status != .initiated, record.payment.state == .awaitingScan {
                record.payment.state = .scanned
                record.payment.scannedAt = Date()
                record = try await self.commit(record, log: .paymentScanned)
            }
            let failedReservations = details.log.filter { $0.operation == .reserve && !$0.success }.count
            if failedReservations > self.declinedCards[reference, default: 0] {
                self.declinedCards[reference] = failedReservations
                self.logPayment(.cardDeclined, record.payment, level: .notice)
            }
            if record.cancelRequested {
                if (try? await self.sendCancel(record)) != nil {
                    return try await self.readBack(record)
                }
                return record
            }
            return try await self.expireIfOverdue(record)

        case .reserved(let amount):
            if record.cancelRequested || record.payment.state.isFinal {
                // The till cancelled (or qrpayd gave up) but the customer approved meanwhile: release the money.
                self.logPayment(.cancelRacedApproval, record.payment, level: .warning)
                record.cancelRequested = true
                try self.storeRead { try self.store.saveQuietly(record) }
                if (try? await self.sendCancel(record)) != nil {
                    return try await self.readBack(record)
                }
                return record
            }
            if record.payment.state != .authorized {
                record.payment.state = .authorized
                record.payment.authorizedAt = Date()
                if record.payment.scannedAt == nil { record.payment.scannedAt = record.payment.authorizedAt }
                if amount != record.payment.amount {
                    record.payment.error = PaymentError(
                        type: PaymentProblem(.vippsRejected, title: "", detail: "").type,
                        code: "reserved-amount-differs",
                        title: "Vipps reserved a different amount",
                        detail: "Vipps reserved \(amount) øre for a payment of \(record.payment.amount) øre."
                    )
                }
                self.qrImages[reference] = nil
                record = try await self.commit(record, log: .paymentAuthorized)
            }
            if record.payment.settlement == .auto {
                record = (try? await self.performCapture(record, amount: nil, caller: nil)) ?? record
            }
            return record

        case .captured(let captured, _, let refunded):
            guard
                record.payment.state != .captured || record.payment.capturedAmount != captured
                    || record.payment.refundedAmount != refunded
            else { return record }
            let wasCaptured = record.payment.state == .captured
            record.payment.state = .captured
            record.payment.capturedAmount = captured
            record.payment.refundedAmount = refunded
            self.qrImages[reference] = nil
            return try await self.commit(record, log: wasCaptured ? .paymentRefunded : .paymentCaptured)

        case .cancelled:
            return try await self.finish(record, details: details)

        case .voided:
            guard record.payment.state != .voided else { return record }
            if record.payment.state == .failed { return record }
            record.payment.state = .voided
            record.cancelRequested = false
            self.qrImages[reference] = nil
            return try await self.commit(record, log: .paymentVoided)

        case .failed:
            guard record.payment.state != .failed else { return record }
            record.payment.state = .failed
            self.qrImages[reference] = nil
            return try await self.commit(record, log: .paymentFailed)
        }
    }

    /// Vipps shows CANCEL: the till cancelled, the customer declined, or time ran out.
    private func finish(_ record: PaymentStore.Record, details: PaymentDetails) async throws(PaymentProblem)
        -> PaymentStore.Record
    {
        var record = record
        self.qrImages[record.payment.reference] = nil
        if record.payment.state.isFinal {
            // Failed payments that were cancelled at Vipps: nothing more to do.
            if record.cancelRequested {
                record.cancelRequested = false
                try self.storeRead { try self.store.saveQuietly(record) }
            }
            return record
        }
        let timedOut = self.ranOutOfTime(record, details: details)
        if record.cancelRequested && !timedOut {
            record.payment.state = .cancelled
            record.payment.error = nil
            record.cancelRequested = false
            return try await self.commit(record, log: .paymentCancelled)
        }
        record.cancelRequested = false
        if timedOut {
            record.payment.state = .expired
            record.payment.error = PaymentError(
                type: "urn:qrpayd:error:expired",
                code: "timed-out",
                title: "The customer did not complete the payment in time",
                detail: "Vipps gives the customer 5 minutes to open the payment and 5 more to approve it."
            )
            return try await self.commit(record, log: .paymentExpired)
        }
        record.payment.state = .rejected
        record.payment.error = PaymentError(
            type: "urn:qrpayd:error:rejected",
            code: (self.declinedCards[record.payment.reference] ?? 0) > 0 ? "card-declined" : "customer-declined",
            title: "The customer declined the payment",
            detail: "The customer declined in the Vipps app, or the card was refused and not replaced."
        )
        return try await self.commit(record, log: .paymentRejected)
    }

    /// Whether Vipps (or qrpayd's own safety net) ended the payment for lack of time rather than a decision.
    private func ranOutOfTime(_ record: PaymentStore.Record, details: PaymentDetails) -> Bool {
        if record.payment.error?.code == "qrpayd-expired" { return true }
        let started = details.log.first { $0.operation == .initiate }?.timeStamp
        let cancelled = details.log.first { $0.operation == .cancel && $0.success }?.timeStamp
        if let started, let cancelled, cancelled.timeIntervalSince(started) >= 295 {
            return true
        }
        return Date().timeIntervalSince(record.payment.createdAt) >= 295 && !record.cancelRequested
    }

    /// qrpayd's own safety net: once Vipps' 10 minutes and a margin have passed, cancel and read back.
    private func expireIfOverdue(_ record: PaymentStore.Record) async throws(PaymentProblem) -> PaymentStore.Record {
        var record = record
        let limit = self.configuration.paymentLifetime + self.configuration.expiryMargin
        guard
            Date().timeIntervalSince(record.payment.createdAt) >= Double(limit.components.seconds) + Double(
                limit.components.attoseconds
            ) / 1e18
        else { return record }
        record.payment.error = PaymentError(
            type: "urn:qrpayd:error:expired",
            code: "qrpayd-expired",
            title: "The customer did not complete the payment in time",
            detail: "Vipps' time limit passed without an answer; qrpayd cancelled the payment."
        )
        record.cancelRequested = true
        try self.storeRead { try self.store.saveQuietly(record) }
        if (try? await self.sendCancel(record)) != nil {
            return try await self.readBack(record)
        }
        return record
    }

    /// Reads the payment after a cancel and applies what Vipps says.
    func readBack(_ record: PaymentStore.Record) async throws(PaymentProblem) -> PaymentStore.Record {
        let details: PaymentDetails
        do throws(VippsError) {
            details = try await self.vipps.details(orderId: record.payment.orderId)
        } catch {
            await self.noteVippsFailure(error)
            self.follow(record.payment.reference, after: self.configuration.pollInterval)
            return record
        }
        await self.noteVippsSuccess()
        let updated = try await self.apply(details, to: record)
        if !self.needsFollowing(updated) { self.stopFollowing(updated.payment.reference) }
        return updated
    }

    // MARK: Reachability

    func noteVippsSuccess() async {
        self.health.lastSuccess = Date()
        self.health.consecutiveFailures = 0
        if !self.health.reachable {
            self.health.reachable = true
            self.logger.notice(
                "Vipps can be reached again",
                metadata: ["message_id": "\(LogEvent.vippsReachableAgain.messageID)"]
            )
            await self.observer(.vippsReachability(reachable: true, error: nil))
        }
    }

    func noteVippsFailure(_ error: VippsError) async {
        self.health.lastFailure = Date()
        self.health.lastError = PaymentError(vipps: error)
        self.health.consecutiveFailures += 1
        switch error.guidance.id {
        case "rate-limited":
            self.logger.warning(
                "Vipps rate limit reached; waiting as asked",
                metadata: [
                    "message_id": "\(LogEvent.rateLimited.messageID)",
                    "vipps.operation": "\(error.operation)",
                    "vipps.http_status": "429",
                    "vipps.retry_after_seconds": "\(error.retryAfter?.components.seconds ?? 0)",
                ]
            )
        case "missing-subscription-key", "invalid-subscription-key", "invalid-client-credentials",
            "access-token-rejected",
            "login-only-sales-unit", "merchant-serial-number-not-allowed":
            if self.health.consecutiveFailures == 1 || self.health.consecutiveFailures % 60 == 0 {
                self.logger.error(
                    "Vipps rejected qrpayd's credentials",
                    metadata: [
                        "message_id": "\(LogEvent.credentialsRejected.messageID)",
                        "vipps.operation": "\(error.operation)",
                        "vipps.http_status": "\(error.httpStatus ?? 0)",
                        "vipps.guidance": "\(error.guidance.id)",
                        "vipps.hint": "\(error.guidance.operatorHint)",
                    ]
                )
            }
        default:
            break
        }
        let unreachable = error.guidance.tillErrorType == .vippsUnavailable && error.guidance.id != "rate-limited"
        if unreachable && self.health.reachable && self.health.consecutiveFailures >= 2 {
            self.health.reachable = false
            self.logger.warning(
                "Vipps cannot be reached; open payments are kept and polled with backoff",
                metadata: [
                    "message_id": "\(LogEvent.vippsUnreachable.messageID)",
                    "vipps.guidance": "\(error.guidance.id)",
                    "vipps.hint": "\(error.guidance.operatorHint)",
                ]
            )
            await self.observer(.vippsReachability(reachable: false, error: self.health.lastError))
        }
    }
}
