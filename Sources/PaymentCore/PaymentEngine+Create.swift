import Foundation
import Logging
import QRRendering
import VippsAPI

extension PaymentEngine {
    /// References are chosen by the till: letters, digits and `-`, 1 to 40 characters.
    static func isValidReference(_ reference: String) -> Bool {
        (1...40).contains(reference.count)
            && reference.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }

    /// Checks a request before anything is written or sent: qrpayd's own rules for the reference and the configured
    /// amounts, and what the API new payments are created with accepts (``VippsCreateLimits``: the text's length and
    /// characters, the orderId's length, the amount). Throws `invalid-request` naming the field and the limit (also
    /// below `minimumAmount`) or `amount-too-high`.
    func validate(_ request: PaymentRequest) throws(PaymentProblem) -> String {
        guard Self.isValidReference(request.reference) else {
            throw PaymentProblem(
                .invalidRequest,
                title: "Invalid reference",
                detail: "reference must be 1-40 characters of A-Z, a-z, 0-9 and '-'."
            )
        }
        let limits = VippsCreateLimits(self.provider.api)
        do throws(VippsCreateLimits.Violation) {
            try limits.checkOrderId(prefix: self.configuration.orderIdPrefix, reference: request.reference)
        } catch {
            throw Self.problem(error)
        }
        let orderId = self.configuration.orderIdPrefix + request.reference
        let minimum = max(self.configuration.minimumAmount, self.configuration.currency.minimumAmount)
        let code = self.configuration.currency.rawValue
        let unit = self.configuration.currency == .eur ? "cents" : "øre"
        guard request.amount >= minimum else {
            let limit =
                minimum == 100
                ? "at least 100 (1 \(code), Vipps' minimum)"
                : "at least \(minimum) (payment.minimumAmount, \(String(format: "%d.%02d", minimum / 100, minimum % 100)) \(code))"
            throw PaymentProblem(
                .invalidRequest,
                title: "Amount too small",
                detail:
                    "amount is in \(unit) and must be \(limit); got \(request.amount). Amounts are in \(unit): 129 \(code) "
                    + "is 12900."
            )
        }
        guard request.amount <= self.configuration.maximumAmount else {
            throw PaymentProblem(
                .amountTooHigh,
                title: "Amount above the configured maximum",
                detail:
                    "amount \(request.amount) \(unit) is above payment.maximumAmount (\(self.configuration.maximumAmount) "
                    + "\(unit)). Amounts are in \(unit): 129 \(code) is 12900."
            )
        }
        do throws(VippsCreateLimits.Violation) {
            try limits.checkAmount(request.amount, currency: self.configuration.currency)
            try limits.checkText(
                request.text ?? self.configuration.defaultText,
                field: request.text == nil ? "payment.defaultText" : "text"
            )
        } catch {
            throw Self.problem(error)
        }
        return orderId
    }

    /// A limit of the Vipps API as the till gets it: `400 invalid-request`, the limit's id as `code`.
    static func problem(_ violation: VippsCreateLimits.Violation) -> PaymentProblem {
        PaymentProblem(.invalidRequest, title: violation.title, detail: violation.detail, code: violation.code)
    }

    /// Creates a payment, waits until its QR code is ready (or it failed), and returns it.
    ///
    /// The same request again returns the same payment (`created` false) without a second payment at Vipps; the same
    /// reference with another body is a `reference-conflict`; a payment already in front of the customer gives
    /// `payment-in-progress`.
    public func create(_ request: PaymentRequest, caller: Caller = .daemon) async throws(PaymentProblem) -> (
        payment: Payment, created: Bool
    ) {
        let orderId = try self.validate(request)
        // From the look-up to the insert nothing suspends, so two tills cannot both start a payment.
        if let existing = try self.storeRead({ try self.store.record(reference: request.reference) }) {
            guard existing.fingerprint == request.fingerprint else {
                throw PaymentProblem(
                    .referenceConflict,
                    title: "Reference already used",
                    detail:
                        "A payment with reference \(request.reference) exists with a different amount or text. "
                        + "Use a new reference for a new payment.",
                    payment: existing.payment
                )
            }
            // A repeat while the first is still being created waits for it.
            return try await self.withGate(request.reference) { () async throws(PaymentProblem) in
                (try self.requireRecord(request.reference).payment, false)
            }
        }
        if let busy = try self.storeRead({ try self.store.openRecords() }).first(where: {
            $0.payment.state.isWithCustomer || self.isCapturing($0.payment)
        }) {
            throw PaymentProblem(
                .paymentInProgress,
                title: "Another payment is in progress",
                detail:
                    "Payment \(busy.payment.reference) is still with the customer (\(busy.payment.state.rawValue)). "
                    + "Cancel it or wait until it is final.",
                payment: busy.payment
            )
        }
        let now = Date()
        let new = PaymentStore.Record(
            payment: Payment(
                reference: request.reference,
                orderId: orderId,
                amount: request.amount,
                currency: self.configuration.currency.rawValue,
                text: request.text ?? self.configuration.defaultText,
                state: .initiating,
                settlement: self.configuration.settlement,
                createdAt: now,
                updatedAt: now,
                expiresAt: now.addingTimeInterval(Double(self.configuration.paymentLifetime.components.seconds)),
                api: self.provider.api,
                callerUid: caller.uid,
                callerPid: caller.pid
            ),
            fingerprint: request.fingerprint
        )
        // Written before anything can suspend; the payment's own gate is taken at once (a free gate is entered
        // without suspending), so a repeat of this request waits for the QR code.
        let (saved, event) = try self.save(new, isNew: true)
        return try await self.withGate(request.reference) { () async throws(PaymentProblem) in
            await self.announce(event, saved, log: nil, caller: caller)
            var record = saved
            self.logger.info(
                "Till asked for a payment",
                metadata: [
                    "message_id": "\(JournalEvent.tillRequest.messageID)",
                    "payment.reference": "\(request.reference)",
                    "vipps.order_id": "\(orderId)",
                    "payment.amount": "\(request.amount)",
                    "caller.uid": "\(caller.uid.map(String.init) ?? "-")",
                    "caller.pid": "\(caller.pid.map(String.init) ?? "-")",
                ]
            )
            record = try await self.initiate(record)
            return (record.payment, true)
        }
    }

