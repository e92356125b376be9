import ControlAPI
import Foundation
import NIOHTTP1
import PaymentCore
import Synchronization
import TestSupport
import Testing
import VippsSimulator

/// Captures, refunds and cancels that fail in the middle, as a till meets them: every answer the till gets is the
/// truth about money, judged by what the till asked for and was told, and by what Vipps holds.
@Suite(.timeLimit(.minutes(2)))
struct MoneyOperationTests {
    /// Creates `reference`, lets the customer approve, and waits for `state` on the event stream.
    static func approved(
        _ daemon: ControlHarness,
        _ reference: String,
        amount: Int = 12900,
        until state: PaymentState,
        events: inout EventStreamReader
    ) async throws {
        let created = try await daemon.client.create(reference: reference, amount: amount)
        #expect(created.status == 201)
        try await daemon.simulator.open(orderId: daemon.orderId(reference))
        try await daemon.simulator.approve(orderId: daemon.orderId(reference))
        _ = try await events.payments(until: { $0.reference == reference && $0.state == state })
    }

    static func path(_ reference: String, _ action: String) -> String {
        "/v1/payments/\(reference)/\(action)"
    }

    /// The cashier presses "refund" again and again while Vipps answers 503: one refund of what was asked for.
    @Test func aRefundPressedAgainAfter503sWithTheSameKeyIsOneRefund() async throws {
        try await ControlHarness.run(settlement: .auto) { daemon in
            var events = try await daemon.client.events()
            try await Self.approved(daemon, "refund-503", until: .captured, events: &events)
            await daemon.simulator.inject(
                .status(503, count: 3, method: "POST", pathPrefix: "/ecomm/v2/payments/kiosk7-refund-503/refund")
            )
            let first = try await daemon.client.post(
                Self.path("refund-503", "refund"),
                #"{"amount": 3000}"#,
                idempotencyKey: "press-1"
            )
            #expect(first.status == 202, "\(first.text)")
            let operation = try first.operation()
            #expect(operation.state == .pending)
            #expect(operation.amount == 3000)
            #expect(first.headers.first(name: "Location") == "/v1/payments/refund-503")

            let again = try await daemon.client.post(
                Self.path("refund-503", "refund"),
                #"{"amount": 3000}"#,
                idempotencyKey: "press-1"
            )
            #expect([200, 202].contains(again.status))
            #expect(try again.operation().id == operation.id)

            let settled = try await events.payments(until: { payment in
                payment.reference == "refund-503"
                    && payment.operations.contains { $0.id == operation.id && $0.state == .succeeded }
            })
            #expect(settled.last?.payment.refundedAmount == 3000)
            let third = try await daemon.client.post(
                Self.path("refund-503", "refund"),
                #"{"amount": 3000}"#,
                idempotencyKey: "press-1"
            )
            #expect(third.status == 200)
            #expect(try third.operation().state == .succeeded)
            let truth = try #require(await daemon.simulator.payment(orderId: daemon.orderId("refund-503")))
            #expect(truth.refundedAmount == 3000)
            #expect(truth.successfulRefunds == 1)
            let attempts = await daemon.simulator.requests().filter { $0.path.hasSuffix("/refund") }
            #expect(Set(attempts.compactMap(\.requestId)) == [operation.vippsRequestId])
        }
    }

