import Foundation
import JSONValues

/// The eCom v2 endpoints: initiate, details, capture, cancel, refund and the test environment's force approve.
extension SimulatorEngine {
    func initiate(_ request: VippsRequest) -> VippsAnswer {
        let body = JSONValue.parse(request.body)
        let orderId = body?["transaction"]?["orderId"]?.stringValue
        return self.answer { now throws(Rejection) in
            let caller = try self.authorize(request, now: now)
            guard let body, body.objectValue != nil else {
                throw Rejection(.invalidRequest(field: "body", message: "The request body is not a valid JSON object"))
            }
            if let orderId {
                try self.limitRate(.initiate, scope: caller.msn, orderId: orderId, now: now)
            }
            let command = try InitiateCommand.validate(body, callerMSN: caller.msn, configuration: self.configuration)
            let key = PaymentKey(msn: command.msn, orderId: command.orderId)
            guard self.payments[key] == nil else {
                throw Rejection(.ecomError(400, group: "Merchant", code: "34", message: "Duplicate orderId"))
            }
            let landingToken = RandomTokens.jwtLike(subject: command.orderId)
            let gateway = "https://\(self.configuration.apiHost)/dwo-api-application/v1/deeplink/vippsgateway"
            let url = "\(gateway)?v=2&token=\(landingToken)"
            self.payments[key] = PaymentRecord(
                key: key,
                amount: command.amount,
                transactionText: command.transactionText,
                mobileNumber: command.mobileNumber,
                landingToken: landingToken,
                url: url,
                createdAt: now
            )
            self.paymentKeys.append(key)
            self.announceInitiation(of: key)
            return .json(200, self.withUnknownFields(["orderId": .string(command.orderId), "url": .string(url)]))
        }.about(orderId)
    }

    func details(_ request: VippsRequest, orderId: String) -> VippsAnswer {
        self.answer { now throws(Rejection) in
            let caller = try self.authorize(request, now: now)
            try self.limitRate(.details, scope: caller.subscriptionKey, orderId: orderId, now: now)
            let payment = try self.existingPayment(msn: caller.msn, orderId: orderId)
            return .json(200, self.detailsBody(payment))
        }.about(orderId)
    }

    func capture(_ request: VippsRequest, orderId: String) -> VippsAnswer {
        self.answer { now throws(Rejection) in
            let caller = try self.authorize(request, now: now)
            let requestId = try Self.requireRequestId(request)
            try self.limitRate(.capture, scope: caller.msn, orderId: orderId, now: now)
            var payment = try self.existingPayment(msn: caller.msn, orderId: orderId)
            let command = try ActionCommand.parse(JSONValue.parse(request.body), callerMSN: caller.msn)
            if let earlier = payment.captureAnswers[requestId] {
                return try Self.replay(earlier, requestedAmount: command.amount)
            }
            if payment.isCancelled || payment.hasCancelEntry {
                throw Rejection(.ecomError(400, group: "VippsError", code: "91", message: "Transaction is not allowed"))
            }
            guard payment.state == .reserved else {
                throw Rejection(
                    .ecomError(400, group: "Payment", code: "62", message: "The amount to capture is not reserved")
                )
            }
            let amount = command.amount ?? payment.remainingToCapture
            guard amount > 0, amount <= payment.remainingToCapture else {
                throw Rejection(
                    .ecomError(
                        400,
                        group: "Payment",
                        code: "61",
                        message: "Captured amount exceeds the reserved amount"
                    )
                )
            }
            payment.capturedAmount += amount
            payment.successfulCaptures += 1
            let body = self.recordMoneyMoved(
                .capture,
                amount: amount,
                text: command.transactionText,
                requestId: requestId,
                in: &payment,
                orderId: orderId,
                now: now
            )
            payment.captureAnswers[requestId] = IdempotentAnswer(requestedAmount: command.amount ?? 0, answer: body)
            self.payments[payment.key] = payment
            return .json(200, body)
        }.about(orderId)
    }

