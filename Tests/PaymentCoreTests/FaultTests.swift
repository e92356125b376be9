import Foundation
import PaymentCore
import TestSupport
import Testing
import VippsSimulator

/// Vipps misbehaving mid-payment: the payment still ends right, and qrpayd never breaks Vipps' rate limits.
@Suite(.timeLimit(.minutes(2)))
struct FaultTests {
    static func request(_ reference: String) -> PaymentRequest {
        PaymentRequest(reference: reference, amount: 12900, text: "Kaffe")
    }

    /// Vipps' limits per orderId and minute (VIPPS-FACTS §3.11), checked against everything the simulator received.
    static func expectWithinRateLimits(_ simulator: VippsSimulator, sourceLocation: SourceLocation = #_sourceLocation)
        async
    {
        let violations = VippsRateLimits.violations(await simulator.requests())
        #expect(violations.isEmpty, "\(violations)", sourceLocation: sourceLocation)
    }

    @Test func rateLimitStormIsWaitedOut() async throws {
        try await EngineHarness.run { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("storm-1"))
            await h.simulator.inject(.status(429, retryAfter: 1, count: 5, method: "GET", pathPrefix: "/ecomm"))
            try await h.simulator.open(orderId: payment.orderId)
            try await h.simulator.approve(orderId: payment.orderId)
            #expect(await events.next("storm-1", .captured) != nil)
            let throttled = await h.simulator.requests().filter { $0.status == 429 }
            #expect(throttled.count == 5)
            await Self.expectWithinRateLimits(h.simulator)
        }
    }

    @Test(arguments: [500, 502, 503])
    func serverErrorBurstIsRiddenOut(status: Int) async throws {
        try await EngineHarness.run { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("burst-1"))
            await h.simulator.inject(.status(status, bodyShape: .responseInfo, count: 6, pathPrefix: "/ecomm"))
            try await h.simulator.open(orderId: payment.orderId)
            try await h.simulator.approve(orderId: payment.orderId)
            let captured = try #require(await events.next("burst-1", .captured))
            #expect(captured.capturedAmount == 12900)
            #expect(try #require(await h.simulator.payment(orderId: payment.orderId)).successfulCaptures == 1)
            await Self.expectWithinRateLimits(h.simulator)
        }
    }

    @Test func captureFailingWith5xxIsRetriedWithTheSameRequestId() async throws {
        try await EngineHarness.run { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("capture-5xx-1"))
            await h.simulator.inject(
                .status(503, count: 2, method: "POST", pathPrefix: "/ecomm/v2/payments/kiosk7-capture-5xx-1/capture")
            )
            try await h.simulator.open(orderId: payment.orderId)
            try await h.simulator.approve(orderId: payment.orderId)
            #expect(await events.next("capture-5xx-1", .captured) != nil)
            let captures = await h.simulator.requests().filter { $0.path.hasSuffix("/capture") }
            #expect(captures.count == 3)
            #expect(Set(captures.compactMap(\.requestId)).count == 1)
            #expect(try #require(await h.simulator.payment(orderId: payment.orderId)).successfulCaptures == 1)
        }
    }

    /// Vipps gone for 30 seconds in the middle of a payment: the customer approves meanwhile.
    @Test func vippsUnreachableForThirtySecondsMidPayment() async throws {
        try await EngineHarness.run { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("outage-1"))
            try await h.simulator.open(orderId: payment.orderId)
            _ = await events.next("outage-1", .scanned)
            await h.simulator.inject(.unreachable(for: .seconds(30)))
            try await h.simulator.approve(orderId: payment.orderId)
            let captured = try #require(await events.next("outage-1", .captured))
            #expect(captured.capturedAmount == 12900)
            let health = await h.engine.vippsHealth()
            #expect(health.reachable)
            #expect(try #require(await h.simulator.payment(orderId: payment.orderId)).successfulCaptures == 1)
            await Self.expectWithinRateLimits(h.simulator)
        }
    }

    @Test func tokenExpiryMidPaymentIsInvisible() async throws {
        try await EngineHarness.run { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("token-1"))
            await h.simulator.expireAllTokens()
            try await h.simulator.open(orderId: payment.orderId)
            try await h.simulator.approve(orderId: payment.orderId)
            #expect(await events.next("token-1", .captured) != nil)
            let tokenFetches = await h.simulator.requests().filter { $0.path == "/accesstoken/get" }
            #expect(tokenFetches.count == 2)
        }
    }

    @Test func creationFailsCleanlyWhenVippsIsDown() async throws {
        try await EngineHarness.run(engine: .testing { $0.creationTimeout = .seconds(2) }) { h in
            await h.simulator.inject(.status(503, count: 1000, method: "POST", pathPrefix: "/ecomm/v2/payments"))
            let (payment, created) = try await h.engine.create(Self.request("down-1"))
            #expect(created)
            #expect(payment.state == .failed)
            #expect(payment.error?.type == "urn:qrpayd:error:vipps-unavailable")
            #expect(payment.error?.hint != nil)
            // Nothing was created at Vipps and the terminal is free for the next payment.
            await h.simulator.clearFaults()
            #expect(try await h.engine.create(Self.request("down-2")).payment.state == .awaitingScan)
        }
    }
}
