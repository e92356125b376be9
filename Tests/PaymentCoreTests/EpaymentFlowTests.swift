import Foundation
import PaymentCore
import QRRendering
import TestSupport
import Testing
import VippsAPI
import VippsSimulator

/// Whole payments with `vipps.api = epayment`: the engine, the simulator's ePayment API on loopback and a real SQLite
/// store, judged by the same rules as eCom (money moves once, a till's cancel means nobody is charged).
@Suite(.timeLimit(.minutes(1)))
struct EpaymentFlowTests {
    static func request(_ reference: String, amount: Int = 12900) -> PaymentRequest {
        PaymentRequest(reference: reference, amount: amount, text: "Kaffe og bolle")
    }

    static func epayment(_ changes: @escaping (inout EngineConfiguration) -> Void = { _ in }) -> EngineConfiguration {
        .testing {
            $0.api = .epayment
            changes(&$0)
        }
    }

    @Test(arguments: [Settlement.auto, .till])
    func happyPathDrawsRedirectUrlAsTheQRCode(settlement: Settlement) async throws {
        try await EngineHarness.run(engine: Self.epayment { $0.settlement = settlement }) { h in
            var events = await h.events()
            let (payment, created) = try await h.engine.create(Self.request("ep-1"))
            #expect(created)
            #expect(payment.state == .awaitingScan)
            #expect(payment.api == .epayment)
            let qrText = try #require(payment.qrText)
            let truth = try #require(await h.simulator.payment(orderId: payment.orderId))
            #expect(truth.api == .epayment)
            // The QR code is the create answer's redirectUrl, drawn locally: no QR API call.
            #expect(qrText == truth.url)
            let png = try #require(await h.engine.qrImage(reference: "ep-1"))
            let file = h.directory.file("qr.png")
            try Data(png).write(to: file)
            let decoded = try await decodeQRCodes(pngAt: file)
            #expect(decoded == [qrText])

            // ePayment has no "opened" signal: the screen keeps the QR code until the approval.
            try await h.simulator.open(orderId: payment.orderId)
            try await h.simulator.approve(orderId: payment.orderId)
            let authorized = try #require(await events.next("ep-1", .authorized))
            #expect(authorized.reservedAmount == 12900)
            if settlement == .till {
                _ = try await h.engine.capture(reference: "ep-1", amount: nil)
            }
            let captured = try #require(await events.next("ep-1", .captured))
            #expect(captured.capturedAmount == 12900)
            #expect(!events.states(of: "ep-1").contains(.scanned))
            let after = try #require(await h.simulator.payment(orderId: payment.orderId))
            #expect(after.successfulCaptures == 1)
            let requests = await h.simulator.requests()
            #expect(!requests.contains { $0.path.hasPrefix("/qr/") || $0.path.hasPrefix("/ecomm/") })
            let changing = requests.filter { $0.method == "POST" && $0.path.hasPrefix("/epayment/") }
            #expect(!changing.isEmpty)
            #expect(changing.allSatisfy { $0.has(header: "Idempotency-Key") })
        }
    }