    func cancel(_ request: VippsRequest, orderId: String) -> VippsAnswer {
        self.answer { now throws(Rejection) in
            let caller = try self.authorize(request, now: now)
            try self.limitRate(.cancel, scope: caller.msn, orderId: orderId, now: now)
            var payment = try self.existingPayment(msn: caller.msn, orderId: orderId)
            let command = try ActionCommand.parse(JSONValue.parse(request.body), callerMSN: caller.msn)
            if payment.isCancelled || payment.hasCancelEntry {
                return .json(200, self.cancelBody(payment, amount: payment.amount, text: command.transactionText, now))
            }
            let transactionId = RandomTokens.transactionId()
            let amount: Int
            if payment.state == .reserved {
                if payment.capturedAmount > 0 && payment.remainingToCapture == 0 {
                    throw Rejection(
                        .ecomError(
                            400,
                            group: "Payment",
                            code: "51",
                            message: "Cannot cancel an already captured order"
                        )
                    )
                }
                if payment.capturedAmount > 0 && !command.shouldReleaseRemainingFunds {
                    throw Rejection(
                        .ecomError(
                            400,
                            group: "Payment",
                            code: "52",
                            message: "Cancellation failed: the order is partially captured and "
                                + "shouldReleaseRemainingFunds is not set"
                        )
                    )
                }
                amount = payment.remainingToCapture
                payment.state = .voided
                payment.append(
                    .void,
                    amount: amount,
                    success: true,
                    text: command.transactionText,
                    at: now,
                    transactionId: transactionId
                )
            } else {
                amount = payment.amount
                payment.state = .cancelled
                payment.append(
                    .cancel,
                    amount: amount,
                    success: true,
                    text: command.transactionText,
                    at: now,
                    transactionId: transactionId
                )
            }
            payment.successfulCancels += 1
            self.payments[payment.key] = payment
            return .json(200, self.cancelBody(payment, amount: amount, text: command.transactionText, now))
        }.about(orderId)
    }

    func refund(_ request: VippsRequest, orderId: String) -> VippsAnswer {
        self.answer { now throws(Rejection) in
            let caller = try self.authorize(request, now: now)
            let requestId = try Self.requireRequestId(request)
            try self.limitRate(.refund, scope: caller.msn, orderId: orderId, now: now)
            var payment = try self.existingPayment(msn: caller.msn, orderId: orderId)
            let command = try ActionCommand.parse(JSONValue.parse(request.body), callerMSN: caller.msn)
            if let earlier = payment.refundAnswers[requestId] {
                return try Self.replay(earlier, requestedAmount: command.amount)
            }
            if payment.capturedAmount == 0 {
                if payment.isCancelled || payment.hasCancelEntry {
                    throw Rejection(
                        .ecomError(400, group: "Payment", code: "73", message: "Cannot refund a cancelled order")
                    )
                }
                throw Rejection(
                    .ecomError(400, group: "Payment", code: "72", message: "Cannot refund a reserved order, cancel it")
                )
            }
            let amount = command.amount ?? payment.remainingToRefund
            guard amount > 0, amount <= payment.remainingToRefund else {
                throw Rejection(
                    .ecomError(400, group: "Payment", code: "71", message: "Cannot refund more than captured amount")
                )
            }
            payment.refundedAmount += amount
            payment.successfulRefunds += 1
            let body = self.recordMoneyMoved(
                .refund,
                amount: amount,
                text: command.transactionText,
                requestId: requestId,
                in: &payment,
                orderId: orderId,
                now: now
            )
            payment.refundAnswers[requestId] = IdempotentAnswer(requestedAmount: command.amount ?? 0, answer: body)
            self.payments[payment.key] = payment
            return .json(200, body)
        }.about(orderId)
    }

    /// `POST /ecomm/v2/integration-test/payments/{orderId}/approve`: only the test environment has it.
    func forceApprove(_ request: VippsRequest, orderId: String) -> VippsAnswer {
        guard self.configuration.environment == .test else {
            return .json(404, ErrorBodies.gateway(status: 404, message: "Resource not found")).about(orderId)
        }
        return self.answer { now throws(Rejection) in
            let caller = try self.authorize(request, now: now)
            var payment = try self.existingPayment(msn: caller.msn, orderId: orderId)
            let body = JSONValue.parse(request.body)
            let phone = body?["customerPhoneNumber"]?.stringValue ?? ""
            guard phone.wholeMatch(of: /\d{8}/) != nil else {
                throw Rejection(
                    .invalidRequest(field: "customerPhoneNumber", message: "customerPhoneNumber is invalid")
                )
            }
            guard body?["token"]?.stringValue == payment.landingToken else {
                throw Rejection(.invalidRequest(field: "token", message: "token is invalid"))
            }
            if self.configuration.unknownMobileNumbers.contains(phone)
                || self.configuration.underageMobileNumbers.contains(phone)
            {
                throw Rejection(.ecomError(400, group: "User", code: "81", message: "User not registered with Vipps"))
            }
            guard payment.isOpenForCustomer else {
                throw Rejection(.ecomError(400, group: "VippsError", code: "91", message: "Transaction is not allowed"))
            }
            if payment.state == .initiated {
                payment.markOpened(at: now)
            }
            Self.reserve(&payment, at: now)
            self.payments[payment.key] = payment
            return VippsAnswer(status: 200, body: .empty)
        }.about(orderId)
    }