    /// Asks Vipps for the payment and draws its QR code. Called with the payment's gate held.
    ///
    /// Initiate is never repeated blindly: after an answer that leaves the outcome open, `/details` decides, and
    /// each attempt counts against Vipps' limit of two per orderId and minute. A `Retry-After` that reaches past the
    /// creation deadline ends the payment `failed` at once (nothing was created), rather than keeping the till
    /// waiting.
    func initiate(_ record: PaymentStore.Record) async throws(PaymentProblem) -> PaymentStore.Record {
        var record = record
        let payment = record.payment
        let intent = try self.storeRead {
            try self.store.beginIntent(
                reference: payment.reference,
                operation: .initiate,
                sequence: 1,
                requestId: RequestID.make(
                    orderId: payment.orderId,
                    operation: .initiate,
                    sequence: 1,
                    box: self.configuration.boxIdentity
                ),
                amount: payment.amount,
                at: Date()
            )
        }
        let deadline = ContinuousClock.now.advanced(by: self.configuration.creationTimeout)
        var delay = Duration.milliseconds(500)
        var attempts = 0
        /// What Vipps answered last, to explain a creation the limits then stopped.
        var lastError: VippsError?
        var createdMaybe = false
        var url = record.paymentURL
        while url == nil {
            if Task.isCancelled {
                // qrpayd is stopping: the payment stays `initiating` and the next start looks it up at Vipps.
                throw PaymentProblem(
                    .shuttingDown,
                    title: "qrpayd is stopping",
                    detail: "The payment was not finished; ask for it again after qrpayd has restarted.",
                    payment: record.payment
                )
            }
            do throws(VippsCallFailure) {
                url = try await self.callVipps(.initiate, payment) { () async throws(VippsError) in
                    try await self.provider(for: payment).create(
                        orderId: payment.orderId,
                        amount: payment.amount,
                        currency: payment.vippsCurrency,
                        text: payment.text,
                        idempotencyKey: intent.requestId
                    )
                }
            } catch {
                let vippsError: VippsError
                switch error {
                case .deferred(let until):
                    guard until < deadline else {
                        return try await self.fail(
                            record,
                            intent: intent,
                            error: lastError,
                            detail:
                                "Vipps' limit of two payment creations a minute for this orderId did not allow "
                                + "another attempt in time; nothing was created. Start a new payment."
                        )
                    }
                    try? await Task.sleep(until: until, clock: .continuous)
                    continue
                case .vipps(let error):
                    vippsError = error
                }
                lastError = vippsError
                attempts += 1
                let lost = "Vipps did not confirm the payment in time; it is being cancelled at Vipps."
                switch vippsError.disposition {
                case .refused(.duplicateOrderId) where attempts == 1:
                    // qrpayd never sent this orderId before: it belongs to someone else (another box with the same
                    // prefix). Not ours to look at, follow or cancel.
                    return try await self.fail(record, intent: intent, error: vippsError, detail: nil)
                case .refused(.duplicateOrderId):
                    // Our own earlier attempt did reach Vipps after all; its URL is lost, so it is cancelled.
                    return try await self.fail(record, intent: intent, error: vippsError, detail: lost, mayExist: true)
                case .refused:
                    return try await self.fail(record, intent: intent, error: vippsError, detail: nil)
                case .unknown(let retryAfter):
                    if self.provider(for: payment).api == .epayment {
                        // ePayment's create carries an Idempotency-Key: the same call again gets the payment Vipps
                        // may have created, with its redirectUrl. Until then it may exist.
                        createdMaybe = createdMaybe || vippsError.httpStatus != 429
                    } else if vippsError.httpStatus != 429 {
                        // Vipps may have created it. If it did, its URL is lost: the customer never saw a code, so
                        // cancel it rather than guess.
                        switch await self.lookUpUnknownCreation(record) {
                        case .notCreated:
                            break
                        case .created, .unknown:
                            return try await self.fail(
                                record,
                                intent: intent,
                                error: vippsError,
                                detail: lost,
                                mayExist: true
                            )
                        }
                    }
                    let wait = max(delay, retryAfter ?? .zero)
                    guard ContinuousClock.now.advanced(by: wait) < deadline else {
                        let nothing =
                            "Vipps did not create the payment within \(self.configuration.creationTimeout); "
                            + "nothing was created. Start a new payment."
                        return try await self.fail(
                            record,
                            intent: intent,
                            error: vippsError,
                            detail: createdMaybe ? lost : nothing,
                            mayExist: createdMaybe
                        )
                    }
                    try? await Task.sleep(for: wait)
                    delay = min(delay * 2, .seconds(4))
                }
            }
        }
        guard let url else { return record }
        record.paymentURL = url
        try self.storeRead {
            try self.store.finishIntent(intent.id, succeeded: true, outcome: "created", at: Date())
            try self.store.savePaymentURL(record)
        }
        return try await self.showQR(record, deadline: deadline)
    }

