import Foundation
import JSONValues

/// The ePayment API v1: create, get, events, capture, refund, cancel and the test environment's force approve, on
/// the same payments, customer and clock as eCom. Payments eCom created are readable and modifiable here (as at
/// Vipps); the reverse is refused.
///
/// Rules: `reference` is `^[a-zA-Z0-9-]{8,50}$`; every call that changes something needs an `Idempotency-Key` (at
/// most 50 characters), and a repeat with the same key and body gets the first answer (a different body is a
/// conflict); a cancel while the customer has the payment open is "Cannot cancel pending"; captures and refunds are
/// limited by what is reserved and captured. Errors are problem+json with the FAQ's titles, a `type` of the
/// simulator's own (`urn:vipps-sim:epayment:...`, since Vipps publishes none) and a `traceId`.
extension SimulatorEngine {
    func epaymentCreate(_ request: VippsRequest) -> VippsAnswer {
        let body = JSONValue.parse(request.body)
        let reference = body?["reference"]?.stringValue
        return self.answer { now throws(Rejection) in
            let caller = try self.authorize(request, now: now)
            let key = try Self.idempotencyKey(request)
            guard let body, body.objectValue != nil else {
                throw Self.problem(400, "Missing required parameter", "The request body is not a JSON object.")
            }
            guard let reference, reference.wholeMatch(of: /[a-zA-Z0-9-]{8,50}/) != nil else {
                throw Self.problem(
                    400,
                    "Missing required parameter",
                    "The parameter reference is required and must match ^[a-zA-Z0-9-]{8,50}$.",
                    extra: [("reference", "Must be 8-50 characters of a-z, A-Z, 0-9 and '-'")]
                )
            }
            try self.limitRate(.create, scope: caller.msn, orderId: reference, now: now)
            let fingerprint = body.serialized().base64EncodedString()
            let paymentKey = PaymentKey(msn: caller.msn, orderId: reference)
            if let existing = self.payments[paymentKey] {
                if existing.createKey == key, let answer = existing.createAnswer {
                    guard existing.createFingerprint == fingerprint else {
                        throw Self.problem(409, "Idempotency error", "Idempotency-Key \(key) already exists.")
                    }
                    return .json(201, answer)
                }
                throw Self.problem(409, "Idempotency error", "Reference \(reference) already exists.")
            }
            if self.payments.values.contains(where: { $0.key.msn == caller.msn && $0.createKey == key }) {
                throw Self.problem(409, "Idempotency error", "Idempotency-Key \(key) already exists.")
            }
            let command = try EpaymentCreateCommand.validate(body)
            let landingToken = RandomTokens.jwtLike(subject: reference)
            let redirectUrl: String
            switch (command.userFlow, command.qrFormat) {
            case ("QR", "TEXT/TARGETURL"):
                redirectUrl = "https://qr.vipps.no/28/2/05/031/\(RandomTokens.alphanumeric(count: 20))"
            case ("QR", _):
                redirectUrl = "https://qr-image.vipps.no/v1?token=\(landingToken)"
            default:
                redirectUrl =
                    "https://\(self.configuration.apiHost)/dwo-api-application/v1/deeplink/vippsgateway"
                    + "?v=2&token=\(landingToken)"
            }
            var record = PaymentRecord(
                key: paymentKey,
                amount: command.amount,
                transactionText: command.description,
                mobileNumber: command.phoneNumber,
                landingToken: landingToken,
                url: redirectUrl,
                createdAt: now
            )
            record.api = .epayment
            record.currency = command.currency
            record.createKey = key
            record.createFingerprint = fingerprint
            let answer: JSONValue = self.withUnknownFields([
                "redirectUrl": .string(redirectUrl), "reference": .string(reference),
            ])
            record.createAnswer = answer
            self.payments[paymentKey] = record
            self.paymentKeys.append(paymentKey)
            self.announceInitiation(of: paymentKey)
            return .json(201, answer)
        }.about(reference)
    }