    /// Without an `Idempotency-Key`, a second refund while the first is pending is refused with the pending one.
    @Test func withoutAKeyASecondRefundWhileOneIsPendingIsRefused() async throws {
        try await ControlHarness.run(settlement: .auto) { daemon in
            var events = try await daemon.client.events()
            try await Self.approved(daemon, "refund-twice", until: .captured, events: &events)
            await daemon.simulator.inject(
                .status(503, count: 1000, method: "POST", pathPrefix: "/ecomm/v2/payments/kiosk7-refund-twice/refund")
            )
            let first = try await daemon.client.post(Self.path("refund-twice", "refund"), #"{"amount": 3000}"#)
            #expect(first.status == 202)
            let pending = try first.operation()
            let second = try await daemon.client.post(Self.path("refund-twice", "refund"), #"{"amount": 3000}"#)
            #expect(second.status == 409)
            let problem = try second.problem()
            #expect(problem.slug == "operation-pending")
            #expect(problem.operation?.id == pending.id)

            await daemon.simulator.clearFaults()
            _ = try await events.payments(until: { payment in
                payment.operations.contains { $0.id == pending.id && $0.state == .succeeded }
            })
            let truth = try #require(await daemon.simulator.payment(orderId: daemon.orderId("refund-twice")))
            #expect(truth.refundedAmount == 3000)
            #expect(truth.successfulRefunds == 1)
            #expect(VippsRateLimits.violations(await daemon.simulator.requests()).isEmpty)
        }
    }

    /// A till told "failed" can rely on no money moving for it, then or later, and asking again with the same key
    /// gets the same failure without a second call.
    @Test func aRefusedRefundIsFailedForGoodAndNeverSentAgain() async throws {
        try await ControlHarness.run(settlement: .auto) { daemon in
            var events = try await daemon.client.events()
            try await Self.approved(daemon, "refund-no", until: .captured, events: &events)
            await daemon.simulator.inject(
                .vippsError(
                    status: 400,
                    group: "Payment",
                    code: "71",
                    message: "Cannot refund more than captured amount",
                    method: "POST",
                    pathPrefix: "/ecomm/v2/payments/kiosk7-refund-no/refund"
                )
            )
            let refused = try await daemon.client.post(
                Self.path("refund-no", "refund"),
                #"{"amount": 1000}"#,
                idempotencyKey: "no-1"
            )
            #expect(refused.status == 502, "\(refused.text)")
            let problem = try refused.problem()
            #expect(problem.operation?.state == .failed)
            let again = try await daemon.client.post(
                Self.path("refund-no", "refund"),
                #"{"amount": 1000}"#,
                idempotencyKey: "no-1"
            )
            #expect(again.status == 502)
            #expect(try again.problem().operation?.id == problem.operation?.id)
            let stored = try await daemon.client.get("/v1/payments/refund-no").payment()
            #expect(stored.operations.first { $0.kind == .refund }?.state == .failed)
            #expect(stored.refundedAmount == 0)
            let attempts = await daemon.simulator.requests().filter { $0.path.hasSuffix("/refund") }
            #expect(attempts.count == 1)
            #expect(
                try #require(await daemon.simulator.payment(orderId: daemon.orderId("refund-no"))).refundedAmount == 0
            )

            let other = try await daemon.client.post(
                Self.path("refund-no", "refund"),
                #"{"amount": 2000}"#,
                idempotencyKey: "no-1"
            )
            #expect(other.status == 409)
            #expect(try other.problem().slug == "idempotency-conflict")
        }
    }

    /// The capture is lost in an outage, the cashier cancels and the customer pays cash: when Vipps is back, the
    /// reservation is released and the capture is never sent.
    @Test func aCaptureLostInAnOutageThenCancelledNeverCharges() async throws {
        try await ControlHarness.run(settlement: .till) { daemon in
            var events = try await daemon.client.events()
            try await Self.approved(daemon, "outage-cancel", until: .authorized, events: &events)
            // Long enough that a loaded machine still sends both requests inside the outage.
            await daemon.simulator.inject(.unreachable(for: .seconds(6)))
            let capture = try await daemon.client.post(Self.path("outage-cancel", "capture"))
            #expect(capture.status == 202, "\(capture.text)")
            let captureOperation = try capture.operation()
            let cancel = try await daemon.client.post(Self.path("outage-cancel", "cancel"))
            #expect(cancel.status == 202, "\(cancel.text)")
            #expect(try cancel.operation().kind == .cancel)

            let ended = try await events.payments(until: { $0.reference == "outage-cancel" && $0.final })
            let payment = try #require(ended.last?.payment)
            #expect(payment.state == .voided)
            #expect(payment.capturedAmount == 0)
            let dropped = try #require(payment.operations.first { $0.id == captureOperation.id })
            #expect(dropped.state == .failed)
            #expect(dropped.error?.code == "superseded-by-cancel")
            #expect(payment.operations.first { $0.kind == .cancel }?.state == .succeeded)
            let truth = try #require(await daemon.simulator.payment(orderId: daemon.orderId("outage-cancel")))
            #expect(truth.capturedAmount == 0)
            #expect(truth.successfulCaptures == 0)
            #expect(truth.state == .voided)
            #expect(VippsRateLimits.violations(await daemon.simulator.requests()).isEmpty)
        }
    }

    /// A capture Vipps carried out although its answer was lost is reported as such when the till cancels: the
    /// cancel is refused (captured in full), and the customer was charged once, as the till asked.
    @Test func aCaptureVippsAppliedBeforeTheCancelIsReportedAsCaptured() async throws {
        try await ControlHarness.run(settlement: .till) { daemon in
            var events = try await daemon.client.events()
            try await Self.approved(daemon, "applied-cancel", until: .authorized, events: &events)
            await daemon.simulator.inject(
                .drop(.afterApplying, method: "POST", pathPrefix: "/ecomm/v2/payments/kiosk7-applied-cancel/capture")
            )
            let capture = try await daemon.client.post(Self.path("applied-cancel", "capture"))
            #expect(capture.status == 202, "\(capture.text)")
            let cancel = try await daemon.client.post(Self.path("applied-cancel", "cancel"))
            #expect(cancel.status == 409, "\(cancel.text)")
            let problem = try cancel.problem()
            #expect(problem.slug == "invalid-state")
            #expect(problem.payment?.state == .captured)
            let stored = try await daemon.client.get("/v1/payments/applied-cancel").payment()
            #expect(stored.capturedAmount == 12900)
            #expect(stored.operations.first { $0.kind == .capture }?.state == .succeeded)
            let truth = try #require(await daemon.simulator.payment(orderId: daemon.orderId("applied-cancel")))
            #expect(truth.successfulCaptures == 1)
            #expect(truth.capturedAmount == 12900)
        }
    }

    /// The regression behind soak seed 544789 (`no-leaked-pollers`): a cancel whose answer was lost after Vipps
    /// carried it out used to stay pending after the read-back showed the payment voided, so the daemon sent it again
    /// and kept polling a finished payment. Now the read-back settles the operation, and once the payment is final
    /// Vipps hears nothing more about it.
    @Test func aCancelWhoseAnswerWasLostIsSettledByTheReadBackAndNeverSentAgain() async throws {
        try await ControlHarness.run(settlement: .till) { daemon in
            var events = try await daemon.client.events()
            try await Self.approved(daemon, "lost-cancel", until: .authorized, events: &events)
            await daemon.simulator.inject(
                .drop(.afterApplying, method: "PUT", pathPrefix: "/ecomm/v2/payments/kiosk7-lost-cancel/cancel")
            )
            let cancel = try await daemon.client.post(Self.path("lost-cancel", "cancel"))
            #expect(cancel.status == 202, "\(cancel.text)")
            let ended = try await events.payments(until: { $0.reference == "lost-cancel" && $0.final })
            let payment = try #require(ended.last?.payment)
            #expect(payment.state == .voided)
            #expect(payment.operations.map(\.state) == [.succeeded])
            let quietFrom = (await daemon.simulator.requests().map(\.sequence).max() ?? 0) + 1

            // Another payment waits for its customer for several poll intervals; the finished one is left alone.
            #expect(try await daemon.client.create(reference: "after-lost-cancel", amount: 5000).status == 201)
            _ = try await daemon.simulator.waitForRequests(
                count: 5,
                matching: { $0.sequence >= quietFrom && $0.path.hasSuffix("kiosk7-after-lost-cancel/details") }
            )
            let strays = await daemon.simulator.requests().filter {
                $0.sequence >= quietFrom && $0.orderId == daemon.orderId("lost-cancel")
            }
            #expect(strays.isEmpty, "\(strays.map { "\($0.method) \($0.path)" })")
            let cancels = await daemon.simulator.requests().filter { $0.path.hasSuffix("/cancel") }
            #expect(cancels.count == 1)
        }
    }

    /// Captured 40.00 of 129.00: the payment is unsettled until the till releases the rest with a cancel.
    @Test func cancelAfterAPartialCaptureReleasesTheRest() async throws {
        try await ControlHarness.run(settlement: .till) { daemon in
            var events = try await daemon.client.events()
            try await Self.approved(daemon, "partial-release", until: .authorized, events: &events)
            let part = try await daemon.client.post(Self.path("partial-release", "capture"), #"{"amount": 4000}"#)
            #expect(part.status == 200)
            #expect(try part.payment().reservedAmount == 8900)
            let unsettled = try await daemon.client.get("/v1/payments?unsettled=true")
            #expect(unsettled.text.contains("partial-release"))

            let cancel = try await daemon.client.post(Self.path("partial-release", "cancel"))
            #expect(cancel.status == 200, "\(cancel.text)")
            let payment = try cancel.payment()
            #expect(payment.state == .captured)
            #expect(payment.capturedAmount == 4000)
            #expect(payment.reservedAmount == 0)
            #expect(try cancel.operation().state == .succeeded)
            let after = try await daemon.client.get("/v1/payments?unsettled=true")
            #expect(!after.text.contains("partial-release"))
            let truth = try #require(await daemon.simulator.payment(orderId: daemon.orderId("partial-release")))
            #expect(truth.capturedAmount == 4000)
            #expect(truth.capturedAmount + (truth.log.first { $0.operation == .void }?.amount ?? 0) == 12900)
        }
    }

    /// A second capture while the first is pending is refused; it never reuses the first one's amount, and once the
    /// first is done the second captures exactly what it asked for.
    @Test func aSecondCaptureWithAnotherAmountWaitsForTheFirst() async throws {
        try await ControlHarness.run(settlement: .till) { daemon in
            var events = try await daemon.client.events()
            try await Self.approved(daemon, "two-captures", until: .authorized, events: &events)
            await daemon.simulator.inject(
                .status(503, count: 2, method: "POST", pathPrefix: "/ecomm/v2/payments/kiosk7-two-captures/capture")
            )
            let first = try await daemon.client.post(Self.path("two-captures", "capture"), #"{"amount": 4000}"#)
            #expect(first.status == 202)
            let firstOperation = try first.operation()
            let second = try await daemon.client.post(Self.path("two-captures", "capture"), #"{"amount": 5000}"#)
            #expect(second.status == 409)
            #expect(try second.problem().slug == "operation-pending")
            _ = try await events.payments(until: { payment in
                payment.operations.contains { $0.id == firstOperation.id && $0.state == .succeeded }
            })
            #expect(try await daemon.client.get("/v1/payments/two-captures").payment().capturedAmount == 4000)
            let next = try await daemon.client.post(Self.path("two-captures", "capture"), #"{"amount": 5000}"#)
            #expect(next.status == 200)
            #expect(try next.payment().capturedAmount == 9000)
            #expect(try next.operation().amount == 5000)
            let tooMuch = try await daemon.client.post(Self.path("two-captures", "capture"), #"{"amount": 5000}"#)
            #expect(tooMuch.status == 409)
            #expect(try tooMuch.problem().code == "amount-above-capturable")
            let truth = try #require(await daemon.simulator.payment(orderId: daemon.orderId("two-captures")))
            #expect(truth.capturedAmount == 9000)
            #expect(truth.successfulCaptures == 2)
        }
    }

    /// Refunding more than was captured is refused locally, saying how much can still be refunded.
    @Test func aRefundAboveWhatIsRefundableIsRefusedLocally() async throws {
        try await ControlHarness.run(settlement: .auto) { daemon in
            var events = try await daemon.client.events()
            try await Self.approved(daemon, "refund-above", amount: 10000, until: .captured, events: &events)
            let part = try await daemon.client.post(Self.path("refund-above", "refund"), #"{"amount": 7000}"#)
            #expect(part.status == 200)
            let above = try await daemon.client.post(Self.path("refund-above", "refund"), #"{"amount": 3001}"#)
            #expect(above.status == 409)
            let problem = try above.problem()
            #expect(problem.code == "amount-above-refundable")
            #expect(problem.detail.contains("3000 øre"))
            #expect(await daemon.simulator.requests().filter { $0.path.hasSuffix("/refund") }.count == 1)
        }
    }

    /// Five minutes on Vipps' clock do not make a till's cancel or a customer's decline an expiry.
    @Test func aCancelAndADeclineAfterFiveMinutesKeepTheirNames() async throws {
        try await ControlHarness.run(settlement: .till) { daemon in
            var events = try await daemon.client.events()
            _ = try await daemon.client.create(reference: "late-cancel", amount: 12900)
            await daemon.simulator.advanceClock(by: .seconds(200))
            try await daemon.simulator.open(orderId: daemon.orderId("late-cancel"))
            await daemon.simulator.advanceClock(by: .seconds(120))
            let cancelled = try await daemon.client.post(Self.path("late-cancel", "cancel"))
            #expect(cancelled.status == 200)
            #expect(try cancelled.payment().state == .cancelled)

            _ = try await daemon.client.create(reference: "late-decline", amount: 12900)
            await daemon.simulator.advanceClock(by: .seconds(200))
            try await daemon.simulator.open(orderId: daemon.orderId("late-decline"))
            await daemon.simulator.advanceClock(by: .seconds(120))
            try await daemon.simulator.decline(orderId: daemon.orderId("late-decline"))
            let ended = try await events.payments(until: { $0.reference == "late-decline" && $0.final })
            #expect(ended.last?.payment.state == .rejected)
            #expect(ended.last?.payment.error?.code == "customer-declined")
        }
    }

    /// Vipps asks qrpayd to wait before creating a payment: nothing else waits with it. The till's health check,
    /// reads and another payment's capture are answered while the creation is still held back.
    @Test func aRetryAfterOnInitiateHoldsUpNothingElse() async throws {
        try await ControlHarness.run(settlement: .till) { daemon in
            var events = try await daemon.client.events()
            try await Self.approved(daemon, "held-first", until: .authorized, events: &events)
            await daemon.simulator.inject(
                .status(429, retryAfter: 10, count: 1, method: "POST", pathPrefix: "/ecomm/v2/payments")
            )
            let done = Mutex(false)
            let creation = Task {
                let answer = try await daemon.client.create(reference: "held-second", amount: 5000)
                done.withLock { $0 = true }
                return answer
            }
            _ = try await daemon.simulator.waitForRequest(matching: { $0.status == 429 })
            let health = try await daemon.client.get("/v1/health")
            #expect(health.status == 200)
            let read = try await daemon.client.get("/v1/payments/held-first")
            #expect(read.status == 200)
            let capture = try await daemon.client.post(Self.path("held-first", "capture"))
            #expect(capture.status == 200)
            #expect(done.withLock { $0 } == false, "the creation should still be waiting for Retry-After")

            let created = try await creation.value
            #expect(created.status == 201)
            #expect(try created.payment().state == .awaitingScan)
            let initiates = await daemon.simulator.requests().filter {
                $0.method == "POST" && $0.path == "/ecomm/v2/payments"
            }
            // The first payment's initiate, the one Vipps answered 429, and the one after Retry-After.
            #expect(initiates.count == 3)
            #expect(VippsRateLimits.violations(await daemon.simulator.requests()).isEmpty)
        }
    }

    /// A `Retry-After` longer than the till can wait ends the payment `failed` at once: nothing was created.
    @Test func aLongRetryAfterOnInitiateFailsThePaymentAtOnce() async throws {
        try await ControlHarness.run(settlement: .till) { daemon in
            await daemon.simulator.inject(
                .status(429, retryAfter: 120, count: 1, method: "POST", pathPrefix: "/ecomm/v2/payments")
            )
            let created = try await daemon.client.create(reference: "held-long", amount: 5000)
            #expect(created.status == 201)
            let payment = try created.payment()
            #expect(payment.state == .failed)
            #expect(payment.error?.type == "urn:qrpayd:error:vipps-unavailable")
            #expect(await daemon.simulator.payment(orderId: daemon.orderId("held-long")) == nil)
        }
    }
}
