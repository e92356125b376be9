import Foundation
import PaymentCore
import QRRendering
import TestSupport
import Testing
import VippsSimulator

/// Whole payments through the engine, the simulator on loopback and a real SQLite store.
@Suite(.timeLimit(.minutes(1)))
struct PaymentFlowTests {
    static func request(_ reference: String, amount: Int = 12900) -> PaymentRequest {
        PaymentRequest(reference: reference, amount: amount, text: "Kaffe og bolle")
    }

    @Test func autoSettlementHappyPath() async throws {
        try await EngineHarness.run { h in
            var events = await h.events()
            let (payment, created) = try await h.engine.create(Self.request("flow-1"))
            #expect(created)
            #expect(payment.state == .awaitingScan)
            #expect(payment.orderId == "kiosk7-flow-1")
            let qrText = try #require(payment.qrText)
            #expect(qrText.hasPrefix("https://qr.vipps.no/"))

            // The PNG the customer sees decodes to exactly the QR text.
            let png = try #require(await h.engine.qrImage(reference: "flow-1"))
            let file = h.directory.file("qr.png")
            try Data(png).write(to: file)
            let decoded = try await decodeQRCodes(pngAt: file)
            #expect(decoded == [qrText])

            try await h.simulator.open(orderId: payment.orderId)
            #expect(await events.next("flow-1", .scanned) != nil)
            try await h.simulator.approve(orderId: payment.orderId)
            let captured = try #require(await events.next("flow-1", .captured))
            #expect(captured.capturedAmount == 12900)
            #expect(captured.final)
            #expect(events.states(of: "flow-1") == [.initiating, .awaitingScan, .scanned, .authorized, .captured])
            #expect(try await h.engine.payment(reference: "flow-1").state == .captured)
            let truth = try #require(await h.simulator.payment(orderId: payment.orderId))
            #expect(truth.capturedAmount == 12900)
            #expect(truth.successfulCaptures == 1)
        }
    }