    @Test func partialCaptureReleaseAndRefunds() async throws {
        try await EngineHarness.run(engine: Self.epayment { $0.settlement = .till }) { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("ep-part", amount: 10000))
            try await h.simulator.approve(orderId: payment.orderId)
            _ = await events.next("ep-part", .authorized)
            let partial = try await h.engine.capture(reference: "ep-part", amount: 4000).payment
            #expect(partial.capturedAmount == 4000)
            #expect(partial.reservedAmount == 6000)
            let released = try await h.engine.cancel(reference: "ep-part").payment
            #expect(released.reservedAmount == 0)
            #expect(released.capturedAmount == 4000)
            #expect(!released.isUnsettled)
            let refunded = try await h.engine.refund(reference: "ep-part", amount: 2500).payment
            #expect(refunded.refundedAmount == 2500)
            let problem = await #expect(throws: PaymentProblem.self) {
                try await h.engine.refund(reference: "ep-part", amount: 1501)
            }
            #expect(problem?.code == "amount-above-refundable")
            let truth = try #require(await h.simulator.payment(orderId: payment.orderId))
            #expect(truth.capturedAmount == 4000 && truth.refundedAmount == 2500)
            #expect(truth.state == .voided)
        }
    }

    @Test func customerDeclinesIsRejected() async throws {
        try await EngineHarness.run(engine: Self.epayment()) { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("ep-decline"))
            try await h.simulator.decline(orderId: payment.orderId)
            let rejected = try #require(await events.next("ep-decline", .rejected))
            #expect(rejected.error?.code == "customer-declined")
        }
    }

    /// ePayment says EXPIRED: no guessing from timestamps as with eCom's CANCEL.
    @Test(arguments: [false, true])
    func expiredIsExpired(opened: Bool) async throws {
        try await EngineHarness.run(engine: Self.epayment()) { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("ep-expire"))
            if opened { try await h.simulator.open(orderId: payment.orderId) }
            try await h.simulator.expire(orderId: payment.orderId)
            let expired = try #require(await events.next("ep-expire", .expired))
            #expect(expired.error?.code == "timed-out")
        }
    }

    @Test func tillCancelsBeforeTheCustomerOpens() async throws {
        try await EngineHarness.run(engine: Self.epayment()) { h in
            let (payment, _) = try await h.engine.create(Self.request("ep-cancel"))
            let cancelled = try await h.engine.cancel(reference: "ep-cancel").payment
            #expect(cancelled.state == .cancelled)
            #expect(try await h.engine.cancel(reference: "ep-cancel").payment.state == .cancelled)
            #expect(try #require(await h.simulator.payment(orderId: payment.orderId)).successfulCancels == 1)
        }
    }

    /// While the customer is approving, ePayment answers "Cannot cancel pending": the till's cancel stays pending and
    /// is carried out as soon as it can be. Here the customer approves anyway: the reservation is voided.
    @Test func cancelWhileTheCustomerIsApprovingEndsVoided() async throws {
        try await EngineHarness.run(engine: Self.epayment { $0.settlement = .till }) { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("ep-pending"))
            try await h.simulator.open(orderId: payment.orderId)
            let answer = try await h.engine.cancel(reference: "ep-pending")
            #expect(answer.operation?.state == .pending)
            #expect(answer.payment.state == .awaitingScan)
            _ = try await h.simulator.waitForRequests(count: 2) {
                $0.path.hasSuffix("/cancel") && $0.status == 409
            }
            // Vipps answered each time: it is reachable, and the screen does not say otherwise.
            #expect(await h.engine.vippsHealth().reachable)
            try await h.simulator.approve(orderId: payment.orderId)
            let voided = try #require(await events.next("ep-pending", .voided))
            #expect(voided.operations.allSatisfy { !$0.isPending })
            let truth = try #require(await h.simulator.payment(orderId: payment.orderId))
            #expect(truth.capturedAmount == 0)
            #expect(truth.state == .voided)
        }
    }

    /// The customer approves in the same moment the till cancels: the money is released, never kept.
    @Test func cancelRacingApprovalEndsVoided() async throws {
        try await EngineHarness.run(
            engine: Self.epayment {
                $0.settlement = .till
                $0.pollInterval = .seconds(30)
            }
        ) { h in
            let (payment, _) = try await h.engine.create(Self.request("ep-race"))
            try await h.simulator.approve(orderId: payment.orderId)
            let result = try await h.engine.cancel(reference: "ep-race").payment
            #expect(result.state == .voided)
            let truth = try #require(await h.simulator.payment(orderId: payment.orderId))
            #expect(truth.capturedAmount == 0)
            #expect(truth.state == .voided)
        }
    }

    /// Answers lost after Vipps carried the call out: the retry carries the same Idempotency-Key and Vipps answers
    /// it with the first answer, so the payment is created once and captured once.
    @Test func lostAnswersAreReplayedByIdempotencyKey() async throws {
        try await EngineHarness.run(engine: Self.epayment()) { h in
            var events = await h.events()
            await h.simulator.inject(
                .drop(
                    .afterApplying,
                    count: 1,
                    method: "POST",
                    pathPrefix: "/epayment/v1/payments/kiosk7-ep-lost/capture"
                )
            )
            let (payment, _) = try await h.engine.create(Self.request("ep-lost"))
            try await h.simulator.approve(orderId: payment.orderId)
            let captured = try #require(await events.next("ep-lost", .captured))
            #expect(captured.capturedAmount == 12900)
            let truth = try #require(await h.simulator.payment(orderId: payment.orderId))
            #expect(truth.successfulCaptures == 1)
            #expect(truth.capturedAmount == 12900)
            let captures = await h.simulator.requests().filter { $0.path.hasSuffix("/capture") }
            #expect(Set(captures.compactMap(\.requestId)).count == 1)
        }
    }

    @Test func aCurrencyTravelsToVipps() async throws {
        try await EngineHarness.run(engine: Self.epayment { $0.currency = .dkk }) { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("ep-dkk", amount: 4500))
            #expect(payment.currency == "DKK")
            try await h.simulator.approve(orderId: payment.orderId)
            let captured = try #require(await events.next("ep-dkk", .captured))
            #expect(captured.capturedAmount == 4500)
            #expect(try #require(await h.simulator.payment(orderId: payment.orderId)).currency == "DKK")
        }
    }
}

extension EpaymentFlowTests {
    /// The create answer is lost after Vipps created the payment: the same Idempotency-Key again gets the same
    /// redirectUrl, and the customer sees that one payment's code.
    @Test func lostCreateAnswerIsReplayed() async throws {
        try await EngineHarness.run(engine: Self.epayment()) { h in
            await h.simulator.inject(
                .drop(.afterApplying, count: 1, method: "POST", pathPrefix: "/epayment/v1/payments")
            )
            let (payment, _) = try await h.engine.create(Self.request("ep-lost-create"))
            #expect(payment.state == .awaitingScan)
            let truth = try #require(await h.simulator.payment(orderId: payment.orderId))
            #expect(payment.qrText == truth.url)
            let creates = await h.simulator.requests().filter {
                $0.method == "POST" && $0.path == "/epayment/v1/payments"
            }
            #expect(creates.count == 2)
            #expect(Set(creates.compactMap(\.requestId)).count == 1)
            #expect(await h.simulator.payments().count == 1)
        }
    }
}
