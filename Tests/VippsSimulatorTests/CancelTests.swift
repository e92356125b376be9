import Foundation
import JSONValues
import Testing

@testable import VippsSimulator

@Suite("PUT /ecomm/v2/payments/{orderId}/cancel")
struct CancelTests {
    @Test("before reservation it is a CANCEL", arguments: [false, true])
    func beforeReservation(opened: Bool) async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            if opened { try await sim.simulator.open(orderId: orderId) }
            let answer = try await client.cancel(orderId)
            #expect(answer.status == 200)
            #expect(answer.json?["transactionInfo"]?["status"] == "Cancelled")
            #expect(answer.json?["transactionSummary"] != nil)
            #expect(operations(try await client.details(orderId)) == ["CANCEL:ok", "INITIATE:ok"])
            let truth = try #require(await sim.simulator.payment(orderId: orderId))
            #expect(truth.state == .cancelled)
            #expect(truth.successfulCancels == 1)
        }
    }

    @Test("after reservation it is a VOID")
    func afterReservation() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            let answer = try await client.cancel(orderId)
            #expect(answer.status == 200)
            #expect(answer.json?["transactionInfo"]?["status"] == "Cancelled")
            #expect(answer.json?["transactionSummary"]?["remainingAmountToCapture"] == 0)
            #expect(operations(try await client.details(orderId)) == ["VOID:ok", "RESERVE:ok", "INITIATE:ok"])
            #expect(await sim.simulator.payment(orderId: orderId)?.state == .voided)
        }
    }

    @Test("after a partial capture it needs shouldReleaseRemainingFunds, else Payment 52")
    func partialCapture() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            _ = try await client.capture(orderId, amount: 5_000)
            expectEcomError(try await client.cancel(orderId), status: 400, group: "Payment", code: "52")
            expectEcomError(try await client.cancel(orderId, release: false), status: 400, group: "Payment", code: "52")
            let released = try await client.cancel(orderId, release: true)
            #expect(released.status == 200)
            #expect(released.json?["transactionInfo"]?["amount"] == 15_000)
            let details = try await client.details(orderId)
            #expect(operations(details) == ["VOID:ok", "CAPTURE:ok", "RESERVE:ok", "INITIATE:ok"])
            #expect(details.json?["transactionSummary"]?["capturedAmount"] == 5_000)
            #expect(details.json?["transactionSummary"]?["remainingAmountToCapture"] == 0)
        }
    }

    @Test("after a full capture it gets Payment 51")
    func fullCapture() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            _ = try await client.capture(orderId, amount: nil)
            expectEcomError(try await client.cancel(orderId, release: true), status: 400, group: "Payment", code: "51")
        }
    }

    @Test("cancelling again answers 200 and changes nothing")
    func alreadyCancelled() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            _ = try await client.cancel(orderId)
            let again = try await client.cancel(orderId)
            #expect(again.status == 200)
            #expect(again.json?["transactionInfo"]?["status"] == "Cancelled")
            #expect(operations(try await client.details(orderId)) == ["CANCEL:ok", "INITIATE:ok"])
            #expect(await sim.simulator.payment(orderId: orderId)?.successfulCancels == 1)
        }
    }

    @Test("cancelling what the customer declined answers 200")
    func declinedByCustomer() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            try await sim.simulator.decline(orderId: orderId)
            #expect(try await client.cancel(orderId).status == 200)
            #expect(await sim.simulator.payment(orderId: orderId)?.state == .declined)
        }
    }

    @Test("cancelling an unknown order gets Merchant 35")
    func unknown() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            expectEcomError(try await client.cancel("no-such-order"), status: 404, group: "Merchant", code: "35")
        }
    }
}