    @Test func tillSettlementStopsAtAuthorizedAndCapturesOnRequest() async throws {
        try await EngineHarness.run(engine: .testing { $0.settlement = .till }) { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("till-1", amount: 10000))
            try await h.simulator.open(orderId: payment.orderId)
            try await h.simulator.approve(orderId: payment.orderId)
            let authorized = try #require(await events.next("till-1", .authorized))
            #expect(!authorized.final)
            #expect(try await h.engine.unsettledPayments().map(\.reference) == ["till-1"])

            let partial = try await h.engine.capture(reference: "till-1", amount: 4000).payment
            #expect(partial.state == .captured)
            #expect(partial.capturedAmount == 4000)
            let full = try await h.engine.capture(reference: "till-1", amount: nil).payment
            #expect(full.capturedAmount == 10000)
            #expect(try await h.engine.unsettledPayments().isEmpty)

            let refunded = try await h.engine.refund(reference: "till-1", amount: 2500).payment
            #expect(refunded.refundedAmount == 2500)
            let all = try await h.engine.refund(reference: "till-1", amount: 7500).payment
            #expect(all.refundedAmount == 10000)
            let tooMuch = await #expect(throws: PaymentProblem.self) {
                try await h.engine.refund(reference: "till-1", amount: 100)
            }
            // qrpayd knows nothing is left to refund: refused locally, nothing sent to Vipps.
            #expect(tooMuch?.slug == .invalidState)
            #expect(tooMuch?.code == "amount-above-refundable")
            let truth = try #require(await h.simulator.payment(orderId: payment.orderId))
            #expect(truth.capturedAmount == 10000 && truth.refundedAmount == 10000)
        }
    }

    @Test func captureAboveTheReservationIsRefusedLocally() async throws {
        try await EngineHarness.run(engine: .testing { $0.settlement = .till }) { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("till-2", amount: 10000))
            try await h.simulator.open(orderId: payment.orderId)
            try await h.simulator.approve(orderId: payment.orderId)
            _ = await events.next("till-2", .authorized)
            let problem = await #expect(throws: PaymentProblem.self) {
                try await h.engine.capture(reference: "till-2", amount: 10001)
            }
            #expect(problem?.code == "amount-above-capturable")
            #expect(problem?.detail.contains("10000 øre") == true)
            #expect(try await h.engine.payment(reference: "till-2").state == .authorized)
            #expect(await h.simulator.requests().filter { $0.path.hasSuffix("/capture") }.isEmpty)
        }
    }

    @Test func customerDeclines() async throws {
        try await EngineHarness.run { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("decline-1"))
            try await h.simulator.open(orderId: payment.orderId)
            try await h.simulator.decline(orderId: payment.orderId)
            let rejected = try #require(await events.next("decline-1", .rejected))
            #expect(rejected.error?.code == "customer-declined")
            #expect(rejected.capturedAmount == 0)
        }
    }

    @Test func declinedCardThenAnotherCardSucceeds() async throws {
        try await EngineHarness.run { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("card-1"))
            try await h.simulator.open(orderId: payment.orderId)
            _ = await events.next("card-1", .scanned)
            try await h.simulator.cardDecline(orderId: payment.orderId)
            try await h.simulator.approve(orderId: payment.orderId)
            let captured = try #require(await events.next("card-1", .captured))
            #expect(captured.capturedAmount == 12900)
            #expect(!events.states(of: "card-1").contains(.rejected))
        }
    }

    /// Unopened, Vipps ends it after 5 minutes. Opened, eCom's CANCEL looks the same for a timeout as for a decline,
    /// so an expiry is told by time: here the customer opened it at once and Vipps' 10-minute limit ran out (the
    /// simulator's clock moves Vipps' time only; qrpayd's own clock, which tells 5 minutes after a scan, does not).
    @Test(arguments: [false, true])
    func paymentExpiresWhenVippsSaysSo(opened: Bool) async throws {
        var simulator = VippsSimulatorConfiguration.demo
        simulator.approveTimeout = .seconds(600)
        try await EngineHarness.run(simulator: simulator) { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("expire-1"))
            if opened {
                try await h.simulator.open(orderId: payment.orderId)
                _ = await events.next("expire-1", .scanned)
            }
            await h.simulator.advanceClock(by: .seconds(opened ? 601 : 301))
            let expired = try #require(await events.next("expire-1", .expired))
            #expect(expired.error?.code == "timed-out")
        }
    }

    /// Vipps may show nothing at all for an abandoned payment; qrpayd's own limit then cancels and reads back.
    @Test func qrpaydsOwnDeadlineCancelsAndReadsBack() async throws {
        var simulator = VippsSimulatorConfiguration.demo
        simulator.expiryShape = .initiateOnly
        let engine = EngineConfiguration.testing {
            $0.paymentLifetime = .milliseconds(300)
            $0.expiryMargin = .zero
        }
        try await EngineHarness.run(engine: engine, simulator: simulator) { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("deadline-1"))
            let expired = try #require(await events.next("deadline-1", .expired))
            #expect(expired.final)
            let truth = try #require(await h.simulator.payment(orderId: payment.orderId))
            #expect(truth.successfulCancels == 1)
        }
    }

    @Test(arguments: [false, true])
    func tillCancelsBeforeApproval(afterScan: Bool) async throws {
        try await EngineHarness.run { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("cancel-1"))
            if afterScan {
                try await h.simulator.open(orderId: payment.orderId)
                _ = await events.next("cancel-1", .scanned)
            }
            let cancelled = try await h.engine.cancel(reference: "cancel-1").payment
            #expect(cancelled.state == .cancelled)
            #expect(cancelled.final)
            // Cancelling again answers the same, and changes nothing at Vipps.
            #expect(try await h.engine.cancel(reference: "cancel-1").payment.state == .cancelled)
            #expect(try #require(await h.simulator.payment(orderId: payment.orderId)).successfulCancels == 1)
        }
    }

    /// The customer approves in the same moment the till cancels: the money must be released, never kept.
    @Test func cancelRacingApprovalEndsVoided() async throws {
        try await EngineHarness.run(
            engine: .testing {
                $0.settlement = .till
                $0.pollInterval = .seconds(30)
            }
        ) { h in
            let (payment, _) = try await h.engine.create(Self.request("race-1"))
            try await h.simulator.open(orderId: payment.orderId)
            // Approved at Vipps, but the engine has not polled yet (30 s interval): it still thinks awaiting-scan.
            try await h.simulator.approve(orderId: payment.orderId)
            let result = try await h.engine.cancel(reference: "race-1").payment
            #expect(result.state == .voided)
            let truth = try #require(await h.simulator.payment(orderId: payment.orderId))
            #expect(truth.capturedAmount == 0)
            #expect(truth.state == .voided)
        }
    }

    @Test func cancellingACapturedPaymentIsRefused() async throws {
        try await EngineHarness.run { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("cap-cancel-1"))
            try await h.simulator.open(orderId: payment.orderId)
            try await h.simulator.approve(orderId: payment.orderId)
            _ = await events.next("cap-cancel-1", .captured)
            let problem = await #expect(throws: PaymentProblem.self) {
                try await h.engine.cancel(reference: "cap-cancel-1")
            }
            #expect(problem?.slug == .invalidState)
        }
    }
}