    /// Gets the QR text (QR API or the landing-page URL itself), renders it, and puts the payment in front of the
    /// customer.
    func showQR(_ record: PaymentStore.Record, deadline: ContinuousClock.Instant) async throws(PaymentProblem)
        -> PaymentStore.Record
    {
        var record = record
        guard let url = record.paymentURL else { return record }
        let text: String
        var delay = Duration.milliseconds(500)
        while true {
            do {
                text = try await self.provider(for: record.payment).qrText(paymentURL: url)
                await self.noteVippsSuccess()
                break
            } catch {
                await self.noteVippsFailure(error)
                if error.refusal != nil || ContinuousClock.now.advanced(by: delay) >= deadline {
                    return try await self.failAndCancel(record, error: error)
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(4))
            }
        }
        let image: QRImage
        do {
            image = try QRRenderer.render(text, options: self.configuration.qrOptions)
        } catch {
            record.payment.error = PaymentError(
                type: PaymentProblem(.internalError, title: "", detail: "").type,
                code: "qr-rendering-failed",
                title: "The QR code could not be drawn",
                detail: error.message
            )
            return try await self.cancelAtVippsAndFail(record)
        }
        self.qrImages[record.payment.reference] = image.png
        record.payment.qrText = text
        record.payment.state = .awaitingScan
        record = try await self.commit(record, log: .paymentCreated)
        self.follow(record.payment.reference, after: self.configuration.pollInterval)
        return record
    }

    enum CreationLookup { case notCreated, created, unknown }

    /// After an initiate whose answer was lost: does the payment exist at Vipps?
    func lookUpUnknownCreation(_ record: PaymentStore.Record) async -> CreationLookup {
        do throws(VippsCallFailure) {
            _ = try await self.readDetails(record.payment)
            return .created
        } catch {
            if case .vipps(let error) = error, error.refusal == .notFound { return .notCreated }
            return .unknown
        }
    }

    /// Marks the payment failed because Vipps refused or could not be reached. If Vipps may hold the payment, it is
    /// cancelled there (now, or by the poll loop once Vipps answers).
    func fail(
        _ record: PaymentStore.Record,
        intent: PaymentIntent,
        error: VippsError?,
        detail: String?,
        mayExist: Bool = false
    ) async throws(PaymentProblem) -> PaymentStore.Record {
        var record = record
        var paymentError =
            error.map { PaymentError(vipps: $0) }
            ?? PaymentError(
                type: PaymentProblem.Slug.vippsUnavailable.urn,
                code: "rate-limited",
                title: "Vipps asked qrpayd to wait",
                hint:
                    "Vipps limits how often a payment may be created for one orderId and may ask callers to wait "
                    + "(Retry-After). Nothing was created; start a new payment with a new reference."
            )
        if let detail { paymentError.detail = detail }
        if let error, !mayExist { self.logVippsRejection(error, record.payment) }
        record.payment.error = paymentError
        try self.storeRead {
            try self.store.finishIntent(
                intent.id,
                succeeded: false,
                outcome: error?.guidance.id ?? "rate-limited",
                at: Date()
            )
        }
        if mayExist {
            return try await self.cancelAtVippsAndFail(record)
        }
        record.payment.state = .failed
        return try await self.commit(record, log: .paymentFailed)
    }

    func failAndCancel(_ record: PaymentStore.Record, error: VippsError) async throws(PaymentProblem)
        -> PaymentStore.Record
    {
        var record = record
        record.payment.error = PaymentError(vipps: error)
        return try await self.cancelAtVippsAndFail(record)
    }

    /// The payment exists (or may exist) at Vipps but can never be shown: it ends `failed` together with qrpayd's
    /// own cancel, which goes out now or, while Vipps cannot confirm, from the poll loop.
    func cancelAtVippsAndFail(_ record: PaymentStore.Record) async throws(PaymentProblem) -> PaymentStore.Record {
        var record = record
        record.payment.state = .failed
        let operation = self.newOwnOperation(.cancel, amount: nil)
        record.payment.operations.append(operation)
        record = try await self.commit(record, log: .paymentFailed)
        self.follow(record.payment.reference)
        return try await self.settleCancel(record, operation: operation)
    }
}
