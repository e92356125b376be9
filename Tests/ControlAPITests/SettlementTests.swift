import ControlAPI
import PaymentCore
import Testing
import VippsSimulator

/// Cancel, capture and refund as the till sends them.
@Suite struct SettlementTests {
    @Test func cancellingBeforeTheScanAnswersCancelled() async throws {
        try await ControlHarness.run { daemon in
            _ = try await daemon.client.create(reference: "till7-000300", amount: 12900)
            let cancelled = try await daemon.client.post("/v1/payments/till7-000300/cancel")
            #expect(cancelled.status == 200)
            #expect(try cancelled.payment().state == .cancelled)
            #expect(try cancelled.payment().final)
            #expect(await daemon.simulator.payment(orderId: daemon.orderId("till7-000300"))?.successfulCancels == 1)
        }
    }

    @Test func cancellingACapturedPaymentIsAnInvalidState() async throws {
        try await ControlHarness.run(settlement: .auto) { daemon in
            var events = try await daemon.client.events()
            _ = try await daemon.client.create(reference: "till7-000301", amount: 12900)
            try await daemon.simulator.approve(orderId: daemon.orderId("till7-000301"))
            _ = try await events.payments(until: { $0.state == .captured })
            let refused = try await daemon.client.post("/v1/payments/till7-000301/cancel", "{}")
            #expect(refused.status == 409)
            #expect(try refused.problem().slug == "invalid-state")
        }
    }

    @Test func aPartialCaptureThenTheRest() async throws {
        try await ControlHarness.run(settlement: .till) { daemon in
            var events = try await daemon.client.events()
            _ = try await daemon.client.create(reference: "till7-000302", amount: 10000)
            try await daemon.simulator.approve(orderId: daemon.orderId("till7-000302"))
            _ = try await events.payments(until: { $0.state == .authorized })

            let part = try await daemon.client.post("/v1/payments/till7-000302/capture", #"{"amount": 4000}"#)
            #expect(part.status == 200)
            #expect(try part.payment().capturedAmount == 4000)
            #expect(try part.payment().state == .captured)

            let rest = try await daemon.client.post("/v1/payments/till7-000302/capture", "{}")
            #expect(rest.status == 200)
            #expect(try rest.payment().capturedAmount == 10000)

            let nothingLeft = try await daemon.client.post("/v1/payments/till7-000302/capture")
            #expect(nothingLeft.status == 409)
            #expect(try nothingLeft.problem().slug == "invalid-state")
        }
    }

    @Test func refundsInPartAndInFullAndAboveTheCapturedAmountIsRefusedLocally() async throws {
        try await ControlHarness.run(settlement: .auto) { daemon in
            var events = try await daemon.client.events()
            _ = try await daemon.client.create(reference: "till7-000303", amount: 10000)
            try await daemon.simulator.approve(orderId: daemon.orderId("till7-000303"))
            _ = try await events.payments(until: { $0.state == .captured })

            let part = try await daemon.client.post("/v1/payments/till7-000303/refund", #"{"amount": 2500}"#)
            #expect(part.status == 200)
            #expect(try part.payment().refundedAmount == 2500)

            let tooMuch = try await daemon.client.post("/v1/payments/till7-000303/refund", #"{"amount": 9000}"#)
            #expect(tooMuch.status == 409)
            let problem = try tooMuch.problem()
            #expect(problem.slug == "invalid-state")
            #expect(problem.code == "amount-above-refundable")
            #expect(problem.detail.contains("7500 øre"))

            let rest = try await daemon.client.post("/v1/payments/till7-000303/refund", #"{"amount": 7500}"#)
            #expect(rest.status == 200)
            #expect(try rest.payment().refundedAmount == 10000)
            #expect(await daemon.simulator.payment(orderId: daemon.orderId("till7-000303"))?.refundedAmount == 10000)
        }
    }

    @Test func operationsOnAnUnknownPaymentAreNotFound() async throws {
        try await ControlHarness.run { daemon in
            for path in ["/v1/payments/nope-0001/cancel", "/v1/payments/nope-0001/capture"] {
                let answer = try await daemon.client.post(path)
                #expect(answer.status == 404)
                #expect(try answer.problem().slug == "not-found")
            }
            #expect(try await daemon.client.get("/v1/payments/nope-0001").problem().slug == "not-found")
            #expect(try await daemon.client.get("/v1/payments/nope-0001/qr.png").status == 404)
        }
    }
}
