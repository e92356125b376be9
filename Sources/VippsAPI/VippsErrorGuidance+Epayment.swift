extension VippsErrorGuidance {
    private static func epayment(
        _ kind: EpaymentProblemKind,
        _ id: String,
        till: TillErrorType = .vippsRejected,
        customer: CustomerMessage = .technicalError,
        retryable: Bool = false,
        hint: String
    ) -> VippsErrorGuidance {
        row(
            "epayment-" + id,
            "ePayment: \(kind.title)",
            till: till,
            customer: customer,
            retryable: retryable,
            hint: hint,
            M(epayment: kind)
        )
    }

    private static let notSent =
        "qrpayd never sends this, so seeing it means a modified build or a proxy rewrote the request."

    /// One row per error title of the ePayment FAQ, then ePayment problems nobody has a title for, by status.
    static let epaymentTable: [VippsErrorGuidance] = [
        epayment(
            .amountTooSmall,
            "amount-too-small",
            hint:
                "The amount is below Vipps MobilePay's minimum for the currency (NOK 100 øre; DKK and EUR as documented). "
                + "Amounts are in minor units: check that the till sends øre/cents and payment.minimumAmount."
        ),
        epayment(
            .amountInvalid,
            "amount-invalid",
            hint: "Amounts must be whole numbers of minor units. qrpayd sends integers; check the till's amounts."
        ),
        epayment(
            .expressPaymentNotAllowed,
            "express-not-allowed",
            hint: "The sales unit may not use Express checkout. \(notSent)"
        ),
        epayment(
            .missingStaticShippingDetails,
            "missing-static-shipping",
            hint: "Express payments with fixed shipping need shipping options. \(notSent)"
        ),
        epayment(
            .noCards,
            "no-cards",
            customer: .cardDeclined,
            hint: "The customer has no payment card in the app. They must add one, or pay another way."
        ),
        epayment(
            .paymentLimitExceeded,
            "payment-limit-exceeded",
            hint:
                "The sales unit's limit for payment requests is reached. Contact Vipps MobilePay about this MSN's limits."
        ),
        epayment(
            .operationNotSupported,
            "operation-not-supported",
            hint:
                "Vipps MobilePay does not support this operation for this payment (for example on a payment method or "
                + "market that does not have it). Read the payment's events; the traceId identifies the call."
        ),
        epayment(
            .captureAmountTooHigh,
            "capture-amount-too-high",
            hint:
                "A capture of more than is still reserved. qrpayd checks this itself, so another system captured this "
                + "payment too: compare the payment's events with the till's captures."
        ),
        epayment(
            .captureBeforeReservation,
            "capture-before-reservation",
            hint: "The customer has not approved yet, so nothing is reserved to capture. Wait for `authorized`."
        ),
        epayment(
            .captureCancelled,
            "capture-cancelled",
            hint:
                "The payment was cancelled (by the till, qrpayd or the portal) before this capture; nothing is charged."
        ),
        epayment(
            .capturePeriodExpired,
            "capture-period-expired",
            hint: "Reservations can be captured for 180 days only. The money is no longer reserved; take a new payment."
        ),
        epayment(
            .captureIdempotencyConflict,
            "capture-idempotency-conflict",
            hint:
                "A capture repeated an Idempotency-Key with a different body. qrpayd keeps one key per capture with its "
                + "amount, so check whether another system uses the same keys."
        ),
        epayment(
            .cancelCaptured,
            "cancel-captured",
            hint: "The payment is captured in full; there is nothing left to release. Refund it instead."
        ),
        epayment(
            .cancelNonReserved,
            "cancel-non-reserved",
            hint: "Nothing is reserved on this payment any more (already cancelled, expired or declined)."
        ),
        epayment(
            .cancelPeriodExpired,
            "cancel-period-expired",
            hint: "Reservations can only be cancelled within 180 days; by now the bank has released it anyway."
        ),
        epayment(
            .cancelPending,
            "cancel-pending",
            till: .vippsUnavailable,
            customer: .vippsUnavailable,
            retryable: true,
            hint:
                "The customer is approving right now, and Vipps MobilePay does not cancel in the middle of that. The "
                + "till's cancel stays pending: qrpayd reads the payment and tries again until it is cancelled, or "
                + "voids the reservation if the customer approved."
        ),
        epayment(
            .orderProcessing,
            "order-processing",
            till: .vippsUnavailable,
            customer: .vippsUnavailable,
            retryable: true,
            hint:
                "Vipps MobilePay is still working on an earlier call for this payment. qrpayd reads the payment and "
                + "repeats the call with the same Idempotency-Key; if this repeats, look for another system calling "
                + "with the same reference."
        ),
        epayment(
            .internalError,
            "internal-error",
            till: .vippsUnavailable,
            customer: .vippsUnavailable,
            retryable: true,
            hint:
                "An error inside Vipps MobilePay, sometimes caused by a request it could not read. Check the status "
                + "page; the traceId identifies the call if you contact them. qrpayd retries what is safe to retry."
        ),
        epayment(
            .alreadyRefunded,
            "already-refunded",
            hint: "Everything captured has been refunded already. Compare the payment's events with the till's refunds."
        ),
        epayment(
            .notEnoughRefundable,
            "not-enough-refundable",
            hint:
                "The refund is larger than what is left to refund. qrpayd checks this itself, so another system refunded "
                + "this payment too: read its events."
        ),
        epayment(
            .refundPeriodExpired,
            "refund-period-expired",
            hint: "Refunds are possible for 365 days only. Pay the customer back another way."
        ),
        epayment(
            .refundIdempotencyConflict,
            "refund-idempotency-conflict",
            hint:
                "A refund repeated an Idempotency-Key with a different body. The till must use a new Idempotency-Key "
                + "for each new refund and the same one only for a repeat of the same refund."
        ),
        epayment(
            .refundBeforeReservation,
            "refund-before-reservation",
            hint: "Nothing was approved or captured, so there is nothing to refund."
        ),
        epayment(
            .invalidPhoneNumber,
            "invalid-phone-number",
            hint: "Phone numbers go as MSISDN (country code and number, digits only). \(notSent)"
        ),
        epayment(
            .staticShippingPrefixMissing,
            "static-shipping-prefix-missing",
            hint: "Dynamic Express payments need the shipping detail prefix. \(notSent)"
        ),
        epayment(
            .customerNotFound,
            "customer-not-found",
            customer: .customerDeclined,
            hint:
                "The phone number is not a Vipps MobilePay user who can pay businesses (in the test environment: "
                + "not a test user). Vipps gives no more detail."
        ),
        epayment(
            .referenceExists,
            "reference-exists",
            hint:
                "The reference (qrpayd's orderId) is already used for this MSN with another Idempotency-Key. If two "
                + "boxes share an MSN, give each its own payment.orderIdPrefix."
        ),
        epayment(
            .idempotencyKeyExists,
            "idempotency-key-exists",
            hint:
                "The Idempotency-Key was used before with a different request. qrpayd derives one key per operation; "
                + "check for another system using the same keys and references."
        ),
        epayment(
            .referenceNotFound,
            "reference-not-found",
            hint:
                "No payment with this reference for this MSN: it was never created, or was created with another sales "
                + "unit's keys. Check that vipps.merchantSerialNumber and the keys did not change while it was open."
        ),
        epayment(
            .invalidURL,
            "invalid-url",
            hint: "A URL in the request was refused. In the QR flow qrpayd sends none; \(notSent)"
        ),
        epayment(
            .missingParameter,
            "missing-parameter",
            hint: "A required field was missing (the detail names it). \(notSent)"
        ),
        epayment(
            .directCaptureNotAllowed,
            "direct-capture-not-allowed",
            hint: "The sales unit may not use direct capture. qrpayd reserves and then captures; \(notSent)"
        ),
        epayment(
            .reserveCaptureNotAllowed,
            "reserve-capture-not-allowed",
            hint:
                "The sales unit is set up for direct capture only, and qrpayd reserves first. Ask Vipps MobilePay to "
                + "allow reserve capture for this sales unit (portal.vipps.no)."
        ),
        epayment(
            .skipLandingPageNotAllowed,
            "skip-landing-page-not-allowed",
            hint: "The sales unit may not skip the landing page. The QR flow does not skip it; \(notSent)"
        ),
        epayment(
            .longLivingNotAllowed,
            "long-living-not-allowed",
            hint: "The sales unit may not make long-living payments. qrpayd sets no expiresAt; \(notSent)"
        ),
        epayment(
            .cannotBeCancelled,
            "cannot-be-cancelled",
            hint:
                "The payment is in a state that cannot be cancelled (the detail names it). qrpayd reads the payment "
                + "back and shows its real state."
        ),
        epayment(
            .cannotBeRefunded,
            "cannot-be-refunded",
            hint: "The payment is in a state that cannot be refunded (the detail names it): nothing captured is left."
        ),
        epayment(
            .cannotBeCaptured,
            "cannot-be-captured",
            hint: "The payment is in a state that cannot be captured (the detail names it): read its events."
        ),
        epayment(
            .cannotBeCreated,
            "cannot-be-created",
            hint:
                "A payment with this reference exists already in another state. qrpayd never reuses a reference of "
                + "its own; check that no other box or system shares payment.orderIdPrefix on this MSN."
        ),
        epayment(
            .alreadyReserved,
            "already-reserved",
            hint: "The customer has approved this payment already; it cannot be approved again."
        ),
        epayment(
            .invalidScope,
            "invalid-scope",
            hint: "A profile scope was refused. qrpayd asks for no profile data; \(notSent)"
        ),
        epayment(
            .illegalScope,
            "illegal-scope",
            hint: "A profile scope beyond what the sales unit may ask for. qrpayd asks for none; \(notSent)"
        ),
        epayment(
            .approveFailed,
            "approve-failed",
            hint:
                "The test environment's force approve failed (the reason is in the detail). The test user must have "
                + "approved one payment in the test app first; force approve does not exist in production."
        ),
        epayment(
            .expirationDateInvalid,
            "expiration-date-invalid",
            hint: "An expiresAt that Vipps MobilePay refused. qrpayd sends none; \(notSent)"
        ),
        epayment(
            .expiresAtNotAllowed,
            "expires-at-not-allowed",
            hint: "expiresAt is not allowed for this user flow. qrpayd sends none; \(notSent)"
        ),
        row(
            "epayment-conflict",
            "ePayment: the payment is not in a state for this",
            hint:
                "HTTP 409 problem with a title qrpayd does not know. Its raw type, title, detail and traceId are in "
                + "this entry: read the payment's events, and add the type to EpaymentProblemCatalog if it recurs.",
            M(status: 409...409)
        ),
    ]
}