    func epaymentGet(_ request: VippsRequest, reference: String) -> VippsAnswer {
        self.answer { now throws(Rejection) in
            let caller = try self.authorize(request, now: now)
            try self.limitRate(.details, scope: caller.subscriptionKey, orderId: reference, now: now)
            let payment = try self.epaymentPayment(msn: caller.msn, reference: reference)
            var body: JSONValue = [
                "aggregate": Self.aggregate(payment),
                "amount": Self.amount(payment.amount, payment),
                "state": .string(Self.state(of: payment)),
                "paymentMethod": ["type": "WALLET"],
                "profile": [:],
                "pspReference": .string(payment.pspReference),
                "reference": .string(reference),
            ]
            if payment.api == .epayment {
                body = body.setting("redirectUrl", to: .string(payment.url))
            }
            return .json(200, self.withUnknownFields(body))
        }.about(reference)
    }

    func epaymentEvents(_ request: VippsRequest, reference: String) -> VippsAnswer {
        self.answer { now throws(Rejection) in
            let caller = try self.authorize(request, now: now)
            try self.limitRate(.events, scope: caller.subscriptionKey, orderId: reference, now: now)
            let payment = try self.epaymentPayment(msn: caller.msn, reference: reference)
            return .json(200, .array(Self.events(of: payment)))
        }.about(reference)
    }

    func epaymentCapture(_ request: VippsRequest, reference: String) -> VippsAnswer {
        self.epaymentModify(request, reference: reference, endpoint: .capture) {
            payment,
            amount,
            key,
            now
                throws(Rejection) in
            switch payment.state {
            case .cancelled, .voided:
                throw Self.problem(400, "Cannot capture a cancelled payment", "Reference \(reference) was cancelled.")
            case .reserved:
                break
            default:
                throw Self.problem(
                    400,
                    "Cannot capture before reservation",
                    "The amount you tried to capture is not reserved."
                )
            }
            guard amount <= payment.remainingToCapture else {
                throw Self.problem(
                    400,
                    "Capture amount too high",
                    "The total capture amount exceeds the reserved amount."
                )
            }
            payment.capturedAmount += amount
            payment.successfulCaptures += 1
            payment.append(.capture, amount: amount, success: true, at: now, requestId: key)
        }
    }

    func epaymentRefund(_ request: VippsRequest, reference: String) -> VippsAnswer {
        self.epaymentModify(request, reference: reference, endpoint: .refund) {
            payment,
            amount,
            key,
            now
                throws(Rejection) in
            guard payment.capturedAmount > 0 else {
                if payment.state == .reserved {
                    throw Self.problem(
                        400,
                        "Payment cannot be refunded",
                        "Reference \(reference) cannot be refunded. Invalid state: AUTHORIZED without a capture."
                    )
                }
                throw Self.problem(
                    400,
                    "Attempted refund before reservation",
                    "Cannot refund a payment that is not reserved."
                )
            }
            guard payment.remainingToRefund > 0 else {
                throw Self.problem(400, "Payment already refunded", "Everything captured has been refunded.")
            }
            guard amount <= payment.remainingToRefund else {
                throw Self.problem(400, "Not enough refundable", "Cannot refund more than the available amount.")
            }
            payment.refundedAmount += amount
            payment.successfulRefunds += 1
            payment.append(.refund, amount: amount, success: true, at: now, requestId: key)
        }
    }

    func epaymentCancel(_ request: VippsRequest, reference: String) -> VippsAnswer {
        self.answer { now throws(Rejection) in
            let caller = try self.authorize(request, now: now)
            let key = try Self.idempotencyKey(request)
            try self.limitRate(.cancel, scope: caller.msn, orderId: reference, now: now)
            var payment = try self.epaymentPayment(msn: caller.msn, reference: reference)
            let transactionOnly = JSONValue.parse(request.body)?["cancelTransactionOnly"]?.boolValue ?? false
            let fingerprint = transactionOnly ? 1 : 0
            if let earlier = payment.modificationAnswers[key] {
                guard earlier.requestedAmount == fingerprint else {
                    throw Self.problem(409, "Idempotency error", "Idempotency-Key \(key) already exists.")
                }
                return .json(200, earlier.answer)
            }
            switch payment.state {
            case .opened:
                throw Self.problem(409, "Cannot cancel pending", "Cannot cancel a pending payment.")
            case .initiated:
                payment.state = .cancelled
                payment.append(.cancel, amount: payment.amount, success: true, at: now, requestId: key)
            case .reserved:
                if transactionOnly {
                    throw Self.problem(
                        400,
                        "Payment cannot be cancelled",
                        "Reference \(reference) cannot be cancelled. Invalid state: AUTHORIZED."
                    )
                }
                guard payment.remainingToCapture > 0 else {
                    throw Self.problem(400, "Cannot cancel a captured payment", "The payment is captured in full.")
                }
                payment.append(.void, amount: payment.remainingToCapture, success: true, at: now, requestId: key)
                payment.state = .voided
            case .cancelled, .voided:
                break
            case .declined, .expired:
                throw Self.problem(
                    400,
                    "Cannot cancel a non-reserved payment",
                    "Cannot cancel a payment that is not reserved."
                )
            }
            payment.successfulCancels += payment.state == .cancelled || payment.state == .voided ? 1 : 0
            let answer = self.modificationBody(payment)
            payment.modificationAnswers[key] = IdempotentAnswer(requestedAmount: fingerprint, answer: answer)
            self.payments[payment.key] = payment
            return .json(200, answer)
        }.about(reference)
    }