    // MARK: Helpers

    static func reserve(_ payment: inout PaymentRecord, at time: Date) {
        payment.state = .reserved
        payment.append(.reserve, amount: payment.amount, success: true, at: time, transactionId: payment.transactionId)
    }

    func existingPayment(msn: String, orderId: String) throws(Rejection) -> PaymentRecord {
        // Payments created with ePayment cannot be retrieved or modified with eCom.
        guard let payment = self.payments[PaymentKey(msn: msn, orderId: orderId)], payment.api == .ecom else {
            throw Rejection(.orderNotFound)
        }
        return payment
    }

    /// `X-Request-Id` is capture's and refund's idempotency key: required, at most 40 characters.
    static func requireRequestId(_ request: VippsRequest) throws(Rejection) -> String {
        guard let requestId = request.header("X-Request-Id"), !requestId.isEmpty, requestId.count <= 40 else {
            throw Rejection(
                .invalidRequest(field: "X-Request-Id", message: "X-Request-Id is required and at most 40 characters")
            )
        }
        return requestId
    }

    /// A retry with a known `X-Request-Id` gets the first answer again, unless it asks for a different amount.
    static func replay(_ earlier: IdempotentAnswer, requestedAmount: Int?) throws(Rejection) -> VippsAnswer {
        guard earlier.requestedAmount == (requestedAmount ?? 0) else {
            throw Rejection(
                .ecomError(
                    400,
                    group: "VippsError",
                    code: "93",
                    message: "The request must be identical to the earlier one with the same X-Request-Id"
                )
            )
        }
        return .json(200, earlier.answer)
    }

    func cancelBody(_ payment: PaymentRecord, amount: Int, text: String, _ now: Date) -> JSONValue {
        let transactionId =
            payment.log.last(where: { $0.operation == .cancel || $0.operation == .void })?.transactionId
            ?? payment.transactionId ?? ""
        return self.withUnknownFields([
            "orderId": .string(payment.key.orderId),
            "transactionInfo": [
                "amount": .integer(amount),
                "timeStamp": .string(WireTime.string(from: now)),
                "transactionText": .string(text),
                "status": "Cancelled",
                "transactionId": .string(transactionId),
            ],
            "transactionSummary": self.summary(of: payment),
        ])
    }

    func detailsBody(_ payment: PaymentRecord) -> JSONValue {
        let log = payment.truth.log
        let items: [JSONValue] = log.enumerated().map { index, entry in
            var item: JSONValue = [
                "operation": .string(entry.operation.rawValue),
                "amount": .integer(entry.amount),
                "operationSuccess": .bool(entry.success),
                "transactionText": .string(entry.transactionText),
                "timeStamp": .string(WireTime.string(from: entry.timeStamp)),
                "requestId": .string(entry.requestId),
            ]
            if let transactionId = entry.transactionId {
                item = item.setting("transactionId", to: .string(transactionId))
            }
            if self.configuration.addUnknownFields {
                item = item.setting("x-sim-entry", to: .integer(log.count - index))
            }
            return item
        }
        var body: JSONValue = ["orderId": .string(payment.key.orderId), "transactionLogHistory": .array(items)]
        if let summary = payment.summary {
            body = body.setting("transactionSummary", to: summary)
        }
        // `sub` comes only with a `profile.scope` payment, which the simulator does not offer; the spec types it as a
        // string, so it is left out rather than sent as null.
        return self.withUnknownFields(body)
    }

    /// Logs a capture or refund that went through and builds Vipps' answer, which calls its object
    /// `transactionInfo` for a capture but `transaction` for a refund.
    private func recordMoneyMoved(
        _ operation: PaymentRecord.Operation,
        amount: Int,
        text: String,
        requestId: String,
        in payment: inout PaymentRecord,
        orderId: String,
        now: Date
    ) -> JSONValue {
        let transactionId = RandomTokens.transactionId()
        payment.append(
            operation,
            amount: amount,
            success: true,
            text: text,
            at: now,
            transactionId: transactionId,
            requestId: requestId
        )
        let isCapture = operation == .capture
        return self.withUnknownFields([
            "orderId": .string(orderId),
            isCapture ? "transactionInfo" : "transaction": [
                "amount": .integer(amount),
                "timeStamp": .string(WireTime.string(from: now)),
                "transactionText": .string(text),
                "status": isCapture ? "Captured" : "Refund",
                "transactionId": .string(transactionId),
            ],
            "transactionSummary": self.summary(of: payment),
        ])
    }
}
