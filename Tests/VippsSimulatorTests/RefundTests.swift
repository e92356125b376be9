import Foundation
import JSONValues
import Testing

@testable import VippsSimulator

@Suite("POST /ecomm/v2/payments/{orderId}/refund")
struct RefundTests {
    @Test("refunds answer under the key `transaction` with status Refund, up to what was captured")
    func partialRefunds() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            _ = try await client.capture(orderId, amount: nil)
            let first = try await client.refund(orderId, amount: 5_000, requestId: "r1")
            #expect(first.status == 200)
            #expect(first.json?["transactionInfo"] == nil)
            let transaction = try #require(first.json?["transaction"])
            #expect(transaction["status"] == "Refund")
            #expect(transaction["amount"] == 5_000)
            #expect(transaction["transactionId"]?.stringValue?.count == 10)
            #expect(first.json?["transactionSummary"]?["refundedAmount"] == 5_000)
            #expect(first.json?["transactionSummary"]?["remainingAmountToRefund"] == 15_000)
            expectEcomError(
                try await client.refund(orderId, amount: 15_001, requestId: "r2"),
                status: 400,
                group: "Payment",
                code: "71"
            )
            let rest = try await client.refund(orderId, amount: nil, requestId: "r3")
            #expect(rest.json?["transaction"]?["amount"] == 15_000)
            #expect(
                operations(try await client.details(orderId)) == [
                    "REFUND:ok", "REFUND:ok", "CAPTURE:ok", "RESERVE:ok", "INITIATE:ok",
                ]
            )
            let truth = try #require(await sim.simulator.payment(orderId: orderId))
            #expect(truth.refundedAmount == 20_000)
            #expect(truth.successfulRefunds == 2)
        }
    }

    @Test("refunding a reserved but uncaptured payment gets Payment 72")
    func reservedNotCaptured() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            expectEcomError(try await client.refund(orderId, amount: 100), status: 400, group: "Payment", code: "72")
        }
    }

    @Test("refunding a cancelled payment gets Payment 73")
    func cancelled() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            _ = try await client.cancel(orderId)
            expectEcomError(try await client.refund(orderId, amount: 100), status: 400, group: "Payment", code: "73")
        }
    }

    @Test("the captured part of a voided payment can still be refunded")
    func voidAfterPartialCapture() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            _ = try await client.capture(orderId, amount: 5_000)
            _ = try await client.cancel(orderId, release: true)
            #expect(try await client.refund(orderId, amount: 5_000).status == 200)
        }
    }

    @Test("a retry with the same X-Request-Id replays; another amount gets VippsError 93")
    func idempotency() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            _ = try await client.capture(orderId, amount: nil)
            let first = try await client.refund(orderId, amount: 1_000, requestId: "same")
            let replay = try await client.refund(orderId, amount: 1_000, requestId: "same")
            #expect(replay.status == 200)
            #expect(replay.json == first.json)
            #expect(await sim.simulator.payment(orderId: orderId)?.successfulRefunds == 1)
            expectEcomError(
                try await client.refund(orderId, amount: 2_000, requestId: "same"),
                status: 400,
                group: "VippsError",
                code: "93"
            )
        }
    }

    @Test("X-Request-Id is required")
    func requestIdRequired() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            _ = try await client.capture(orderId, amount: nil)
            expectEcomError(
                try await client.refund(orderId, amount: 100, requestId: nil),
                status: 400,
                group: "InvalidRequest",
                code: "X-Request-Id"
            )
        }
    }
}