    /// `POST /epayment/v1/test/payments/{reference}/approve`: only the test environment has it.
    func epaymentForceApprove(_ request: VippsRequest, reference: String) -> VippsAnswer {
        guard self.configuration.environment == .test else {
            return .json(404, ErrorBodies.gateway(status: 404, message: "Resource not found")).about(reference)
        }
        return self.answer { now throws(Rejection) in
            let caller = try self.authorize(request, now: now)
            var payment = try self.epaymentPayment(msn: caller.msn, reference: reference)
            let phone = JSONValue.parse(request.body)?["customer"]?["phoneNumber"]?.stringValue ?? ""
            guard phone.wholeMatch(of: /\d{10,15}/) != nil else {
                throw Self.problem(400, "Invalid phone number", "The phone number \(phone) is invalid.")
            }
            let local = String(phone.suffix(8))
            if self.configuration.unknownMobileNumbers.contains(local)
                || self.configuration.underageMobileNumbers.contains(local)
            {
                throw Self.problem(400, "Approve failed", "Force approve payment failed. Reason: unknown test user.")
            }
            guard payment.isOpenForCustomer else {
                throw Self.problem(
                    400,
                    "Approve failed",
                    "Force approve payment failed. Reason: state \(Self.state(of: payment))."
                )
            }
            if payment.state == .initiated { payment.markOpened(at: now) }
            Self.reserve(&payment, at: now)
            self.payments[payment.key] = payment
            return VippsAnswer(status: 200, body: .empty)
        }.about(reference)
    }

    // MARK: Helpers

    /// Capture and refund: Idempotency-Key, rate limit, body, replay, then `change` (which throws to refuse).
    private func epaymentModify(
        _ request: VippsRequest,
        reference: String,
        endpoint: RateLimiter.Endpoint,
        change: (inout PaymentRecord, Int, String, Date) throws(Rejection) -> Void
    ) -> VippsAnswer {
        self.answer { now throws(Rejection) in
            let caller = try self.authorize(request, now: now)
            let key = try Self.idempotencyKey(request)
            try self.limitRate(endpoint, scope: caller.msn, orderId: reference, now: now)
            var payment = try self.epaymentPayment(msn: caller.msn, reference: reference)
            let modification = JSONValue.parse(request.body)?["modificationAmount"]
            guard let value = modification?["value"]?.integerValue,
                let currency = modification?["currency"]?.stringValue
            else {
                throw Self.problem(
                    400,
                    "Missing required parameter",
                    "The parameter modificationAmount is required.",
                    extra: [("modificationAmount", "An object with currency and an integer value")]
                )
            }
            if let earlier = payment.modificationAnswers[key] {
                guard earlier.requestedAmount == value else {
                    let title = endpoint == .capture ? "Capture idempotency conflict" : "Refund idempotency conflict"
                    throw Self.problem(
                        409,
                        title,
                        "The request in an idempotent retry must be identical to the previous request(s)."
                    )
                }
                return .json(200, earlier.answer)
            }
            guard value > 0 else {
                throw Self.problem(400, "Amount invalid", "The amount must be a positive integer in minor units.")
            }
            guard currency == payment.currency else {
                throw Self.problem(
                    400,
                    "Operation not supported",
                    "The currency \(currency) is not the payment's currency \(payment.currency)."
                )
            }
            try change(&payment, value, key, now)
            let answer = self.modificationBody(payment)
            payment.modificationAnswers[key] = IdempotentAnswer(requestedAmount: value, answer: answer)
            self.payments[payment.key] = payment
            return .json(200, answer)
        }.about(reference)
    }

