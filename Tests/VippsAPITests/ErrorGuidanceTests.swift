import Testing

@testable import VippsAPI

@Suite struct ErrorGuidanceTests {
    @Test func everyRowHasAUniqueIdAndAHint() {
        let ids = VippsErrorGuidance.table.map(\.id)
        #expect(Set(ids).count == ids.count)
        for row in VippsErrorGuidance.table {
            #expect(!row.operatorHint.isEmpty && !row.title.isEmpty, "\(row.id)")
            #expect(!row.matches.isEmpty, "\(row.id) explains nothing")
            #expect(row.id.allSatisfy { $0.isLowercase || $0 == "-" || $0.isNumber }, "\(row.id)")
        }
    }

    /// The rows the fleet's setup alert pages on exist, and none of them is something a customer or a retry causes.
    @Test func setupProblemsAreRowsOfTheTableThatNeedAnOperator() {
        let ids = Set(VippsErrorGuidance.table.map(\.id))
        #expect(VippsErrorGuidance.setupProblemIDs.isSubset(of: ids))
        for row in VippsErrorGuidance.table where row.isSetupProblem {
            #expect(!row.retryable, "\(row.id)")
            #expect(row.customerMessage == .technicalError, "\(row.id)")
        }
        #expect(VippsErrorGuidance.entry(id: "invalid-client-credentials")?.isSetupProblem == true)
        #expect(VippsErrorGuidance.entry(id: "refused-by-issuer")?.isSetupProblem == false)
    }

