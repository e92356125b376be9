import ControlAPI
import NIOHTTP1
import PaymentCore
import Testing
import VippsSimulator

/// The reference is the idempotency key: a till that retries after a lost reply never creates a second payment.
@Suite struct IdempotencyTests {
    @Test func theSameRequestAgainAnswers200WithTheSamePaymentAndNoSecondVippsPayment() async throws {
        try await ControlHarness.run { daemon in
            let first = try await daemon.client.create(reference: "till7-000200", amount: 12900, text: "Bolle")
            let again = try await daemon.client.create(reference: "till7-000200", amount: 12900, text: "Bolle")
            #expect(first.status == 201)
            #expect(again.status == 200)
            #expect(again.headers.first(name: "Location") == nil)
            #expect(try again.payment().orderId == first.payment().orderId)
            #expect(try again.payment().createdAt == first.payment().createdAt)
            #expect(await daemon.simulator.payments().count == 1)
        }
    }

    @Test func theSameReferenceWithAnotherBodyIsAReferenceConflict() async throws {
        try await ControlHarness.run { daemon in
            _ = try await daemon.client.create(reference: "till7-000201", amount: 12900)
            let conflict = try await daemon.client.create(reference: "till7-000201", amount: 13900)
            #expect(conflict.status == 409)
            #expect(conflict.headers.first(name: "Content-Type") == "application/problem+json")
            let problem = try conflict.problem()
            #expect(problem.type == "urn:qrpayd:error:reference-conflict")
            #expect(problem.status == 409)
            #expect(problem.payment?.amount == 12900)
            #expect(await daemon.simulator.payments().count == 1)
        }
    }

    @Test func aSecondPaymentWhileOneIsWithTheCustomerIsRefused() async throws {
        try await ControlHarness.run { daemon in
            _ = try await daemon.client.create(reference: "till7-000202", amount: 12900)
            let busy = try await daemon.client.create(reference: "till7-000203", amount: 4500)
            #expect(busy.status == 409)
            let problem = try busy.problem()
            #expect(problem.slug == "payment-in-progress")
            #expect(problem.payment?.reference == "till7-000202")
            #expect(try daemon.storeSnapshot().references == ["till7-000202"])
        }
    }
}