    func epaymentPayment(msn: String, reference: String) throws(Rejection) -> PaymentRecord {
        guard let payment = self.payments[PaymentKey(msn: msn, orderId: reference)] else {
            throw Self.problem(
                404,
                "Reference not found",
                "The reference \(reference) does not exist for MSN \(msn)"
            )
        }
        return payment
    }

    /// `Idempotency-Key`: required on every call that changes something, at most 50 characters.
    static func idempotencyKey(_ request: VippsRequest) throws(Rejection) -> String {
        guard let key = request.header("Idempotency-Key"), !key.isEmpty else {
            throw Self.problem(400, "Missing required parameter", "The parameter Idempotency-Key is required.")
        }
        guard key.count <= 50 else {
            throw Self.problem(
                400,
                "Missing required parameter",
                "The parameter Idempotency-Key is invalid.",
                extra: [("Idempotency-Key", "At most 50 characters")]
            )
        }
        return key
    }

    static func problem(
        _ status: Int,
        _ title: String,
        _ detail: String,
        extra: [(String, String)] = []
    ) -> Rejection {
        Rejection(
            .problem(status, ErrorBodies.epaymentProblem(status: status, title: title, detail: detail, extra: extra))
        )
    }

    /// The ePayment state of a payment: there is no "opened".
    static func state(of payment: PaymentRecord) -> String {
        switch payment.state {
        case .initiated, .opened: "CREATED"
        case .reserved, .voided: "AUTHORIZED"
        case .declined: "ABORTED"
        case .expired: "EXPIRED"
        case .cancelled: "TERMINATED"
        }
    }

    static func amount(_ value: Int, _ payment: PaymentRecord) -> JSONValue {
        ["currency": .string(payment.currency), "value": .integer(value)]
    }

    static func aggregate(_ payment: PaymentRecord) -> JSONValue {
        let authorized = payment.log.contains { $0.operation == .reserve && $0.success } ? payment.amount : 0
        return [
            "authorizedAmount": Self.amount(authorized, payment),
            "cancelledAmount": Self.amount(payment.cancelledAmount, payment),
            "capturedAmount": Self.amount(payment.capturedAmount, payment),
            "refundedAmount": Self.amount(payment.refundedAmount, payment),
        ]
    }

    func modificationBody(_ payment: PaymentRecord) -> JSONValue {
        self.withUnknownFields([
            "amount": Self.amount(payment.amount, payment),
            "state": .string(Self.state(of: payment)),
            "aggregate": Self.aggregate(payment),
            "pspReference": .string(payment.pspReference),
            "reference": .string(payment.key.orderId),
        ])
    }

    /// The event log, oldest first: what happened, with the Idempotency-Key (eCom's X-Request-Id) of each capture,
    /// refund and cancel. The spec lists `paymentAction` as required where the field is `name`; both are sent.
    static func events(of payment: PaymentRecord) -> [JSONValue] {
        func event(_ name: String, _ amount: Int, _ time: Date, key: String? = nil) -> JSONValue {
            var item: JSONValue = [
                "reference": .string(payment.key.orderId),
                "pspReference": .string(payment.pspReference),
                "name": .string(name),
                "paymentAction": .string(name),
                "amount": Self.amount(amount, payment),
                "timestamp": .string(WireTime.string(from: time)),
                "success": true,
            ]
            if let key, !key.isEmpty { item = item.setting("idempotencyKey", to: .string(key)) }
            return item
        }
        var events: [JSONValue] = []
        var stopped: Date?
        for entry in payment.truth.log.reversed() where entry.success {
            switch entry.operation {
            case .initiate: events.append(event("CREATED", entry.amount, entry.timeStamp, key: payment.createKey))
            case .reserve: events.append(event("AUTHORIZED", entry.amount, entry.timeStamp))
            case .capture: events.append(event("CAPTURED", entry.amount, entry.timeStamp, key: entry.requestId))
            case .refund: events.append(event("REFUNDED", entry.amount, entry.timeStamp, key: entry.requestId))
            case .void: events.append(event("CANCELLED", entry.amount, entry.timeStamp, key: entry.requestId))
            case .cancel: stopped = entry.timeStamp
            }
        }
        let end = stopped ?? payment.openedAt ?? payment.createdAt
        switch payment.state {
        case .declined: events.append(event("ABORTED", payment.amount, end))
        case .expired: events.append(event("EXPIRED", payment.amount, end))
        case .cancelled: events.append(event("TERMINATED", payment.amount, end))
        default: break
        }
        return events
    }
}

