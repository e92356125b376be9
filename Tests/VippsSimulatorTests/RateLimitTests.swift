import Foundation
import JSONValues
import Testing

@testable import VippsSimulator

@Suite("Rate limits")
struct RateLimitTests {
    static func expectRateLimited(_ answer: LiveSimulator.Answer, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(answer.status == 429, sourceLocation: sourceLocation)
        let retryAfter = Int(answer.header("Retry-After") ?? "")
        #expect(retryAfter.map { (1...60).contains($0) } == true, sourceLocation: sourceLocation)
        #expect(answer.json?["statusCode"] == 429, sourceLocation: sourceLocation)
        #expect(
            answer.json?["message"]?.stringValue == "Rate limit is exceeded. Try again in \(retryAfter ?? -1) seconds.",
            sourceLocation: sourceLocation
        )
    }

    @Test("initiate: two a minute per orderId")
    func initiate() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let body = WireClient.initiateBody(orderId: newOrderId())
            #expect(try await client.initiate(body).status == 200)
            #expect(try await client.initiate(body).status == 400)
            Self.expectRateLimited(try await client.initiate(body))
            #expect(try await client.initiate(WireClient.initiateBody(orderId: newOrderId())).status == 200)
            await sim.simulator.advanceClock(by: .seconds(60))
            #expect(try await client.initiate(body).status == 400)
        }
    }

    @Test("capture: five a minute per orderId")
    func capture() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            for index in 1...5 {
                #expect(try await client.capture(orderId, amount: 100, requestId: "c\(index)").status == 200)
            }
            Self.expectRateLimited(try await client.capture(orderId, amount: 100, requestId: "c6"))
            await sim.simulator.advanceClock(by: .seconds(61))
            #expect(try await client.capture(orderId, amount: 100, requestId: "c7").status == 200)
        }
    }

    @Test("cancel and refund: five a minute per orderId")
    func cancelAndRefund() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            _ = try await client.capture(orderId, amount: 10_000)
            for index in 1...5 {
                #expect(try await client.refund(orderId, amount: 100, requestId: "r\(index)").status == 200)
            }
            Self.expectRateLimited(try await client.refund(orderId, amount: 100, requestId: "r6"))
            for _ in 1...5 {
                _ = try await client.cancel(orderId, release: true)
            }
            Self.expectRateLimited(try await client.cancel(orderId, release: true))
        }
    }

    @Test("details: 120 a minute per orderId and subscription key")
    func details() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            for _ in 1...120 {
                #expect(try await client.details(orderId).status == 200)
            }
            Self.expectRateLimited(try await client.details(orderId))
            #expect(try await client.details("other-order").status == 404)
            await sim.simulator.advanceClock(by: .seconds(60))
            #expect(try await client.details(orderId).status == 200)
        }
    }

    @Test("limits can be switched off")
    func disabled() async throws {
        try await LiveSimulator.with(.init(enforceRateLimits: false)) { sim in
            let client = try await sim.client()
            let body = WireClient.initiateBody(orderId: newOrderId())
            for _ in 1...4 {
                #expect(try await client.initiate(body).status != 429)
            }
        }
    }
}
