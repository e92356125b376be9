import Foundation
import JSONValues
import Testing

@testable import VippsSimulator

@Suite("GET /details through the payment's life")
struct PaymentTimelineTests {
    @Test("a new payment shows INITIATE only: no transactionId, no summary")
    func initiated() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            let details = try await client.details(orderId)
            #expect(details.status == 200)
            #expect(details.json?["orderId"]?.stringValue == orderId)
            #expect(operations(details) == ["INITIATE:ok"])
            #expect(details.json?["transactionSummary"] == nil)
            guard case .array(let log)? = details.json?["transactionLogHistory"], let initiate = log.first else {
                Issue.record("no log in \(details.text)")
                return
            }
            #expect(initiate["transactionId"] == nil)
            #expect(initiate["amount"] == 20_000)
            #expect(initiate["requestId"] == "")
            #expect(initiate["transactionText"] == "Kaffe og bolle")
            let stamp = try #require(initiate["timeStamp"]?.stringValue)
            #expect(stamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)
        }
    }

    @Test("opening adds a ten-digit transactionId to INITIATE and a zero summary")
    func opened() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            try await sim.simulator.open(orderId: orderId)
            let details = try await client.details(orderId)
            #expect(operations(details) == ["INITIATE:ok"])
            guard case .array(let log)? = details.json?["transactionLogHistory"] else { return }
            let transactionId = try #require(log.first?["transactionId"]?.stringValue)
            #expect(transactionId.wholeMatch(of: /[1-9]\d{9}/) != nil)
            let summary = try #require(details.json?["transactionSummary"])
            #expect(summary["capturedAmount"] == 0)
            #expect(summary["remainingAmountToCapture"] == 0)
            #expect(summary["refundedAmount"] == 0)
            #expect(summary["remainingAmountToRefund"] == 0)
        }
    }

    @Test("approving prepends a successful RESERVE with the same transactionId")
    func approved() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            try await sim.simulator.open(orderId: orderId)
            try await sim.simulator.approve(orderId: orderId)
            let details = try await client.details(orderId)
            #expect(operations(details) == ["RESERVE:ok", "INITIATE:ok"])
            guard case .array(let log)? = details.json?["transactionLogHistory"] else { return }
            #expect(log[0]["transactionId"] == log[1]["transactionId"])
            #expect(details.json?["transactionSummary"]?["remainingAmountToCapture"] == 20_000)
            #expect(await sim.simulator.payment(orderId: orderId)?.state == .reserved)
        }
    }

    @Test("declining adds a successful CANCEL")
    func declined() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            try await sim.simulator.open(orderId: orderId)
            try await sim.simulator.decline(orderId: orderId)
            #expect(operations(try await client.details(orderId)) == ["CANCEL:ok", "INITIATE:ok"])
            #expect(await sim.simulator.payment(orderId: orderId)?.state == .declined)
        }
    }

    @Test("a declined card leaves the payment open, and a later approval reserves it")
    func cardDeclineThenApprove() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            try await sim.simulator.cardDecline(orderId: orderId)
            #expect(operations(try await client.details(orderId)) == ["RESERVE:failed", "INITIATE:ok"])
            #expect(await sim.simulator.payment(orderId: orderId)?.state == .opened)
            try await sim.simulator.approve(orderId: orderId)
            #expect(operations(try await client.details(orderId)) == ["RESERVE:ok", "RESERVE:failed", "INITIATE:ok"])
        }
    }

    @Test("magic test amounts decline the card on the first approval", arguments: [151, 182, 183, 184, 186, 187, 197])
    func magicAmounts(amount: Int) async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId, amount: amount)
            let first = try await sim.simulator.approve(orderId: orderId)
            #expect(first.state == .opened)
            #expect(first.failedReservations == 1)
            let second = try await sim.simulator.approve(orderId: orderId)
            #expect(second.state == .reserved)
        }
    }

    @Test("magic amounts approve normally in production")
    func magicAmountsInProduction() async throws {
        try await LiveSimulator.with(.init(environment: .production)) { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId, amount: 151)
            #expect(try await sim.simulator.approve(orderId: orderId).state == .reserved)
        }
    }

    @Test(
        "an unopened payment expires after the open timeout, in the configured shape",
        arguments: [
            (VippsSimulatorConfiguration.ExpiryShape.cancelEntry, ["CANCEL:ok", "INITIATE:ok"]),
            (VippsSimulatorConfiguration.ExpiryShape.initiateOnly, ["INITIATE:ok"]),
        ]
    )
    func expiryBeforeOpening(shape: VippsSimulatorConfiguration.ExpiryShape, expected: [String]) async throws {
        try await LiveSimulator.with(.init(expiryShape: shape)) { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            await sim.simulator.advanceClock(by: .seconds(290))
            #expect(operations(try await client.details(orderId)) == ["INITIATE:ok"])
            #expect(await sim.simulator.payment(orderId: orderId)?.state == .initiated)
            await sim.simulator.advanceClock(by: .seconds(10))
            #expect(operations(try await client.details(orderId)) == expected)
            #expect(await sim.simulator.payment(orderId: orderId)?.state == .expired)
            await #expect(throws: SimulatorError.self) { try await sim.simulator.approve(orderId: orderId) }
        }
    }

    @Test("an opened payment expires after the approve timeout, counted from opening")
    func expiryAfterOpening() async throws {
        let configuration = VippsSimulatorConfiguration(openTimeout: .seconds(60), approveTimeout: .seconds(120))
        try await LiveSimulator.with(configuration) { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            await sim.simulator.advanceClock(by: .seconds(50))
            try await sim.simulator.open(orderId: orderId)
            await sim.simulator.advanceClock(by: .seconds(110))
            #expect(await sim.simulator.payment(orderId: orderId)?.state == .opened)
            await sim.simulator.advanceClock(by: .seconds(11))
            #expect(operations(try await client.details(orderId)) == ["CANCEL:ok", "INITIATE:ok"])
            #expect(try await client.details(orderId).json?["transactionSummary"] != nil)
        }
    }

    @Test("the customer can force an expiry at once")
    func expireNow() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            #expect(try await sim.simulator.expire(orderId: orderId).state == .expired)
        }
    }

    @Test("an unknown orderId, or one of another MSN, gets Merchant 35 with 404")
    func notFound() async throws {
        let second = AuthorizationTests.secondUnit
        try await LiveSimulator.with(.init(salesUnits: [LiveSimulator.unit, second])) { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            expectEcomError(
                try await client.details("no-such-order"),
                status: 404,
                group: "Merchant",
                code: "35",
                message: "Requested Order not found"
            )
            let token = try await sim.accessToken(
                subscriptionKey: second.subscriptionKey,
                clientID: second.clientID,
                clientSecret: second.clientSecret
            )
            let other = WireClient(
                harness: sim,
                headers: sim.apiHeaders(token: token, subscriptionKey: second.subscriptionKey)
            )
            expectEcomError(try await other.details(orderId), status: 404, group: "Merchant", code: "35")
        }
    }

    @Test("customer actions on unknown or finished payments throw")
    func customerActionErrors() async throws {
        try await LiveSimulator.with { sim in
            await #expect(throws: SimulatorError(code: .paymentNotFound, message: "No payment with orderId nope")) {
                try await sim.simulator.open(orderId: "nope")
            }
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            try await sim.simulator.decline(orderId: orderId)
            do throws(SimulatorError) {
                try await sim.simulator.approve(orderId: orderId)
                Issue.record("approving a declined payment must fail")
            } catch {
                #expect(error.code == .actionNotAllowed)
            }
        }
    }
}
