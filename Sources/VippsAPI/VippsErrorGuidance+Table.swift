extension VippsErrorGuidance {
    typealias M = Match

    static func row(
        _ id: String,
        _ title: String,
        till: TillErrorType = .vippsRejected,
        customer: CustomerMessage = .technicalError,
        retryable: Bool = false,
        hint: String,
        _ matches: Match...
    ) -> VippsErrorGuidance {
        VippsErrorGuidance(
            id: id,
            title: title,
            tillErrorType: till,
            customerMessage: customer,
            retryable: retryable,
            operatorHint: hint,
            matches: matches
        )
    }

    private static let moneyCalls: Set<VippsOperation> = [.capture, .cancel, .refund]

    /// Every error the Vipps FAQ pages describe, most specific first. The first matching row wins: the ePayment
    /// problems (recognised by ``EpaymentProblemCatalog``) come first, then eCom's, the gateway's and by status.
    public static let table: [VippsErrorGuidance] = Self.epaymentTable + Self.commonTable

    private static let commonTable: [VippsErrorGuidance] = [
        // MARK: Reaching Vipps
        row(
            "vipps-unreachable",
            "Vipps could not be reached",
            till: .vippsUnavailable,
            customer: .vippsUnavailable,
            retryable: true,
            hint:
                "No connection to Vipps or no answer in time. Check the box's network, DNS and clock, and the Vipps "
                + "status page. qrpayd keeps polling with backoff and reads the payment back before repeating any call "
                + "that moves money.",
            M(kinds: [.timeout, .network])
        ),
        row(
            "vipps-unreadable-answer",
            "Vipps answered with something qrpayd cannot read",
            till: .vippsUnavailable,
            customer: .vippsUnavailable,
            retryable: true,
            hint:
                "A 2xx answer without the fields the API promises. Usually a proxy or captive portal between the box and "
                + "Vipps: check that the configured base URL really is Vipps and that nothing intercepts HTTPS.",
            M(kinds: [.invalidResponse])
        ),

        // MARK: 401: keys and tokens
        row(
            "missing-subscription-key",
            "The subscription key was not sent",
            hint:
                "Vipps got no Ocp-Apim-Subscription-Key header. Check that the credential vipps-subscription-key is "
                + "installed and readable by qrpayd (run `qrpayctl doctor`).",
            M(status: 401...401, message: "missing subscription key")
        ),
        row(
            "invalid-subscription-key",
            "The subscription key is not valid here",
            hint:
                "Vipps does not know this subscription key in this environment. Test and production are separate, "
                + "with different keys and MSNs: check that vipps.environment matches the keys, and compare the key "
                + "with the sales unit's keys on portal.vipps.no.",
            M(status: 401...401, message: "invalid subscription key"),
            M(status: 401...401, message: "subscription not found")
        ),
        row(
            "invalid-client-credentials",
            "client_id or client_secret is wrong",
            hint:
                "The access-token endpoint refused the client_id/client_secret for this subscription key. All three "
                + "must belong to the same sales unit (MSN) in the same environment: check them on portal.vipps.no. "
                + "Regenerating keys is a last resort, and the old keys stop working when you do.",
            M(status: 400...401, operations: [.accessToken])
        ),
        row(
            "access-token-rejected",
            "Vipps refused the access token",
            hint:
                "\"Something went wrong\" with 401 means the Authorization header was not accepted: the token expired, "
                + "is malformed, or was issued for another subscription key or MSN. qrpayd fetches a new token and "
                + "retries once by itself; if this entry repeats, check that the same subscription key is used for the "
                + "token and the payment calls, and that the box's clock is right.",
            M(status: 401...401)
        ),

        // MARK: "Invalid MSN", in its three forms
        row(
            "invalid-msn-psp",
            "The MSN does not belong to this PSP",
            hint:
                "\"Invalid MSN ... not valid for the provided PSP id\": the credentials are for the wrong environment, or "
                + "the sales unit was created by another PSP. A PSP can only pay for MSNs connected to it: check "
                + "vipps.environment and vipps.merchantSerialNumber against the keys.",
            M(message: "not valid for the provided psp")
        ),
        row(
            "invalid-msn-supermerchant",
            "The MSN does not belong to these partner keys",
            hint:
                "\"Invalid MSN ... not valid for the provided supermerchant ID\": test keys or a test MSN in production (or "
                + "the other way round), or partner keys without the Merchant-Serial-Number header (then no MSN is "
                + "named in the message). Check vipps.environment, vipps.merchantSerialNumber and the keys.",
            M(message: "supermerchant")
        ),
        row(
            "invalid-msn",
            "Vipps does not accept this MSN with these keys",
            hint:
                "\"Invalid MSN ... Check your API keys\": the keys belong to another sales unit or environment (test keys in "
                + "production or the opposite), or partner keys are used for a sales unit not registered with the "
                + "partner. Compare vipps.merchantSerialNumber and the keys on portal.vipps.no.",
            M(message: "invalid msn")
        ),
        row(
            "user-age-or-test-user",
            "Vipps says the user must have the app and be 15 or older",
            customer: .customerDeclined,
            hint:
                "In the test environment this means a real Vipps user was used, or a new test user has not logged in to "
                + "the test app yet. In production the customer is under 15 and cannot pay businesses.",
            M(message: "15 years")
        ),

        // MARK: 403
        row(
            "login-only-sales-unit",
            "This sales unit may not take payments",
            hint:
                "\"Merchant Not Allowed for Ecommerce Payment\": the MSN is approved only for Vipps Login. Order "
                + "\"Vipps på nett\" for this sales unit on portal.vipps.no, or use the keys of a sales unit that can "
                + "take payments.",
            M(status: 403...403, message: "not allowed for ecommerce payment")
        ),
        row(
            "merchant-serial-number-not-allowed",
            "These keys may not act for this MSN",
            hint:
                "With partner keys, the Merchant-Serial-Number header must name a sales unit connected to the partner. "
                + "Check vipps.merchantSerialNumber, and that the sales unit is connected to your partner account "
                + "(the header Merchant-Serial-Number and the body's merchantSerialNumber must agree).",
            M(status: 403...403)
        ),

        // MARK: Merchant errors
        row(
            "order-not-found",
            "Vipps does not know this orderId for this MSN",
            hint:
                "errorCode 35 / 404: the orderId does not exist for the MSN these keys belong to. Either the orderId is "
                + "wrong, or the payment was created with another sales unit's keys (orderIds are unique per MSN only). "
                + "Check that vipps.merchantSerialNumber and the keys were not changed while payments were open.",
            M(group: .merchant, code: "35"),
            M(status: 404...404)
        ),
        row(
            "duplicate-order-id",
            "The orderId was used before",
            hint:
                "errorCode 34: this orderId already exists for the MSN. qrpayd builds orderIds from "
                + "payment.orderIdPrefix and the till's reference; if two boxes share an MSN, give each its own prefix.",
            M(group: .merchant, code: "34")
        ),
        row(
            "merchant-deactivated",
            "The sales unit is deactivated or blocked",
            hint:
                "errorCode 37: Vipps deactivates a merchant when the company is deleted from or changes form in "
                + "Brønnøysundregistrene, and merchants can deactivate sales units on portal.vipps.no by mistake "
                + "(reactivating needs BankID). Partners also get this when the partner itself is deactivated. Test "
                + "merchants unused for a long time may need customer service.",
            M(group: .merchant, code: "37"),
            M(group: .merchant, code: "31")
        ),
        row(
            "skip-landing-page-not-allowed",
            "The sales unit may not skip the landing page",
            hint:
                "errorCode 38. qrpayd always sends skipLandingPage=false for QR payments, so seeing this means a "
                + "modified build or a proxy rewrote the request.",
            M(group: .merchant, code: "38")
        ),
        row(
            "merchant-limit-exceeded",
            "A merchant limit was reached",
            hint:
                "errorCode 32/33: the sales unit's receiving or payment-request limit is exceeded. Contact Vipps "
                + "MobilePay about the limits of this MSN.",
            M(group: .merchant, code: "32"),
            M(group: .merchant, code: "33")
        ),
        row(
            "merchant-agreement-missing",
            "The sales unit cannot take payments yet",
            hint:
                "errorCode 36/39/97: the merchant agreement is not signed, or the sales unit is not allowed this kind of "
                + "payment (login-only or restricted). Check the sales unit's products on portal.vipps.no.",
            M(group: .merchant, code: "36"),
            M(group: .merchant, code: "39"),
            M(group: .merchant, code: "97")
        ),

        // MARK: The customer
        row(
            "user-unknown",
            "Vipps cannot take a payment from this user",
            customer: .customerDeclined,
            hint:
                "errorCode 81: the phone number is wrongly formatted, is not a Vipps user, or belongs to someone under "
                + "15, who cannot pay businesses. Vipps gives no more detail. In the test environment, use a test user "
                + "from portal.vipps.no that has logged in to the test app at least once.",
            M(group: .user, code: "81"),
            M(group: .payment, code: "1501")
        ),
        row(
            "app-version-unsupported",
            "The customer's Vipps app is too old",
            customer: .customerDeclined,
            hint: "errorCode 82: the customer must update the Vipps app before paying.",
            M(group: .user, code: "82")
        ),
        row(
            "test-user-not-verified",
            "The test user has not logged in to the test app",
            customer: .customerDeclined,
            hint:
                "errorCode 1082 (test environment only): log in to the Vipps test app with this test user and approve one "
                + "payment by hand before automated or force-approved payments work.",
            M(group: .payment, code: "1082")
        ),

        // MARK: Card and issuer (payment failure reasons)
        row(
            "card-invalid",
            "The customer has no valid card",
            customer: .cardDeclined,
            hint: "errorCode 41: the customer must add a valid card in the app. Nothing to fix on the box.",
            M(group: .payment, code: "41")
        ),
        row(
            "refused-by-issuer",
            "The card issuer refused the payment",
            customer: .cardDeclined,
            hint:
                "errorCode 42/43/44: the bank refused (insufficient funds, amount not allowed, or an expired card). "
                + "The customer can choose another card in the app. Nothing to fix on the box.",
            M(group: .payment, code: "42"),
            M(group: .payment, code: "43"),
            M(group: .payment, code: "44")
        ),
        row(
            "reservation-failed",
            "The reservation failed",
            customer: .timedOut,
            hint:
                "errorCode 45: most often the customer did not act on the payment in time (for example with push "
                + "notifications off). Vipps cannot say more.",
            M(group: .payment, code: "45")
        ),

        // MARK: Capture, cancel, refund
        row(
            "cancel-after-capture",
            "A captured payment cannot be cancelled",
            hint: "errorCode 51: the payment is already captured in full. Refund it instead.",
            M(group: .payment, code: "51")
        ),
        row(
            "cancel-failed",
            "Vipps could not cancel the payment",
            till: .vippsUnavailable,
            retryable: true,
            hint:
                "errorCode 52: the cancellation failed for a reason Vipps does not give (for example the customer is in "
                + "a 3-D Secure step). qrpayd reads the payment back and retries; the payment also expires by itself "
                + "after 10 minutes.",
            M(group: .payment, code: "52"),
            M(group: .payment, code: "53")
        ),
        row(
            "capture-exceeds-reserved",
            "The capture is larger than the reservation",
            hint:
                "errorCode 61: the total capture exceeds what the customer approved. Capture at most the reserved "
                + "amount (see capturedAmount and the payment's amount).",
            M(group: .payment, code: "61")
        ),
        row(
            "capture-before-reservation",
            "The payment is not reserved yet",
            hint: "errorCode 62: the customer has not approved the payment, so there is nothing to capture yet.",
            M(group: .payment, code: "62")
        ),
        row(
            "capture-failed",
            "The capture failed",
            till: .vippsUnavailable,
            retryable: true,
            hint:
                "errorCode 63: Vipps could not capture for an unknown reason. qrpayd reads the payment back before it "
                + "tries again, with the same X-Request-Id so nothing is captured twice.",
            M(group: .payment, code: "63")
        ),
        row(
            "refund-exceeds-captured",
            "The refund is larger than what was captured",
            hint: "errorCode 71: refund at most capturedAmount minus refundedAmount.",
            M(group: .payment, code: "71")
        ),
        row(
            "refund-before-capture",
            "A reserved payment cannot be refunded",
            hint: "errorCode 72: the payment is reserved but not captured. Cancel it to release the money instead.",
            M(group: .payment, code: "72")
        ),
        row(
            "refund-of-cancelled",
            "A cancelled payment cannot be refunded",
            hint: "errorCode 73: the payment was cancelled or voided, so no money was taken.",
            M(group: .payment, code: "73")
        ),
        row(
            "refund-debit-failed",
            "Vipps could not take the refund from the merchant's account",
            till: .vippsUnavailable,
            retryable: true,
            hint:
                "errorCode 74: the refund could not be debited from the merchant's settlement account. Check the "
                + "account with Vipps MobilePay; retry later.",
            M(group: .payment, code: "74")
        ),
        row(
            "period-expired",
            "Too late for this operation",
            hint:
                "errorCode 95/96/98 (Payment): captures are possible up to 180 days after reservation and refunds up to "
                + "365 days. Settle the money with the customer another way.",
            M(group: .payment, code: "95"),
            M(group: .payment, code: "96"),
            M(group: .payment, code: "98")
        ),
        row(
            "idempotency-conflict",
            "A retry did not match the first request",
            hint:
                "errorCode 93: the same X-Request-Id was sent with a different amount. qrpayd derives X-Request-Id from "
                + "the orderId and the operation, so this means two different captures or refunds were asked for the "
                + "same step: read the payment and settle by hand.",
            M(code: "93")
        ),
        row(
            "operation-not-allowed",
            "Vipps does not allow this operation in the payment's state",
            hint:
                "errorCode 91/92: for example a capture of a cancelled payment, or an operation already done. Read the "
                + "payment (`qrpayctl status REFERENCE`) to see its state.",
            M(group: .vippsError, code: "91"),
            M(group: .vippsError, code: "92")
        ),
        row(
            "order-locked",
            "The payment is busy at Vipps",
            till: .vippsUnavailable,
            retryable: true,
            hint:
                "errorCode 94/98 (VippsError): another operation on this payment is in progress, or too many requests "
                + "came at once. qrpayd retries with the same X-Request-Id after a pause.",
            M(group: .vippsError, code: "94"),
            M(group: .vippsError, code: "98")
        ),

        // MARK: Bad requests
        row(
            "invalid-amount",
            "Vipps refused the amount",
            hint:
                "The amount must be a whole number of øre and at least 100 (1 NOK). Check the till sends øre, and "
                + "payment.maximumAmount.",
            M(status: 400...400, group: .invalidRequest, message: "amount"),
            M(status: 400...400, group: .invalidRequest, code: "transaction.amount")
        ),
        row(
            "invalid-callback-url",
            "Vipps refused the callback prefix",
            hint:
                "\"callbackUrl is invalid\": callbackPrefix must be an HTTPS URL whose host resolves in public DNS (not "
                + "localhost). qrpayd never receives callbacks but Vipps requires a valid one: check "
                + "vipps.callbackPrefix.",
            M(status: 400...400, message: "callback"),
            M(status: 400...400, code: "merchantInfo.callbackPrefix")
        ),
        row(
            "invalid-fallback-url",
            "Vipps refused the fallBack URL",
            hint:
                "The fallBack URL must be HTTPS (or an app scheme) with a public host; Vipps reports a bad one with the "
                + "misleading text \"Fallback should not be null or empty\". It opens on the customer's phone after "
                + "paying: check vipps.fallBackURL (default https://www.vipps.no/thankyoupage/).",
            M(status: 400...400, message: "fallback"),
            M(status: 400...400, code: "merchantInfo.fallBack")
        ),
        row(
            "invalid-api-keys",
            "Vipps says the API keys are invalid",
            hint:
                "Check that client_id, client_secret and the subscription key are this sales unit's keys for this "
                + "environment (portal.vipps.no).",
            M(status: 400...400, message: "api key")
        ),
        row(
            "qr-payment-expired",
            "The QR API says the payment has timed out",
            customer: .timedOut,
            hint:
                "The landing page behind the payment URL is only valid for 5 minutes; the QR API will not make a code "
                + "for an expired payment. Start a new payment.",
            M(status: 400...400, message: "timed out", operations: [.qrCode]),
            M(status: 400...400, message: "order timeout", operations: [.qrCode])
        ),
        row(
            "qr-api-refused",
            "The QR API refused the request",
            hint:
                "The QR API could not make a one-time code for this payment URL. If the sales unit has no QR API "
                + "access, set qr.mode to \"payment-url\" so qrpayd encodes the landing-page URL itself.",
            M(status: 400...415, operations: [.qrCode])
        ),
        row(
            "invalid-request",
            "Vipps refused the request as invalid",
            hint:
                "HTTP 400: the errorCode names the field (InvalidRequest) and errorMessage says what is wrong. Check "
                + "the settings that go into the request (MSN, texts, URLs).",
            M(status: 400...400)
        ),

        // MARK: Load and outages
        row(
            "rate-limited",
            "Vipps rate limit reached",
            till: .vippsUnavailable,
            customer: .vippsUnavailable,
            retryable: true,
            hint:
                "HTTP 429: too many requests for this orderId (details 120/min, capture/cancel/refund 5/min, initiate "
                + "2/min). qrpayd waits as long as Retry-After asks. Repeated entries mean something else calls Vipps "
                + "with the same keys.",
            M(status: 429...429)
        ),
        row(
            "vipps-internal-error",
            "Vipps had an internal error",
            till: .vippsUnavailable,
            customer: .vippsUnavailable,
            retryable: true,
            hint:
                "HTTP 500 (or errorCode 99). It is often a request Vipps failed to validate (MSN as a number, a "
                + "non-integer amount, \"fallback\" spelled wrong); qrpayd sends these right, so check the Vipps status "
                + "page. The test environment has occasional 500s: qrpayd retries.",
            M(status: 500...500),
            M(group: .vippsError, code: "99")
        ),
        row(
            "vipps-unavailable",
            "Vipps is unavailable",
            till: .vippsUnavailable,
            customer: .vippsUnavailable,
            retryable: true,
            hint: "HTTP 502/503/504: Vipps or its gateway is down or overloaded. qrpayd keeps trying with backoff.",
            M(status: 501...599)
        ),
        row(
            "payment-declined",
            "Vipps declined the payment",
            customer: .cardDeclined,
            hint: "A payment error without a known code. errorMessage has what Vipps said.",
            M(group: .payment)
        ),
    ]
}