/// A create request's fields, checked the way the ePayment API checks them.
struct EpaymentCreateCommand {
    var amount: Int
    var currency: String
    var description: String
    var userFlow: String
    var qrFormat: String?
    var phoneNumber: String?

    static func validate(_ body: JSONValue) throws(Rejection) -> EpaymentCreateCommand {
        guard let amount = body["amount"], let currency = amount["currency"]?.stringValue else {
            throw SimulatorEngine.problem(400, "Missing required parameter", "The parameter amount is required.")
        }
        guard ["NOK", "DKK", "EUR"].contains(currency) else {
            throw SimulatorEngine.problem(
                400,
                "Missing required parameter",
                "The parameter amount.currency is invalid.",
                extra: [("amount.currency", "Must be NOK, DKK or EUR")]
            )
        }
        guard let value = amount["value"]?.integerValue, value <= 65_000_000 else {
            throw SimulatorEngine.problem(
                400,
                "Amount invalid",
                "The amount is invalid. Amounts must be integers, no decimals."
            )
        }
        guard value >= 100 else {
            throw SimulatorEngine.problem(400, "Amount too small", "The amount is too small.")
        }
        guard let method = body["paymentMethod"]?["type"]?.stringValue, ["WALLET", "CARD"].contains(method) else {
            throw SimulatorEngine.problem(400, "Missing required parameter", "The parameter paymentMethod is required.")
        }
        guard let userFlow = body["userFlow"]?.stringValue,
            ["PUSH_MESSAGE", "NATIVE_REDIRECT", "WEB_REDIRECT", "QR"].contains(userFlow)
        else {
            throw SimulatorEngine.problem(400, "Missing required parameter", "The parameter userFlow is required.")
        }
        let qrFormat = body["qrFormat"]?["format"]?.stringValue
        if let qrFormat, !["TEXT/TARGETURL", "IMAGE/SVG+XML", "IMAGE/PNG"].contains(qrFormat) {
            throw SimulatorEngine.problem(400, "Missing required parameter", "The parameter qrFormat is invalid.")
        }
        if body["expiresAt"] != nil && !["QR", "PUSH_MESSAGE"].contains(userFlow) {
            throw SimulatorEngine.problem(400, "ExpiresAt not allowed", "Cannot set ExpiresAt for flow \(userFlow).")
        }
        if let interaction = body["customerInteraction"]?.stringValue,
            !["CUSTOMER_PRESENT", "CUSTOMER_NOT_PRESENT"].contains(interaction)
        {
            throw SimulatorEngine.problem(
                400,
                "Missing required parameter",
                "The parameter customerInteraction is invalid."
            )
        }
        let description = body["paymentDescription"]?.stringValue ?? ""
        guard description.isEmpty || (3...100).contains(description.count) else {
            throw SimulatorEngine.problem(
                400,
                "Missing required parameter",
                "The parameter paymentDescription is invalid.",
                extra: [("paymentDescription", "3-100 characters")]
            )
        }
        let phone = body["customer"]?["phoneNumber"]?.stringValue
        if let phone, phone.wholeMatch(of: /\d{10,15}/) == nil {
            throw SimulatorEngine.problem(400, "Invalid phone number", "The phone number \(phone) is invalid.")
        }
        if userFlow == "PUSH_MESSAGE" && phone == nil {
            throw SimulatorEngine.problem(400, "Missing required parameter", "The parameter customer is required.")
        }
        return EpaymentCreateCommand(
            amount: value,
            currency: currency,
            description: description,
            userFlow: userFlow,
            qrFormat: qrFormat,
            phoneNumber: phone
        )
    }
}
