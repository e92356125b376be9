import Foundation
import JSONValues
import Testing

@testable import VippsSimulator

@Suite("POST /ecomm/v2/payments/{orderId}/capture")
struct CaptureTests {
    @Test("a partial capture, then the rest with the amount left out")
    func partialThenRest() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            let partial = try await client.capture(orderId, amount: 5_000, requestId: "c1")
            #expect(partial.status == 200)
            #expect(partial.json?["orderId"]?.stringValue == orderId)
            let info = try #require(partial.json?["transactionInfo"])
            #expect(info["status"] == "Captured")
            #expect(info["amount"] == 5_000)
            #expect(info["transactionText"] == "Thanks")
            #expect(info["transactionId"]?.stringValue?.count == 10)
            #expect(info["timeStamp"]?.stringValue != nil)
            #expect(partial.json?["transactionSummary"]?["capturedAmount"] == 5_000)
            #expect(partial.json?["transactionSummary"]?["remainingAmountToCapture"] == 15_000)

            let rest = try await client.capture(orderId, amount: nil, requestId: "c2")
            #expect(rest.json?["transactionInfo"]?["amount"] == 15_000)
            #expect(rest.json?["transactionSummary"]?["remainingAmountToCapture"] == 0)
            #expect(rest.json?["transactionSummary"]?["remainingAmountToRefund"] == 20_000)

            let details = try await client.details(orderId)
            #expect(operations(details) == ["CAPTURE:ok", "CAPTURE:ok", "RESERVE:ok", "INITIATE:ok"])
            guard case .array(let log)? = details.json?["transactionLogHistory"] else { return }
            #expect(log[0]["requestId"] == "c2")
            #expect(log[1]["requestId"] == "c1")
            let truth = try #require(await sim.simulator.payment(orderId: orderId))
            #expect(truth.capturedAmount == 20_000)
            #expect(truth.successfulCaptures == 2)
        }
    }

    @Test("amount 0 captures everything", arguments: [0])
    func zeroMeansAll(amount: Int) async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            let answer = try await client.capture(orderId, amount: amount)
            #expect(answer.json?["transactionInfo"]?["amount"] == 20_000)
        }
    }

    @Test("capturing more than is left gets Payment 61")
    func tooMuch() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            _ = try await client.capture(orderId, amount: 15_000, requestId: "c1")
            let answer = try await client.capture(orderId, amount: 6_000, requestId: "c2")
            expectEcomError(answer, status: 400, group: "Payment", code: "61")
            #expect(await sim.simulator.payment(orderId: orderId)?.capturedAmount == 15_000)
        }
    }

    @Test("capturing before the customer approved gets Payment 62", arguments: [false, true])
    func notReserved(opened: Bool) async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            if opened { try await sim.simulator.open(orderId: orderId) }
            expectEcomError(try await client.capture(orderId, amount: nil), status: 400, group: "Payment", code: "62")
        }
    }

    @Test("capturing a cancelled or voided payment gets VippsError 91", arguments: [false, true])
    func cancelled(reserved: Bool) async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId: String
            if reserved {
                orderId = try await client.reservedPayment()
            } else {
                orderId = newOrderId()
                try await client.initiate(orderId: orderId)
            }
            #expect(try await client.cancel(orderId).status == 200)
            expectEcomError(
                try await client.capture(orderId, amount: nil),
                status: 400,
                group: "VippsError",
                code: "91"
            )
        }
    }

    @Test("a retry with the same X-Request-Id and body replays the first answer and captures once")
    func idempotentReplay() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            let first = try await client.capture(orderId, amount: 5_000, requestId: "same")
            let second = try await client.capture(orderId, amount: 5_000, requestId: "same")
            #expect(second.status == 200)
            #expect(second.json == first.json)
            let truth = try #require(await sim.simulator.payment(orderId: orderId))
            #expect(truth.successfulCaptures == 1)
            #expect(truth.capturedAmount == 5_000)
        }
    }

    @Test("the same X-Request-Id with another amount gets VippsError 93")
    func idempotencyConflict() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            _ = try await client.capture(orderId, amount: 5_000, requestId: "same")
            expectEcomError(
                try await client.capture(orderId, amount: 6_000, requestId: "same"),
                status: 400,
                group: "VippsError",
                code: "93"
            )
        }
    }

    @Test(
        "X-Request-Id is required and at most 40 characters",
        arguments: [nil, "", String(repeating: "r", count: 41)] as [String?]
    )
    func requestIdRequired(requestId: String?) async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            expectEcomError(
                try await client.capture(orderId, amount: nil, requestId: requestId),
                status: 400,
                group: "InvalidRequest",
                code: "X-Request-Id"
            )
        }
    }

    @Test("a capture needs a transactionText")
    func textRequired() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            let answer = try await sim.send(
                .POST,
                "/ecomm/v2/payments/\(orderId)/capture",
                headers: client.headers + [("X-Request-Id", "c1")],
                json: ["merchantInfo": ["merchantSerialNumber": "123456"], "transaction": ["amount": 100]]
            )
            expectEcomError(answer, status: 400, group: "InvalidRequest", code: "transaction.transactionText")
        }
    }
}
