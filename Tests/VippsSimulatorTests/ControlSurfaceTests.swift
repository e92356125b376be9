import Foundation
import JSONValues
import Testing

@testable import VippsSimulator

@Suite("The /_sim/ control surface")
struct ControlSurfaceTests {
    @Test("customer actions over HTTP answer with the payment's truth", arguments: CustomerAction.allCases)
    func customerActions(action: CustomerAction) async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            let answer = try await sim.send(.POST, "/_sim/payments/\(orderId)/\(action.rawValue)")
            #expect(answer.status == 200, "\(answer.text)")
            let expected: [CustomerAction: String] = [
                .open: "opened", .approve: "reserved", .decline: "declined", .cardDecline: "opened", .expire: "expired",
            ]
            #expect(answer.json?["state"]?.stringValue == expected[action])
            #expect(answer.json?["orderId"]?.stringValue == orderId)
        }
    }

    @Test("unknown payments get 404, impossible actions 409, unknown actions 404")
    func actionErrors() async throws {
        try await LiveSimulator.with { sim in
            #expect(try await sim.send(.POST, "/_sim/payments/nope/approve").status == 404)
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            #expect(try await sim.send(.POST, "/_sim/payments/\(orderId)/decline").status == 200)
            let conflict = try await sim.send(.POST, "/_sim/payments/\(orderId)/approve")
            #expect(conflict.status == 409)
            #expect(conflict.contentType == "application/problem+json")
            #expect(try await sim.send(.POST, "/_sim/payments/\(orderId)/dance").status == 404)
        }
    }

    @Test("the truth shows amounts, state, operation counts and the full log")
    func truth() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            _ = try await client.capture(orderId, amount: 5_000)
            _ = try await client.refund(orderId, amount: 1_000)
            let answer = try await sim.send(.GET, "/_sim/payments/\(orderId)")
            #expect(answer.status == 200)
            let truth = try #require(answer.json)
            #expect(truth["amount"] == 20_000)
            #expect(truth["state"] == "reserved")
            #expect(truth["capturedAmount"] == 5_000)
            #expect(truth["refundedAmount"] == 1_000)
            #expect(truth["successfulCaptures"] == 1)
            #expect(truth["successfulRefunds"] == 1)
            #expect(truth["successfulCancels"] == 0)
            guard case .array(let log)? = truth["log"] else {
                Issue.record("no log: \(answer.text)")
                return
            }
            #expect(log.compactMap { $0["operation"]?.stringValue } == ["REFUND", "CAPTURE", "RESERVE", "INITIATE"])

            #expect(try await sim.send(.GET, "/_sim/payments/nope").status == 404)
            guard case .array(let all)? = try await sim.send(.GET, "/_sim/payments").json else {
                Issue.record("GET /_sim/payments is not an array")
                return
            }
            #expect(all.count == 1)
        }
    }

    @Test("the request log lists Vipps requests (not control ones) and can be cleared")
    func requestLog() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            _ = try await client.capture(orderId, amount: nil, requestId: "req-42")
            guard case .array(let requests)? = try await sim.send(.GET, "/_sim/requests").json else {
                Issue.record("GET /_sim/requests is not an array")
                return
            }
            #expect(
                requests.compactMap { $0["path"]?.stringValue } == [
                    "/accesstoken/get", "/ecomm/v2/payments", "/ecomm/v2/payments/\(orderId)/capture",
                ]
            )
            let capture = try #require(requests.last)
            #expect(capture["requestId"] == "req-42")
            #expect(capture["status"] == 200)
            #expect(capture["orderId"]?.stringValue == orderId)
            #expect(capture["method"] == "POST")
            #expect(capture["time"]?.stringValue != nil)
            #expect(!(try await sim.send(.GET, "/_sim/requests").text.contains("sim-subscription-key")))

            #expect(try await sim.send(.DELETE, "/_sim/requests").status == 204)
            #expect(try await sim.send(.GET, "/_sim/requests").json == .array([]))
        }
    }

    @Test("unknown paths are answered 404 and recorded")
    func unknownPath() async throws {
        try await LiveSimulator.with { sim in
            #expect(try await sim.send(.GET, "/ecomm/v2/payments").status != 200)
            #expect(try await sim.send(.GET, "/nothing/here").status == 404)
            let recorded = try await sim.simulator.waitForRequest { $0.path == "/nothing/here" }
            #expect(recorded.status == 404)
        }
    }

    @Test("the clock advances over HTTP")
    func clock() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            let before = await sim.simulator.now()
            let answer = try await sim.send(.POST, "/_sim/clock/advance", json: ["seconds": 301])
            #expect(answer.status == 200)
            #expect(answer.json?["now"]?.stringValue != nil)
            #expect(await sim.simulator.now().timeIntervalSince(before) >= 301)
            #expect(await sim.simulator.payment(orderId: orderId)?.state == .expired)
            #expect(try await sim.send(.POST, "/_sim/clock/advance", json: ["seconds": -1]).status == 400)
        }
    }
}
