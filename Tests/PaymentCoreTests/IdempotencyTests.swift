import PaymentCore
import TestSupport
import Testing
import VippsSimulator

@Suite(.timeLimit(.minutes(1)))
struct IdempotencyTests {
    @Test func sameRequestTwiceGivesOneVippsPayment() async throws {
        try await EngineHarness.run { h in
            let first = try await h.engine.create(PaymentRequest(reference: "idem-1", amount: 5000, text: "x"))
            let second = try await h.engine.create(PaymentRequest(reference: "idem-1", amount: 5000, text: "x"))
            #expect(first.created && !second.created)
            #expect(first.payment.orderId == second.payment.orderId)
            #expect(second.payment.qrText == first.payment.qrText)
            #expect(await h.simulator.payments().count == 1)
        }
    }

    @Test func sameReferenceDifferentBodyIsAConflict() async throws {
        try await EngineHarness.run { h in
            _ = try await h.engine.create(PaymentRequest(reference: "idem-2", amount: 5000, text: "x"))
            let problem = await #expect(throws: PaymentProblem.self) {
                try await h.engine.create(PaymentRequest(reference: "idem-2", amount: 5001, text: "x"))
            }
            #expect(problem?.slug == .referenceConflict)
            #expect(problem?.status == 409)
        }
    }

    @Test func secondPaymentWhileOneIsOpenIsRefused() async throws {
        try await EngineHarness.run { h in
            _ = try await h.engine.create(PaymentRequest(reference: "busy-1", amount: 5000, text: nil))
            let problem = await #expect(throws: PaymentProblem.self) {
                try await h.engine.create(PaymentRequest(reference: "busy-2", amount: 5000, text: nil))
            }
            #expect(problem?.slug == .paymentInProgress)
            #expect(problem?.payment?.reference == "busy-1")
            _ = try await h.engine.cancel(reference: "busy-1")
            #expect(try await h.engine.create(PaymentRequest(reference: "busy-2", amount: 5000, text: nil)).created)
        }
    }

    @Test(arguments: [
        (PaymentRequest(reference: "", amount: 5000, text: nil), PaymentProblem.Slug.invalidRequest),
        (PaymentRequest(reference: "bad ref", amount: 5000, text: nil), .invalidRequest),
        (PaymentRequest(reference: String(repeating: "a", count: 41), amount: 5000, text: nil), .invalidRequest),
        (PaymentRequest(reference: "ok-1", amount: 99, text: nil), .invalidRequest),
        (PaymentRequest(reference: "ok-1", amount: 1_000_001, text: nil), .amountTooHigh),
        (PaymentRequest(reference: "ok-1", amount: 5000, text: ""), .invalidRequest),
        (PaymentRequest(reference: "ok-1", amount: 5000, text: String(repeating: "t", count: 101)), .invalidRequest),
        (PaymentRequest(reference: "ok-1", amount: 5000, text: "line\nbreak"), .invalidRequest),
    ])
    func badRequestsChangeNothing(request: PaymentRequest, slug: PaymentProblem.Slug) async throws {
        try await EngineHarness.run { h in
            let problem = await #expect(throws: PaymentProblem.self) { try await h.engine.create(request) }
            #expect(problem?.slug == slug)
            let recent = try await h.engine.recentPayments()
            #expect(recent.isEmpty)
            #expect(await h.simulator.payments().isEmpty)
        }
    }

    @Test func refundsCanBeTurnedOffOrCapped() async throws {
        try await EngineHarness.run(
            engine: .testing {
                $0.refunds = .init(enabled: true, maximumPerRefund: 1000, maximumPerDay: 1500)
            }
        ) { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(
                PaymentRequest(reference: "refund-cap-1", amount: 5000, text: nil)
            )
            try await h.simulator.open(orderId: payment.orderId)
            try await h.simulator.approve(orderId: payment.orderId)
            _ = await events.next("refund-cap-1", .captured)
            let big = await #expect(throws: PaymentProblem.self) {
                try await h.engine.refund(reference: "refund-cap-1", amount: 1001)
            }
            #expect(big?.slug == .refundNotAllowed)
            #expect(big?.status == 403)
            _ = try await h.engine.refund(reference: "refund-cap-1", amount: 1000)
            let daily = await #expect(throws: PaymentProblem.self) {
                try await h.engine.refund(reference: "refund-cap-1", amount: 600)
            }
            #expect(daily?.slug == .refundNotAllowed)
        }
        try await EngineHarness.run(engine: .testing { $0.refunds = .init(enabled: false) }) { h in
            let problem = await #expect(throws: PaymentProblem.self) {
                try await h.engine.refund(reference: "any-1", amount: 100)
            }
            #expect(problem?.slug == .refundNotAllowed)
        }
    }
}
