import CustomerDisplay
import TestSupport
import Testing
import VippsAPI
import VippsSimulator

/// Every row of the error guidance table, produced by the simulator on loopback and read by the real client: the
/// till's type, the customer screen's category and the operator's explanation all come out as the table says.
///
/// Most rows are also reached by playing the customer or breaking the configuration (ClientErrorTests, DoctorTests);
/// here the simulator answers each with Vipps' own error body, so rows that only a real Vipps outage or a callback can
/// produce are covered too.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct WholeTableThroughSimulatorTests {
    struct Scenario: Sendable {
        var operation: VippsOperation
        var status: Int
        var group: String? = nil
        var code: String? = nil
        var message: String
        /// A 401 on a payment call is retried once with a fresh token, so it must be answered twice.
        var count: Int = 1
    }

    static let scenarios: [String: Scenario] = [
        "missing-subscription-key": .init(
            operation: .accessToken,
            status: 401,
            message: "Access denied due to missing subscription key."
        ),
        "invalid-subscription-key": .init(
            operation: .accessToken,
            status: 401,
            message: "Access denied due to invalid subscription key."
        ),
        "invalid-client-credentials": .init(
            operation: .accessToken,
            status: 401,
            message: "AADSTS7000215: Invalid client secret provided."
        ),
        "access-token-rejected": .init(
            operation: .details,
            status: 401,
            message: "Something went wrong, please try again later.",
            count: 2
        ),
        "invalid-msn-psp": .init(
            operation: .initiate,
            status: 400,
            group: "InvalidRequest",
            code: "merchantInfo.merchantSerialNumber",
            message: "Invalid MSN: 654321. This MSN is not valid for the provided PSP ID."
        ),
        "invalid-msn-supermerchant": .init(
            operation: .initiate,
            status: 403,
            message: "Invalid MSN: This MSN is not valid for the provided supermerchant ID."
        ),
        "invalid-msn": .init(
            operation: .initiate,
            status: 400,
            group: "InvalidRequest",
            code: "merchantInfo.merchantSerialNumber",
            message: "Invalid MSN: 654321. Check your API keys on portal.vipps.no and see the eCom FAQ for tips."
        ),
        "user-age-or-test-user": .init(
            operation: .initiate,
            status: 400,
            group: "User",
            code: "81",
            message: "You need to have Vipps installed and be at least 15 years old"
        ),
        "login-only-sales-unit": .init(
            operation: .initiate,
            status: 403,
            message: "Merchant Not Allowed for Ecommerce Payment"
        ),
        "merchant-serial-number-not-allowed": .init(
            operation: .initiate,
            status: 403,
            message: "Partner not allowed for this merchant"
        ),
        "order-not-found": .init(
            operation: .details,
            status: 404,
            group: "Merchant",
            code: "35",
            message: "Requested Order not found"
        ),
        "duplicate-order-id": .init(
            operation: .initiate,
            status: 400,
            group: "Merchant",
            code: "34",
            message: "Duplicate orderId"
        ),
        "merchant-deactivated": .init(
            operation: .initiate,
            status: 400,
            group: "Merchant",
            code: "37",
            message: "Merchant not available or deactivated or blocked"
        ),
        "skip-landing-page-not-allowed": .init(
            operation: .initiate,
            status: 400,
            group: "Merchant",
            code: "38",
            message: "The sales unit is not allowed to skip the landing page"
        ),
        "merchant-limit-exceeded": .init(
            operation: .initiate,
            status: 400,
            group: "Merchant",
            code: "32",
            message: "Receiving limit exceeded"
        ),
        "merchant-agreement-missing": .init(
            operation: .initiate,
            status: 400,
            group: "Merchant",
            code: "36",
            message: "Merchant agreement not signed"
        ),
        "user-unknown": .init(
            operation: .initiate,
            status: 400,
            group: "User",
            code: "81",
            message: "User not registered with Vipps"
        ),
        "app-version-unsupported": .init(
            operation: .initiate,
            status: 400,
            group: "User",
            code: "82",
            message: "User app version not supported"
        ),
        "test-user-not-verified": .init(
            operation: .details,
            status: 400,
            group: "Payment",
            code: "1082",
            message: "This person is not BankID verified"
        ),
        "card-invalid": .init(
            operation: .details,
            status: 400,
            group: "Payment",
            code: "41",
            message: "The user does not have a valid card"
        ),
        "refused-by-issuer": .init(
            operation: .details,
            status: 400,
            group: "PAYMENTS",
            code: "42",
            message: "Refused by issuer"
        ),
        "reservation-failed": .init(
            operation: .details,
            status: 400,
            group: "PAYMENTS",
            code: "45",
            message: "User has not acted upon the payment"
        ),
        "cancel-after-capture": .init(
            operation: .cancel,
            status: 400,
            group: "Payment",
            code: "51",
            message: "Cannot cancel an already captured order"
        ),
        "cancel-failed": .init(
            operation: .cancel,
            status: 400,
            group: "Payment",
            code: "52",
            message: "Cancellation failed"
        ),
        "capture-exceeds-reserved": .init(
            operation: .capture,
            status: 400,
            group: "Payment",
            code: "61",
            message: "Captured amount exceeds the reserved amount"
        ),
        "capture-before-reservation": .init(
            operation: .capture,
            status: 400,
            group: "Payment",
            code: "62",
            message: "The amount you tried to capture is not reserved"
        ),
        "capture-failed": .init(
            operation: .capture,
            status: 400,
            group: "Payment",
            code: "63",
            message: "Capture failed for unknown reason"
        ),
        "refund-exceeds-captured": .init(
            operation: .refund,
            status: 400,
            group: "Payment",
            code: "71",
            message: "Cannot refund more than captured amount"
        ),
        "refund-before-capture": .init(
            operation: .refund,
            status: 400,
            group: "Payment",
            code: "72",
            message: "Cannot refund a reserved order"
        ),
        "refund-of-cancelled": .init(
            operation: .refund,
            status: 400,
            group: "Payment",
            code: "73",
            message: "Cannot refund a cancelled order"
        ),
        "refund-debit-failed": .init(
            operation: .refund,
            status: 400,
            group: "Payment",
            code: "74",
            message: "Refund failed during debit from merchant's account"
        ),
        "period-expired": .init(
            operation: .capture,
            status: 400,
            group: "Payment",
            code: "98",
            message: "Payments can only be captured up to 180 days after reservation."
        ),
        "idempotency-conflict": .init(
            operation: .capture,
            status: 400,
            group: "VippsError",
            code: "93",
            message: "Captured amount must be the same in an idempotent retry"
        ),
        "operation-not-allowed": .init(
            operation: .capture,
            status: 400,
            group: "VippsError",
            code: "91",
            message: "Transaction is not allowed"
        ),
        "order-locked": .init(
            operation: .capture,
            status: 400,
            group: "VippsError",
            code: "94",
            message: "Order locked and is already processing"
        ),
        "invalid-amount": .init(
            operation: .initiate,
            status: 400,
            group: "InvalidRequest",
            code: "transaction.amount",
            message: "Invalid amount"
        ),
        "invalid-callback-url": .init(
            operation: .initiate,
            status: 400,
            group: "InvalidRequest",
            code: "merchantInfo.callbackPrefix",
            message: "callbackUrl is invalid"
        ),
        "invalid-fallback-url": .init(
            operation: .initiate,
            status: 400,
            group: "InvalidRequest",
            code: "merchantInfo.fallBack",
            message: "merchantInfo.fallBack.invalid: Fallback should not be null or empty"
        ),
        "invalid-api-keys": .init(operation: .initiate, status: 400, message: "Invalid API keys"),
        "qr-payment-expired": .init(
            operation: .qrCode,
            status: 400,
            message: "Order timeout: Payment has already timed out"
        ),
        "qr-api-refused": .init(operation: .qrCode, status: 415, message: "Unsupported Media Type"),
        "invalid-request": .init(
            operation: .initiate,
            status: 400,
            group: "InvalidRequest",
            code: "transactionText",
            message: "transactionText is too long"
        ),
        "rate-limited": .init(
            operation: .details,
            status: 429,
            message: "Rate limit is exceeded. Try again in 1 seconds."
        ),
        "vipps-internal-error": .init(
            operation: .details,
            status: 500,
            group: "VippsError",
            code: "99",
            message: "Internal error"
        ),
        "vipps-unavailable": .init(operation: .details, status: 503, message: "Service Unavailable"),
        "payment-declined": .init(
            operation: .details,
            status: 402,
            group: "Payment",
            code: "40",
            message: "Declined by the issuer"
        ),
        "vipps-unreadable-answer": .init(operation: .initiate, status: 200, message: "this is not a payment"),
    ]

    static let paths: [VippsOperation: (method: String, path: String)] = [
        .accessToken: ("POST", "/accesstoken/get"),
        .initiate: ("POST", "/ecomm/v2/payments"),
        .details: ("GET", "/ecomm/v2/payments/"),
        .capture: ("POST", "/ecomm/v2/payments/kiosk7-t/capture"),
        .cancel: ("PUT", "/ecomm/v2/payments/kiosk7-t/cancel"),
        .refund: ("POST", "/ecomm/v2/payments/kiosk7-t/refund"),
        .qrCode: ("POST", "/qr/v1"),
    ]

    /// The ePayment rows have their own test (EpaymentErrorTitlesTests).
    static let ids = VippsErrorGuidance.table.map(\.id).filter { !$0.hasPrefix("epayment-") }

    @Test func everyRowHasAScenario() {
        let rows = Set(Self.ids)
        let covered = Set(Self.scenarios.keys).union(["vipps-unreachable"])
        #expect(rows.subtracting(covered).isEmpty, "rows without a scenario: \(rows.subtracting(covered).sorted())")
        #expect(covered.subtracting(rows).isEmpty)
    }

    @Test(arguments: Self.ids)
    func rowIsProducedBySimulator(id: String) async throws {
        let row = try #require(VippsErrorGuidance.entry(id: id))
        try await SimulatorHarness.run { harness in
            let error: VippsError?
            if id == "vipps-unreachable" {
                let client = harness.makeClient(requestTimeout: .seconds(2))
                // The short timeout is for the held answer; a busy machine may need more than one try for the token.
                for _ in 0..<5 where await client.tokens.validUntil == nil { _ = try? await client.tokens.token() }
                await harness.simulator.inject(.latency(.seconds(30), count: 1, pathPrefix: "/ecomm"))
                error = await Self.perform(.details, client)
            } else {
                let scenario = try #require(Self.scenarios[id])
                let client = harness.makeClient()
                if scenario.operation != .accessToken { _ = try await client.tokens.token() }
                let target = try #require(Self.paths[scenario.operation])
                await harness.simulator.inject(
                    .vippsError(
                        status: scenario.status,
                        group: scenario.group,
                        code: scenario.code,
                        message: scenario.message,
                        count: scenario.count,
                        method: target.method,
                        pathPrefix: target.path
                    )
                )
                error = await Self.perform(scenario.operation, client)
            }
            let thrown = try #require(error, "no error for \(id)")
            #expect(thrown.guidance.id == id)
            #expect(thrown.guidance.tillErrorType == row.tillErrorType)
            // The customer screen has a wording for the row's category.
            #expect(DisplayScreen.Reason(rawValue: row.customerMessage.rawValue) != nil)
            #expect("\(thrown)".contains(row.operatorHint))
        }
    }

    static func perform(_ operation: VippsOperation, _ client: VippsClient) async -> VippsError? {
        do {
            switch operation {
            case .accessToken: _ = try await client.tokens.token()
            case .initiate: _ = try await client.initiate(ClientFlowTests.initiation("kiosk7-t"))
            case .details: _ = try await client.details(orderId: "kiosk7-t")
            case .capture: _ = try await client.capture(orderId: "kiosk7-t", amount: 100, text: "x", requestId: "r-1")
            case .cancel: _ = try await client.cancel(orderId: "kiosk7-t", text: "x")
            case .refund: _ = try await client.refund(orderId: "kiosk7-t", amount: 100, text: "x", requestId: "r-2")
            case .qrCode: _ = try await client.qrTarget(paymentURL: "https://apitest.vipps.no/x?token=y")
            case .forceApprove: return nil
            }
            return nil
        } catch {
            // Every client call throws VippsError only (typed throws).
            return error
        }
    }
}