    /// (operation, status, group, code, message) → the row the FAQ says it is.
    static let cases: [(VippsOperation, Int, String?, String?, String?, String)] = [
        (.initiate, 401, nil, nil, "Access denied due to missing subscription key.", "missing-subscription-key"),
        (.initiate, 401, nil, nil, "Access denied due to invalid subscription key.", "invalid-subscription-key"),
        (.details, 401, nil, "Unauthorized", "Subscription not found", "invalid-subscription-key"),
        (.details, 401, nil, "401", "Something went wrong, please try again later.", "access-token-rejected"),
        (.accessToken, 401, nil, nil, "unauthorized_client: AADSTS7000215", "invalid-client-credentials"),
        (.initiate, 403, nil, "403", "Merchant Not Allowed for Ecommerce Payment", "login-only-sales-unit"),
        (.initiate, 403, nil, "403", "Partner not allowed for this merchant", "merchant-serial-number-not-allowed"),
        (.details, 404, "Merchant", "35", "Requested Order not found", "order-not-found"),
        (.details, 404, nil, nil, "Resource not found", "order-not-found"),
        (.initiate, 400, "Merchant", "34", "Duplicate orderId", "duplicate-order-id"),
        (.initiate, 400, "Merchant", "37", "Merchant not available or deactivated or blocked", "merchant-deactivated"),
        (.initiate, 400, "user", "81", "User not registered with Vipps", "user-unknown"),
        (.initiate, 400, "User", "82", "App version not supported", "app-version-unsupported"),
        (.initiate, 400, "Payment", "1501", "This person cannot pay companies", "user-unknown"),
        (.details, 400, "Payment", "41", "The user does not have a valid card", "card-invalid"),
        (.details, 400, "PAYMENTS", "42", "Refused by issuer", "refused-by-issuer"),
        (.details, 400, "Payment", "44", "Refused by issuer because of expired card", "refused-by-issuer"),
        (.details, 400, "PAYMENTS", "45", "User has not acted upon the payment", "reservation-failed"),
        (.cancel, 400, "Payment", "51", "Cannot cancel an already captured order", "cancel-after-capture"),
        (.capture, 400, "Payment", "61", "Captured amount exceeds the reserved amount", "capture-exceeds-reserved"),
        (
            .capture, 400, "Payment", "62", "The amount you tried to capture is not reserved",
            "capture-before-reservation"
        ),
        (.capture, 400, "Payment", "63", "Capture failed", "capture-failed"),
        (.refund, 400, "Payment", "71", "Cannot refund more than captured amount", "refund-exceeds-captured"),
        (.refund, 400, "Payment", "72", "Cannot refund a reserved order", "refund-before-capture"),
        (.refund, 400, "Payment", "73", "Cannot refund a cancelled order", "refund-of-cancelled"),
        (.refund, 400, "Payment", "74", "Refund failed during debit", "refund-debit-failed"),
        (.capture, 400, "VippsError", "91", "Transaction is not allowed", "operation-not-allowed"),
        (.capture, 400, "VippsError", "93", "Captured amount must be the same", "idempotency-conflict"),
        (.capture, 400, "VippsError", "94", "Order locked", "order-locked"),
        (.capture, 500, "VippsError", "99", "Internal error", "vipps-internal-error"),
        (.initiate, 400, "InvalidRequest", "transaction.amount", "Invalid amount", "invalid-amount"),
        (
            .initiate, 400, "InvalidRequest", "merchantInfo.callbackPrefix", "callbackUrl is invalid",
            "invalid-callback-url"
        ),
        (
            .initiate, 400, "InvalidRequest", "merchantInfo.fallBack",
            "merchantInfo.fallBack.invalid: Fallback should not be null or empty", "invalid-fallback-url"
        ),
        (.initiate, 400, nil, nil, "Invalid API keys", "invalid-api-keys"),
        (.details, 429, nil, nil, "Rate limit is exceeded.", "rate-limited"),
        (.details, 500, nil, nil, "Something went wrong", "vipps-internal-error"),
        (.details, 503, nil, nil, nil, "vipps-unavailable"),
        (.qrCode, 400, nil, nil, "Order timeout: Payment has already timed out", "qr-payment-expired"),
        (.qrCode, 415, nil, nil, "Unsupported Media Type", "qr-api-refused"),
        (
            .initiate, 400, "InvalidRequest", "merchantInfo.merchantSerialNumber",
            "Invalid MSN: 654321. Check your API keys on portal.vipps.no and see the eCom FAQ for tips.", "invalid-msn"
        ),
        (
            .initiate, 403, nil, nil, "Invalid MSN: 654321. This MSN is not valid for the provided supermerchant ID.",
            "invalid-msn-supermerchant"
        ),
        (
            .initiate, 403, nil, nil, "Invalid MSN: This MSN is not valid for the provided supermerchant ID.",
            "invalid-msn-supermerchant"
        ),
        (
            .initiate, 400, nil, nil,
            "Invalid MSN: 654321. This MSN is not valid for the provided PSP ID. Check that you are using the correct credentials for the right environment.",
            "invalid-msn-psp"
        ),
        (
            .initiate, 400, "User", nil, "You need to have Vipps installed and be at least 15 years old",
            "user-age-or-test-user"
        ),
    ]

    @Test(arguments: cases)
    func faqErrorsFindTheirRow(
        operation: VippsOperation,
        status: Int,
        group: String?,
        code: String?,
        message: String?,
        expected: String
    ) {
        let error = VippsError(
            kind: .http,
            operation: operation,
            httpStatus: status,
            errorGroup: group.map(VippsErrorGroup.init(parsing:)),
            errorCode: code,
            errorMessage: message
        )
        #expect(error.guidance.id == expected)
        #expect(error.description.contains(error.guidance.operatorHint))
    }

    @Test func transportFailuresAreRetryableAndUncertainForMoney() {
        let timeout = VippsError(kind: .timeout, operation: .capture)
        #expect(timeout.guidance.id == "vipps-unreachable")
        #expect(timeout.isRetryable)
        #expect(timeout.outcomeUnknown)
        #expect(!VippsError(kind: .network, operation: .details).outcomeUnknown)
    }

    @Test func retryabilityFollowsTheFAQ() {
        #expect(VippsError(kind: .http, operation: .details, httpStatus: 429).isRetryable)
        #expect(VippsError(kind: .http, operation: .details, httpStatus: 500).isRetryable)
        #expect(
            !VippsError(kind: .http, operation: .initiate, httpStatus: 401, errorMessage: "invalid subscription key")
                .isRetryable
        )
        #expect(VippsError(kind: .http, operation: .initiate, httpStatus: 418).guidance.id == "vipps-unexplained-error")
    }
}
