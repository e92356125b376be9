import Foundation
import Logging
import VippsAPI

extension PaymentEngine {
    /// How often the loop looks for due work; polls themselves happen at ``EngineConfiguration/pollInterval``.
    static let tick = Duration.milliseconds(200)
    /// How far back recovery looks at payments that are already final, for amounts a crash may have left stale.
    static let reconciliationWindow: TimeInterval = 24 * 3600
    /// How many payments recovery asks Vipps about at once.
    static let recoveryConcurrency = 4

    /// Follows open payments until the task is cancelled. Each due payment is polled in a task of its own, so a slow
    /// answer for one never delays another, and the loop keeps turning (the watchdog follows the turns).
    public func runPollLoop() async {
        await withDiscardingTaskGroup { group in
            var turns = 0
            while !Task.isCancelled {
                self.lastLoopTurn = .now
                let now = ContinuousClock.now
                for reference in self.followed.filter({ $0.value <= now }).map(\.key).sorted()
                where !self.inFlight.contains(reference) {
                    self.inFlight.insert(reference)
                    group.addTask { await self.pollOnce(reference) }
                }
                turns += 1
                if turns % 300 == 0 { self.budget.prune() }
                // Sleep until the next poll is due, but never longer than a tick, so a new payment is picked up
                // promptly and the watchdog sees the loop turn.
                let next =
                    self.followed.filter { !self.inFlight.contains($0.key) }.values.min()
                    ?? now.advanced(by: Self.tick)
                let delay = min(max(ContinuousClock.now.duration(to: next), .milliseconds(5)), Self.tick)
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    break
                }
            }
            group.cancelAll()
        }
    }

    /// Reconciles with Vipps, before the till is let in, every payment that is open, has money still reserved or an
    /// operation pending, or changed in the last 24 hours. It goes on past a payment Vipps could not be asked about
    /// (marked `unreconciled` in its object and in `/v1/health`, and followed until Vipps answers); once Vipps is
    /// plainly unreachable, the rest are marked so without waiting for each to time out.
    ///
    /// - Throws: if the store cannot be read: recovery never takes "unreadable" for "nothing open".
    public func recover() async throws(StoreError) {
        let since = Date().addingTimeInterval(-Self.reconciliationWindow)
        let records: [PaymentStore.Record]
        do {
            records = try self.store.recordsToReconcile(changedSince: since)
        } catch {
            self.logger.critical(
                "The payment database cannot be read; qrpayd will not guess which payments were open",
                metadata: ["message_id": "\(JournalEvent.storeRefused.messageID)", "store.error": "\(error.message)"]
            )
            throw error
        }
        let open = records.filter { !$0.payment.final || $0.payment.isUnsettled }
        for record in open {
            self.logPayment(.recoveryFoundOpenPayment, record.payment, level: .notice)
        }
        var reconciled = 0
        var vippsGone = false
        var index = 0
        while index < records.count {
            let batch = records[index..<min(index + Self.recoveryConcurrency, records.count)]
            index += batch.count
            if vippsGone {
                // Vipps is plainly unreachable: the rest are marked without waiting for each to time out.
                for record in batch { await self.markUnreconciled(record.payment.reference) }
                continue
            }
            let answered = await withTaskGroup(of: Bool.self) { group in
                for record in batch {
                    group.addTask { await self.reconcile(record.payment.reference) }
                }
                var answered = 0
                for await result in group where result { answered += 1 }
                return answered
            }
            reconciled += answered
            vippsGone = answered == 0 && self.health.consecutiveFailures >= 3
        }
        self.recovered = true
        self.metrics.recoveryFinished(reconciled: reconciled, unreconciled: self.unreconciled.count)
        self.logger.notice(
            "Recovery finished",
            metadata: [
                "message_id": "\(JournalEvent.recoveryFinished.messageID)",
                "recovery.open_payments": "\(open.count)",
                "recovery.payments_looked_at": "\(records.count)",
                "recovery.reconciled": "\(reconciled)",
                "recovery.unreconciled": "\(self.unreconciled.count)",
                "recovery.still_followed": "\(self.followed.count)",
            ]
        )
    }

    /// One recovery look at one payment; false if Vipps could not be asked.
    private func reconcile(_ reference: String) async -> Bool {
        self.inFlight.insert(reference)
        defer { self.inFlight.remove(reference) }
        let answered = await self.pollOnce(reference, inRecovery: true)
        if !answered { await self.markUnreconciled(reference) }
        return answered
    }

    /// Notes a payment Vipps could not be asked about: in its object (and an event), in `/v1/health`, and followed
    /// until Vipps answers.
    private func markUnreconciled(_ reference: String) async {
        self.unreconciled.insert(reference)
        if self.followed[reference] == nil { self.follow(reference, after: self.configuration.pollInterval) }
        do {
            let record = try self.requireRecord(reference)
            if !record.payment.unreconciled { try await self.commit(record) }
        } catch {
            // The store's failure is in the journal already (storeRead); the set above still reports the payment.
        }
        self.logger.warning(
            "Vipps could not be asked about a payment after the restart; it is followed until Vipps answers",
            metadata: [
                "message_id": "\(JournalEvent.recoveryFoundOpenPayment.messageID)",
                "payment.reference": "\(reference)",
            ]
        )
    }

    /// One look at one payment: read `/details`, settle operations, act on what it says. Returns whether Vipps
    /// answered.
    @discardableResult
    func pollOnce(_ reference: String, inRecovery: Bool = false) async -> Bool {
        var answered = false
        do {
            answered = try await self.withGate(reference) { () async throws(PaymentProblem) -> Bool in
                guard let record = try self.storeRead({ try self.store.record(reference: reference) }) else {
                    self.stopFollowing(reference)
                    return true
                }
                return try await self.poll(record)
            }
        } catch {
            self.logger.debug(
                "Poll did not complete",
                metadata: ["payment.reference": "\(reference)", "problem": "\(error.code)"]
            )
        }
        if !inRecovery { self.inFlight.remove(reference) }
        if let due = self.followed[reference], due <= .now {
            // Nothing rescheduled it (an error path): try again after the current backoff.
            self.followed[reference] = ContinuousClock.now.advanced(
                by: self.backoff[reference] ?? self.configuration.pollInterval
            )
        }
        return answered
    }

    private func poll(_ record: PaymentStore.Record) async throws(PaymentProblem) -> Bool {
        var record = record
        let reference = record.payment.reference
        let started = Date()

        if record.payment.state == .initiating && record.paymentURL == nil {
            let pending = try self.storeRead { try self.store.pendingIntents(reference: reference) }
            try await self.settleLostCreation(record, intent: pending.first { $0.operation == .initiate })
            return true
        }

        let details: ProviderPayment
        do throws(VippsCallFailure) {
            details = try await self.readDetails(record.payment)
            self.backoff[reference] = nil
        } catch {
            switch error {
            case .deferred(let until):
                self.followAt(reference, until)
            case .vipps(let error):
                if error.refusal == .notFound, record.payment.state == .failed || record.payment.state.isFinal {
                    // Never created at Vipps: nothing can be charged, nothing is left to cancel.
                    for operation in record.payment.operations where operation.isPending {
                        record.finish(operation.id, operation.kind == .cancel ? .succeeded : .failed)
                    }
                    if record.payment.operations.contains(where: { $0.finishedAt ?? .distantPast >= started }) {
                        record = try await self.commit(record)
                    }
                    self.stopFollowing(reference)
                    return true
                }
                self.scheduleRetry(reference, after: error.retryAfter)
            }
            return false
        }
        let wasWaiting = record.payment.state.isWithCustomer
        record = try await self.apply(details, to: record)
        if wasWaiting {
            if record.payment.state.isWithCustomer {
                self.lastSeenWaiting[reference] = started
            } else if record.payment.state == .authorized || record.payment.state == .captured {
                // The approval happened after the last look that did not see it: the till heard within this long.
                self.metrics.approvalReachedTill(since: self.lastSeenWaiting[reference] ?? record.payment.createdAt)
                self.lastSeenWaiting[reference] = nil
            }
        }

        // Operations that were pending before this look and are still pending: carry them on.
        for operation in record.payment.operations where operation.isPending && operation.createdAt < started {
            guard let current = try self.storeRead({ try self.store.record(reference: reference) }) else { break }
            guard current.payment.operations.contains(where: { $0.id == operation.id && $0.isPending }) else {
                record = current
                continue
            }
            record = try await self.execute(operation, on: current)
        }
        if self.needsFollowing(record) {
            if let due = self.followed[reference], due > .now {
                // A retry was scheduled (backoff or Retry-After): keep it.
            } else {
                self.followed[reference] = ContinuousClock.now.advanced(by: self.configuration.pollInterval)
            }
        } else {
            self.stopFollowing(reference)
        }
        return true
    }

    func needsFollowing(_ record: PaymentStore.Record) -> Bool {
        if record.payment.operations.contains(where: \.isPending) { return true }
        if self.unreconciled.contains(record.payment.reference) { return true }
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
        self.lastSeenWaiting[reference] = nil
        self.failedCalls[reference] = nil
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

    /// Looks at the payment again no earlier than `instant` (the budget's answer).
    func followAt(_ reference: String, _ instant: ContinuousClock.Instant) {
        let current = self.followed[reference]
        if current == nil || current.map({ $0 < instant }) == true {
            self.followed[reference] = instant
        }
    }

    /// A payment the daemon was creating when it stopped, before Vipps' answer was written down.
    private func settleLostCreation(_ record: PaymentStore.Record, intent: PaymentIntent?) async throws(PaymentProblem)
    {
        var record = record
        switch await self.lookUpUnknownCreation(record) {
        case .notCreated:
            if let intent {
                try self.storeRead {
                    try self.store.finishIntent(intent.id, succeeded: false, outcome: "not-created", at: Date())
                }
            }
            record.payment.state = .failed
            record.payment.error = PaymentError(
                type: PaymentProblem.Slug.vippsUnavailable.urn,
                code: "interrupted-before-creation",
                title: "qrpayd stopped before Vipps created the payment",
                detail: "Nothing was created at Vipps and nobody was charged. Start a new payment."
            )
            for operation in record.payment.operations where operation.isPending {
                record.finish(operation.id, operation.kind == .cancel ? .succeeded : .failed)
            }
            record = try await self.commit(record, log: .paymentFailed)
            self.stopFollowing(record.payment.reference)
        case .created:
            if let intent {
                try self.storeRead {
                    try self.store.finishIntent(intent.id, succeeded: true, outcome: "created-url-lost", at: Date())
                }
            }
            record.payment.error = PaymentError(
                type: PaymentProblem.Slug.vippsUnavailable.urn,
                code: "interrupted-during-creation",
                title: "qrpayd stopped while Vipps created the payment",
                detail: "The payment was never shown to the customer; it is cancelled at Vipps. Start a new payment."
            )
            _ = try await self.cancelAtVippsAndFail(record)
        case .unknown:
            self.scheduleRetry(record.payment.reference)
        }
    }

    // MARK: Applying what Vipps says

    /// Moves the payment to the state `/details` shows and settles pending operations Vipps has carried out. Unless
    /// `reconcilingOnly`, it also does what the state asks: capture in auto mode, release the money of a payment
    /// nobody may be charged for, give up once Vipps' time is over.
    func apply(_ details: ProviderPayment, to record: PaymentStore.Record, reconcilingOnly: Bool = false)
        async throws(PaymentProblem) -> PaymentStore.Record
    {
        let before = record.payment.operations
        var record = self.settleOperations(with: details, in: record)
        // Vipps answered for a payment recovery could not ask about: its object says so from now on.
        let reconciledNow = record.payment.unreconciled && !self.unreconciled.contains(record.payment.reference)
        let changedOperations = record.payment.operations != before || reconciledNow
        let reference = record.payment.reference
        if record.payment.state == .failed {
            // A failed payment never becomes authorized or captured. If Vipps reserved money for it anyway, that
            // reservation is released.
            if changedOperations { record = try await self.commit(record) }
            if !reconcilingOnly, case .authorized = details.status {
                return try await self.releaseReservation(record)
            }
            return record
        }
        switch details.status {
        case .created, .opened:
            if record.payment.state == .initiating, record.paymentURL != nil, !reconcilingOnly,
                !record.cancelRequested
            {
                record = try await self.showQR(
                    record,
                    deadline: ContinuousClock.now.advanced(by: self.configuration.creationTimeout)
                )
            }
            if details.status == .opened, record.payment.state == .awaitingScan {
                record.payment.state = .scanned
                record.payment.scannedAt = Date()
                record = try await self.commit(record, log: .paymentScanned)
            } else if changedOperations {
                record = try await self.commit(record)
            }
            if details.declinedCards > self.declinedCards[reference, default: 0] {
                self.declinedCards[reference] = details.declinedCards
                self.logPayment(.cardDeclined, record.payment, level: .notice)
            }
            if reconcilingOnly || record.cancelRequested { return record }
            return try await self.expireIfOverdue(record)

        case .authorized(let amount):
            let autoCapture =
                !reconcilingOnly && record.payment.settlement == .auto && !record.cancelRequested
                && !record.payment.operations.contains { $0.kind == .capture }
            if record.payment.state != .authorized {
                record.payment.state = .authorized
                record.payment.authorizedAt = Date()
                record.payment.reservedAmount = amount
                if record.payment.scannedAt == nil { record.payment.scannedAt = record.payment.authorizedAt }
                if amount != record.payment.amount {
                    record.payment.error = PaymentError(
                        type: PaymentProblem.Slug.vippsRejected.urn,
                        code: "reserved-amount-differs",
                        title: "Vipps reserved a different amount",
                        detail: "Vipps reserved \(amount) øre for a payment of \(record.payment.amount) øre."
                    )
                }
                self.qrImages[reference] = nil
                if autoCapture {
                    // The approval and qrpayd's capture of it are one change: the till sees `authorized` with the
                    // capture pending, then `captured`.
                    record.payment.operations.append(self.newOwnOperation(.capture, amount: amount))
                }
                record = try await self.commit(record, log: .paymentAuthorized)
            } else if changedOperations {
                record = try await self.commit(record)
            }
            if reconcilingOnly { return record }
            if record.cancelRequested {
                // The till cancelled but the customer approved meanwhile: the pending cancel voids it.
                if record.payment.operations.contains(where: { $0.kind == .cancel && $0.isPending }) {
                    self.logPayment(.cancelRacedApproval, record.payment, level: .warning)
                }
                return record
            }
            if autoCapture, let operation = record.payment.operations.last(where: { $0.kind == .capture }) {
                return try await self.execute(operation, on: record)
            }
            if record.payment.settlement == .auto && !record.payment.operations.contains(where: { $0.kind == .capture })
            {
                let (updated, operation) = try await self.ownOperation(
                    .capture,
                    amount: record.payment.reservedAmount,
                    on: record
                )
                return try await self.execute(operation, on: updated)
            }
            return record

        case .captured(let captured, let remaining, let refunded):
            let changed =
                record.payment.state != .captured || record.payment.capturedAmount != captured
                || record.payment.refundedAmount != refunded || record.payment.reservedAmount != remaining
            guard changed || changedOperations else { return record }
            let wasCaptured = record.payment.state == .captured && record.payment.capturedAmount == captured
            record.payment.state = .captured
            record.payment.capturedAmount = captured
            record.payment.refundedAmount = refunded
            record.payment.reservedAmount = remaining
            self.qrImages[reference] = nil
            return try await self.commit(
                record,
                log: changed ? (wasCaptured ? .paymentRefunded : .paymentCaptured) : nil
            )

        case .cancelled:
            return try await self.finish(record, details: details, changedOperations: changedOperations)

        case .voided:
            guard record.payment.state != .voided || changedOperations else { return record }
            let log: JournalEvent? = record.payment.state == .voided ? nil : .paymentVoided
            record.payment.state = .voided
            record.payment.reservedAmount = 0
            self.qrImages[reference] = nil
            return try await self.commit(record, log: log)

        case .failed:
            guard record.payment.state != .failed || changedOperations else { return record }
            record.payment.state = .failed
            self.qrImages[reference] = nil
            return try await self.commit(record, log: .paymentFailed)
        }
    }

    /// Settles pending operations from what Vipps shows: a capture or refund whose `X-Request-Id` is in the log went
    /// through; a capture that has not, on a payment the till cancelled, is dropped (never sent again); a cancel is
    /// done once the payment is cancelled, voided or its rest released.
    private func settleOperations(with details: ProviderPayment, in record: PaymentStore.Record) -> PaymentStore.Record
    {
        var record = record
        let stopped: Bool
        switch details.status {
        case .cancelled, .voided, .failed: stopped = true
        case .captured(_, let remaining, _):
            stopped = remaining == 0 && details.released
        default: stopped = false
        }
        for operation in record.payment.operations where operation.isPending {
            switch operation.kind {
            case .capture:
                if details.hasApplied(operation) {
                    record.finish(operation.id, .succeeded)
                } else if record.cancelRequested || stopped {
                    record.finish(
                        operation.id,
                        .failed,
                        error: PaymentError(
                            type: PaymentProblem.Slug.invalidState.urn,
                            code: "superseded-by-cancel",
                            title: "Capture dropped: the payment was cancelled",
                            detail:
                                "Vipps had not carried out this capture when the payment was cancelled; it is never "
                                + "sent again and the customer is not charged for it."
                        )
                    )
                }
            case .refund:
                if details.hasApplied(operation) {
                    record.finish(operation.id, .succeeded)
                }
            case .cancel:
                if stopped { record.finish(operation.id, .succeeded) }
            }
        }
        return record
    }

    /// Vipps shows CANCEL: the till cancelled, the customer declined, or time ran out.
    private func finish(_ record: PaymentStore.Record, details: ProviderPayment, changedOperations: Bool)
        async throws(PaymentProblem) -> PaymentStore.Record
    {
        var record = record
        self.qrImages[record.payment.reference] = nil
        if record.payment.state.isFinal {
            return changedOperations ? try await self.commit(record) : record
        }
        record.payment.reservedAmount = 0
        if record.payment.cancelledByTill || (details.stopReason == .merchant && record.payment.error == nil) {
            record.payment.state = .cancelled
            record.payment.error = nil
            return try await self.commit(record, log: .paymentCancelled)
        }
        if self.ranOutOfTime(record, details: details) {
            record.payment.state = .expired
            if record.payment.error?.code != "qrpayd-expired" {
                record.payment.error = PaymentError(
                    type: "urn:qrpayd:error:expired",
                    code: "timed-out",
                    title: "The customer did not complete the payment in time",
                    detail: "Vipps gives the customer 5 minutes to open the payment and 5 more to approve it."
                )
            }
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

    /// Whether Vipps (or qrpayd's own safety net) ended the payment for lack of time rather than someone's decision.
    ///
    /// eCom writes the same CANCEL for a customer's decline and for a timeout. A payment nobody opened cannot have
    /// been declined: a CANCEL 5 minutes after INITIATE (Vipps' clock) is its timeout. An opened payment times out 5
    /// minutes after the scan, and never lives past 10 minutes: it counts as expired only when 10 minutes passed on
    /// Vipps' clock, or 5 minutes passed between the scan and the CANCEL on qrpayd's own clock (the CANCEL's time is
    /// taken from Vipps' log, moved to qrpayd's clock, unless qrpayd saw it earlier). A decline is `rejected` whenever
    /// it came.
    private func ranOutOfTime(_ record: PaymentStore.Record, details: ProviderPayment) -> Bool {
        if record.payment.error?.code == "qrpayd-expired" { return true }
        // ePayment says which it was.
        if let reason = details.stopReason { return reason == .timeout }
        guard let started = details.createdAt, let cancelled = details.stoppedAt else {
            // No timestamps to judge by: only qrpayd's own limit says "expired".
            return false
        }
        let elapsed = cancelled.timeIntervalSince(started)
        guard details.opened || record.payment.scannedAt != nil else { return elapsed >= 295 }
        if elapsed >= 595 { return true }
        guard let scanned = record.payment.scannedAt else { return false }
        let cancelledHere = min(Date(), record.payment.createdAt.addingTimeInterval(elapsed))
        return cancelledHere.timeIntervalSince(scanned) >= 290
    }

    /// qrpayd's own safety net: once Vipps' 10 minutes and a margin have passed, cancel and read back.
    private func expireIfOverdue(_ record: PaymentStore.Record) async throws(PaymentProblem) -> PaymentStore.Record {
        var record = record
        let limit = self.configuration.paymentLifetime + self.configuration.expiryMargin
        let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
        guard Date().timeIntervalSince(record.payment.createdAt) >= seconds else { return record }
        record.payment.error = PaymentError(
            type: "urn:qrpayd:error:expired",
            code: "qrpayd-expired",
            title: "The customer did not complete the payment in time",
            detail: "Vipps' time limit passed without an answer; qrpayd cancelled the payment."
        )
        let (updated, operation) = try await self.ownOperation(.cancel, amount: nil, on: record)
        return try await self.settleCancel(updated, operation: operation)
    }

    /// Releases money Vipps reserved for a payment that ended without the customer being charged (failed, or
    /// expired by qrpayd): a cancel by qrpayd, unless one is already on its way.
    private func releaseReservation(_ record: PaymentStore.Record) async throws(PaymentProblem)
        -> PaymentStore.Record
    {
        if let pending = record.payment.operations.first(where: { $0.kind == .cancel && $0.isPending }) {
            return try await self.settleCancel(record, operation: pending)
        }
        self.logPayment(.cancelRacedApproval, record.payment, level: .warning)
        let (updated, operation) = try await self.ownOperation(.cancel, amount: nil, on: record)
        return try await self.settleCancel(updated, operation: operation)
    }

    // MARK: Reachability

    func noteVippsSuccess() async {
        self.health.lastSuccess = Date()
        self.health.consecutiveFailures = 0
        if !self.health.reachable {
            self.health.reachable = true
            self.logger.notice(
                "Vipps can be reached again",
                metadata: ["message_id": "\(JournalEvent.vippsReachableAgain.messageID)"]
            )
            await self.observer(.vippsReachability(reachable: true, error: nil))
        }
    }

    func noteVippsFailure(_ error: VippsError) async {
        self.health.lastFailure = Date()
        self.health.lastError = PaymentError(vipps: error)
        self.health.consecutiveFailures += 1
        if error.httpStatus == 429 {
            self.logger.warning(
                "Vipps rate limit reached; waiting as asked",
                metadata: [
                    "message_id": "\(JournalEvent.rateLimited.messageID)",
                    "vipps.operation": "\(error.operation)",
                    "vipps.http_status": "429",
                    "vipps.retry_after_seconds": "\(error.retryAfter?.components.seconds ?? 0)",
                ]
            )
        } else if error.refusal == .credentials {
            if self.health.consecutiveFailures == 1 || self.health.consecutiveFailures % 60 == 0 {
                self.logger.error(
                    "Vipps rejected qrpayd's credentials",
                    metadata: [
                        "message_id": "\(JournalEvent.credentialsRejected.messageID)",
                        "vipps.operation": "\(error.operation)",
                        "vipps.http_status": "\(error.httpStatus ?? 0)",
                        "vipps.guidance": "\(error.guidance.id)",
                        "vipps.hint": "\(error.guidance.operatorHint)",
                    ]
                )
            }
        }
        // Vipps answering "the customer is approving" or "still working on it" is Vipps reachable and busy with this
        // payment, not down: the screen must not say it cannot reach Vipps.
        let busy = [.cancelPending, .orderProcessing].contains(EpaymentProblemCatalog.kind(of: error.problem))
        let unreachable: Bool
        if case .unknown = error.disposition {
            unreachable = error.httpStatus != 429 && !busy
        } else {
            unreachable = false
        }
        if unreachable && self.health.reachable && self.health.consecutiveFailures >= 2 {
            self.health.reachable = false
            self.logger.warning(
                "Vipps cannot be reached; open payments are kept and polled with backoff",
                metadata: [
                    "message_id": "\(JournalEvent.vippsUnreachable.messageID)",
                    "vipps.guidance": "\(error.guidance.id)",
                    "vipps.hint": "\(error.guidance.operatorHint)",
                ]
            )
            await self.observer(.vippsReachability(reachable: false, error: self.health.lastError))
        }
    }
}
