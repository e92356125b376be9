import Logging
import TestSupport
import Testing
import VippsAPI
import VippsSimulator

/// Each error the Vipps FAQ names, produced by the simulator and checked as the typed error and its guidance.
@Suite struct ClientErrorTests {
    static func initiation(_ orderId: String, amount: Int = 12900) -> PaymentInitiation {
        ClientFlowTests.initiation(orderId, amount: amount)
    }

    /// Runs `body` and returns the VippsError it threw.
    static func vippsError(_ body: () async throws -> Void) async -> VippsError? {
        do {
            try await body()
            return nil
        } catch let error as VippsError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func invalidSubscriptionKey() async throws {
        try await SimulatorHarness.run { harness in
            var credentials = SimulatorHarness.demoCredentials
            credentials.subscriptionKey = "not-a-key"
            let error = await Self.vippsError {
                _ = try await harness.makeClient(credentials: credentials).initiate(Self.initiation("kiosk7-e-1"))
            }
            #expect(error?.httpStatus == 401)
            #expect(error?.operation == .accessToken)
            #expect(error?.guidance.id == "invalid-subscription-key")
            #expect(error?.isRetryable == false)
        }
    }

    @Test func missingSubscriptionKey() async throws {
        try await SimulatorHarness.run { harness in
            var credentials = SimulatorHarness.demoCredentials
            credentials.subscriptionKey = ""
            let error = await Self.vippsError {
                _ = try await harness.makeClient(credentials: credentials).details(orderId: "kiosk7-e-2")
            }
            #expect(error?.guidance.id == "missing-subscription-key")
        }
    }

    @Test func productionKeysAgainstTheTestEnvironment() async throws {
        var configuration = VippsSimulatorConfiguration.demo
        configuration.otherEnvironmentSubscriptionKeys = ["prod-key-1"]
        try await SimulatorHarness.run(configuration) { harness in
            var credentials = SimulatorHarness.demoCredentials
            credentials.subscriptionKey = "prod-key-1"
            let error = await Self.vippsError {
                _ = try await harness.makeClient(credentials: credentials).details(orderId: "kiosk7-e-3")
            }
            #expect(error?.guidance.id == "invalid-subscription-key")
            #expect(error?.guidance.operatorHint.contains("Test and production") == true)
        }
    }

    @Test func wrongClientSecret() async throws {
        try await SimulatorHarness.run { harness in
            var credentials = SimulatorHarness.demoCredentials
            credentials.clientSecret = "wrong"
            let error = await Self.vippsError {
                _ = try await harness.makeClient(credentials: credentials).details(orderId: "kiosk7-e-4")
            }
            #expect(error?.guidance.id == "invalid-client-credentials")
            #expect(error.map { "\($0)" }?.contains("wrong") == false, "the secret must not be echoed")
        }
    }

    @Test func loginOnlySalesUnit() async throws {
        var configuration = VippsSimulatorConfiguration.demo
        configuration.salesUnits[0].loginOnly = true
        try await SimulatorHarness.run(configuration) { harness in
            let error = await Self.vippsError {
                _ = try await harness.makeClient().initiate(Self.initiation("kiosk7-e-5"))
            }
            #expect(error?.httpStatus == 403)
            #expect(error?.guidance.id == "login-only-sales-unit")
        }
    }

    @Test func partnerKeysForAnUnconnectedMSN() async throws {
        var configuration = VippsSimulatorConfiguration.demo
        configuration.partnerCredentials = [
            .init(
                clientID: "partner-id",
                clientSecret: "partner-secret",
                subscriptionKey: "partner-key",
                connectedMSNs: ["654321"]
            )
        ]
        try await SimulatorHarness.run(configuration) { harness in
            let credentials = VippsCredentials(
                clientID: "partner-id",
                clientSecret: "partner-secret",
                subscriptionKey: "partner-key",
                merchantSerialNumber: "123456"
            )
            let error = await Self.vippsError {
                _ = try await harness.makeClient(credentials: credentials).initiate(Self.initiation("kiosk7-e-6"))
            }
            #expect(error?.httpStatus == 403)
            #expect(error?.guidance.id == "merchant-serial-number-not-allowed")
        }
    }

    @Test func deactivatedMerchant() async throws {
        var configuration = VippsSimulatorConfiguration.demo
        configuration.salesUnits[0].deactivated = true
        try await SimulatorHarness.run(configuration) { harness in
            let error = await Self.vippsError {
                _ = try await harness.makeClient().initiate(Self.initiation("kiosk7-e-7"))
            }
            #expect(error?.errorCode == "37")
            #expect(error?.errorGroup == .merchant)
            #expect(error?.contextId != nil)
            #expect(error?.guidance.id == "merchant-deactivated")
        }
    }

    @Test func orderIdOfAnotherMSN() async throws {
        var configuration = VippsSimulatorConfiguration.demo
        configuration.salesUnits.append(
            .init(msn: "654321", clientID: "other-id", clientSecret: "other-secret", subscriptionKey: "other-key")
        )
        try await SimulatorHarness.run(configuration) { harness in
            let payment = try await harness.makeClient().initiate(Self.initiation("kiosk7-e-8"))
            let other = harness.makeClient(
                credentials: VippsCredentials(
                    clientID: "other-id",
                    clientSecret: "other-secret",
                    subscriptionKey: "other-key",
                    merchantSerialNumber: "654321"
                )
            )
            let error = await Self.vippsError { _ = try await other.details(orderId: payment.orderId) }
            #expect(error?.httpStatus == 404)
            #expect(error?.errorCode == "35")
            #expect(error?.guidance.id == "order-not-found")
        }
    }

    @Test func duplicateOrderId() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            _ = try await client.initiate(Self.initiation("kiosk7-e-9"))
            let error = await Self.vippsError { _ = try await client.initiate(Self.initiation("kiosk7-e-9")) }
            #expect(error?.errorCode == "34")
            #expect(error?.guidance.id == "duplicate-order-id")
        }
    }

    @Test func invalidAmountAndURLs() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            var tooSmall = Self.initiation("kiosk7-e-10")
            tooSmall.amount = 99
            #expect(await Self.vippsError { _ = try await client.initiate(tooSmall) }?.guidance.id == "invalid-amount")
            var callback = Self.initiation("kiosk7-e-11")
            callback.callbackPrefix = "http://localhost/cb"
            #expect(
                await Self.vippsError { _ = try await client.initiate(callback) }?.guidance.id == "invalid-callback-url"
            )
            var fallBack = Self.initiation("kiosk7-e-12")
            fallBack.fallBackURL = "http://localhost/"
            #expect(
                await Self.vippsError { _ = try await client.initiate(fallBack) }?.guidance.id == "invalid-fallback-url"
            )
        }
    }

    @Test func captureRefundAndCancelRules() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            let payment = try await client.initiate(Self.initiation("kiosk7-e-13", amount: 10000))
            let before = await Self.vippsError {
                _ = try await client.capture(orderId: payment.orderId, amount: 1000, text: "x", requestId: "r1")
            }
            #expect(before?.errorCode == "62")
            #expect(before?.guidance.id == "capture-before-reservation")

            try await harness.simulator.open(orderId: payment.orderId)
            try await harness.simulator.approve(orderId: payment.orderId)
            let refundReserved = await Self.vippsError {
                _ = try await client.refund(orderId: payment.orderId, amount: 100, text: "x", requestId: "r2")
            }
            #expect(refundReserved?.guidance.id == "refund-before-capture")
            let tooMuch = await Self.vippsError {
                _ = try await client.capture(orderId: payment.orderId, amount: 10001, text: "x", requestId: "r3")
            }
            #expect(tooMuch?.errorCode == "61")
            #expect(tooMuch?.guidance.id == "capture-exceeds-reserved")

            _ = try await client.capture(orderId: payment.orderId, amount: nil, text: "x", requestId: "r4")
            let refundTooMuch = await Self.vippsError {
                _ = try await client.refund(orderId: payment.orderId, amount: 10001, text: "x", requestId: "r5")
            }
            #expect(refundTooMuch?.errorCode == "71")
            #expect(refundTooMuch?.guidance.id == "refund-exceeds-captured")
            let cancelCaptured = await Self.vippsError {
                _ = try await client.cancel(orderId: payment.orderId, text: "x")
            }
            #expect(cancelCaptured?.errorCode == "51")
            #expect(cancelCaptured?.guidance.id == "cancel-after-capture")

            let cancelled = try await client.initiate(Self.initiation("kiosk7-e-14"))
            _ = try await client.cancel(orderId: cancelled.orderId, text: "x")
            let captureCancelled = await Self.vippsError {
                _ = try await client.capture(orderId: cancelled.orderId, amount: nil, text: "x", requestId: "r6")
            }
            #expect(captureCancelled?.guidance.id == "operation-not-allowed")
        }
    }

    @Test func sameRequestIdNeverCapturesTwice() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            let payment = try await client.initiate(Self.initiation("kiosk7-e-15"))
            try await harness.simulator.open(orderId: payment.orderId)
            try await harness.simulator.approve(orderId: payment.orderId)
            _ = try await client.capture(
                orderId: payment.orderId,
                amount: 5000,
                text: "x",
                requestId: "kiosk7-e-15-capture"
            )
            _ = try await client.capture(
                orderId: payment.orderId,
                amount: 5000,
                text: "x",
                requestId: "kiosk7-e-15-capture"
            )
            let truth = try #require(await harness.simulator.payment(orderId: payment.orderId))
            #expect(truth.capturedAmount == 5000)
            #expect(truth.successfulCaptures == 1)
            let mismatch = await Self.vippsError {
                _ = try await client.capture(
                    orderId: payment.orderId,
                    amount: 6000,
                    text: "x",
                    requestId: "kiosk7-e-15-capture"
                )
            }
            #expect(mismatch?.guidance.id == "idempotency-conflict")
        }
    }

    @Test func rateLimitCarriesRetryAfter() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            await harness.simulator.inject(.status(429, retryAfter: 7, pathPrefix: "/ecomm"))
            let error = await Self.vippsError { _ = try await client.details(orderId: "kiosk7-e-16") }
            #expect(error?.httpStatus == 429)
            #expect(error?.retryAfter == .seconds(7))
            #expect(error?.guidance.id == "rate-limited")
            #expect(error?.isRetryable == true)
        }
    }

    @Test func realRateLimitOnInitiateIsReported() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            _ = try await client.initiate(Self.initiation("kiosk7-e-17"))
            var last: VippsError?
            for _ in 0..<3 {
                last = await Self.vippsError { _ = try await client.initiate(Self.initiation("kiosk7-e-17")) }
                if last?.httpStatus == 429 { break }
            }
            #expect(last?.httpStatus == 429)
            #expect(last?.retryAfter != nil)
        }
    }

    @Test(arguments: [
        (500, SimulatorFault.BodyShape.responseInfo, "vipps-internal-error"),
        (500, .ecom, "vipps-internal-error"),
        (502, .empty, "vipps-unavailable"),
        (503, .azure, "vipps-unavailable"),
    ])
    func serverErrorsAreRetryable(status: Int, shape: SimulatorFault.BodyShape, expected: String) async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            _ = try await client.tokens.token()
            await harness.simulator.inject(.status(status, bodyShape: shape, pathPrefix: "/ecomm"))
            let error = await Self.vippsError { _ = try await client.details(orderId: "kiosk7-e-18") }
            #expect(error?.httpStatus == status)
            #expect(error?.guidance.id == expected)
            #expect(error?.isRetryable == true)
            #expect(error?.guidance.tillErrorType == .vippsUnavailable)
        }
    }

    @Test func expiredTokenIsRenewedAndTheCallRetriedOnce() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            let payment = try await client.initiate(Self.initiation("kiosk7-e-19"))
            await harness.simulator.expireAllTokens()
            #expect(try await client.details(orderId: payment.orderId).status == .initiated)
            let tokenRequests = await harness.simulator.requests().filter { $0.path.hasPrefix("/accesstoken") }
            #expect(tokenRequests.count == 2)
        }
    }

    @Test func aTimeoutIsReportedAsSuch() async throws {
        try await SimulatorHarness.run { harness in
            // Long enough for the token under a loaded CI machine; the held answer is far longer.
            let client = harness.makeClient(requestTimeout: .seconds(2))
            // The short timeout is for the held answer; a busy machine may need more than one try for the token.
            for _ in 0..<5 where await client.tokens.validUntil == nil { _ = try? await client.tokens.token() }
            await harness.simulator.inject(.latency(.seconds(30), count: 1, pathPrefix: "/ecomm"))
            let error = await Self.vippsError { _ = try await client.details(orderId: "kiosk7-e-20") }
            #expect(error?.kind == .timeout)
            #expect(error?.guidance.id == "vipps-unreachable")
        }
    }

    /// A capture whose connection dropped: the client never guesses or repeats it by itself. It reports an unknown
    /// outcome (the engine then reads the payment and retries with the same X-Request-Id, within the rate limits),
    /// and the request id in `/details` tells whether Vipps carried it out.
    @Test(arguments: [SimulatorFault.DropPhase.afterApplying, .beforeApplying])
    func aDroppedCaptureIsAnUnknownOutcomeTheLogSettles(phase: SimulatorFault.DropPhase) async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            let orderId = "kiosk7-drop-\(phase.rawValue)"
            let payment = try await client.initiate(Self.initiation(orderId))
            try await harness.simulator.open(orderId: payment.orderId)
            try await harness.simulator.approve(orderId: payment.orderId)
            await harness.simulator.inject(
                .drop(phase, count: 1, method: "POST", pathPrefix: "/ecomm/v2/payments/\(orderId)/capture")
            )
            let error = await Self.vippsError {
                _ = try await client.capture(orderId: payment.orderId, amount: nil, text: "x", requestId: "c-1")
            }
            #expect(error?.outcomeUnknown == true)
            #expect(error?.disposition == .unknown(retryAfter: nil))
            let captures = await harness.simulator.requests().filter { $0.path.hasSuffix("/capture") }
            #expect(captures.count == 1, "the client sends a call that moves money once")
            let details = try await client.details(orderId: payment.orderId)
            #expect(details.hasSucceeded(.capture, requestId: "c-1") == (phase == .afterApplying))
            // The same X-Request-Id again: captured exactly once either way.
            _ = try await client.capture(orderId: payment.orderId, amount: nil, text: "x", requestId: "c-1")
            #expect(try #require(await harness.simulator.payment(orderId: payment.orderId)).successfulCaptures == 1)
        }
    }
}
