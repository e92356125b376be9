import AsyncHTTPClient
import Foundation
import JSONValues
import NIOCore
import Testing

@testable import VippsSimulator

@Suite("Injected faults")
struct FaultTests {
    @Test(
        "a status fault answers the next matching requests in the chosen body shape",
        arguments: SimulatorFault.BodyShape.allCases
    )
    func statusShapes(shape: SimulatorFault.BodyShape) async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            await sim.simulator.inject(.status(503, bodyShape: shape, count: 2, pathPrefix: "/ecomm/v2/payments"))
            let first = try await client.details(orderId)
            let second = try await client.details(orderId)
            let third = try await client.details(orderId)
            #expect([first.status, second.status, third.status] == [503, 503, 200] as [Int])
            switch shape {
            case .ecom:
                guard case .array(let errors)? = first.json else {
                    Issue.record("expected an error array: \(first.text)")
                    return
                }
                #expect(errors.first?["errorCode"] == "99")
            case .azure:
                #expect(first.json?["statusCode"] == 503)
            case .responseInfo:
                #expect(first.json?["responseInfo"]?["responseCode"] == 503)
            case .empty:
                #expect(first.body.isEmpty)
            }
            let recorded = await sim.simulator.requests().filter { $0.fault == "status" }
            #expect(recorded.count == 2)
        }
    }

    @Test("an injected 429 carries Retry-After")
    func injected429() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            await sim.simulator.inject(.status(429, retryAfter: 7))
            let answer = try await client.details("any")
            #expect(answer.status == 429)
            #expect(answer.header("Retry-After") == "7")
            #expect(answer.json?["message"] == "Rate limit is exceeded. Try again in 7 seconds.")
        }
    }

    @Test("faults only hit the method and path they name")
    func matching() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            await sim.simulator.inject(.status(500, count: 5, method: "GET", pathPrefix: "/ecomm/v2/payments"))
            #expect(try await client.initiate(WireClient.initiateBody(orderId: orderId)).status == 200)
            #expect(try await sim.accessToken().isEmpty == false)
            #expect(try await client.details(orderId).status == 500)
            await sim.simulator.clearFaults()
            #expect(try await client.details(orderId).status == 200)
        }
    }

    @Test("a drop before applying closes the connection and nothing happens")
    func dropBefore() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            await sim.simulator.inject(.drop(.beforeApplying, pathPrefix: "/ecomm/v2/payments/\(orderId)/capture"))
            await #expect(throws: (any Error).self) { try await client.capture(orderId, amount: nil, requestId: "c1") }
            #expect(await sim.simulator.payment(orderId: orderId)?.capturedAmount == 0)
            let recorded = try await sim.simulator.waitForRequest { $0.fault == "drop" }
            #expect(recorded.status == nil)
        }
    }

    @Test("a drop after applying closes the connection after the capture happened; a retry replays")
    func dropAfter() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = try await client.reservedPayment()
            await sim.simulator.inject(.drop(.afterApplying, pathPrefix: "/ecomm/v2/payments/\(orderId)/capture"))
            await #expect(throws: (any Error).self) { try await client.capture(orderId, amount: nil, requestId: "c1") }
            #expect(await sim.simulator.payment(orderId: orderId)?.capturedAmount == 20_000)
            let retry = try await client.capture(orderId, amount: nil, requestId: "c1")
            #expect(retry.status == 200)
            #expect(await sim.simulator.payment(orderId: orderId)?.successfulCaptures == 1)
        }
    }

    @Test("latency holds the answer back; clearing faults lets it go")
    func latencyReleasedByClear() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            await sim.simulator.inject(.latency(.seconds(3600), pathPrefix: "/ecomm"))
            try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask { try await client.details("held").status }
                _ = try await sim.simulator.waitForRequest { $0.fault == "latency" }
                await sim.simulator.clearFaults()
                #expect(try await group.next() == 404)
            }
        }
    }

    @Test("a client deadline shorter than the latency times out")
    func latencyTimesOutClient() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            await sim.simulator.inject(.latency(.seconds(3600), count: 1))
            await #expect(throws: HTTPClientError.self) {
                _ = try await sim.send(
                    .GET,
                    "/ecomm/v2/payments/x/details",
                    headers: client.headers,
                    deadline: .milliseconds(200)
                )
            }
            await sim.simulator.clearFaults()
        }
    }

    @Test("a short latency still answers normally")
    func shortLatency() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            await sim.simulator.inject(.latency(.milliseconds(1), count: 1))
            #expect(try await client.details("x").status == 404)
            #expect(await sim.simulator.requests().last?.fault == "latency")
            #expect(try await client.details("x").status == 404)
            #expect(await sim.simulator.requests().last?.fault == nil)
        }
    }

    @Test("unreachable closes every connection until it ends")
    func unreachable() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            await sim.simulator.inject(.unreachable(for: .seconds(3600)))
            await #expect(throws: (any Error).self) { try await client.details("x") }
            await #expect(throws: (any Error).self) { try await sim.accessToken() }
            await sim.simulator.clearFaults()
            #expect(try await client.details("x").status == 404)
        }
    }

    @Test("an unreachable window that is over lets requests through")
    func unreachableOver() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            await sim.simulator.inject(.unreachable(for: .zero))
            #expect(try await client.details("x").status == 404)
        }
    }

    @Test("expire-tokens invalidates every token issued so far; new ones work")
    func expireTokens() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let answer = try await sim.send(.POST, "/_sim/faults", json: ["kind": "expire-tokens"])
            #expect(answer.status == 204)
            #expect(try await client.details("x").status == 401)
            #expect(try await sim.client().details("x").status == 404)
        }
    }

    @Test("faults can be injected and cleared over HTTP")
    func overHTTP() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let inject = try await sim.send(
                .POST,
                "/_sim/faults",
                json: [
                    "kind": "status", "status": 502, "bodyShape": "responseInfo", "count": 3, "method": "GET",
                    "pathPrefix": "/ecomm/v2/payments",
                ]
            )
            #expect(inject.status == 204)
            #expect(try await client.details("x").status == 502)
            #expect(try await sim.send(.DELETE, "/_sim/faults").status == 204)
            #expect(try await client.details("x").status == 404)

            let drop = try await sim.send(.POST, "/_sim/faults", json: ["kind": "drop", "phase": "after"])
            #expect(drop.status == 204)
            await #expect(throws: (any Error).self) { try await client.details("x") }
            #expect(try await client.details("x").status == 404)

            let invalid = try await sim.send(.POST, "/_sim/faults", json: ["kind": "status"])
            #expect(invalid.status == 400)
            #expect(try await sim.send(.POST, "/_sim/faults", json: ["kind": "meteor"]).status == 400)
            #expect(
                try await sim.send(.POST, "/_sim/faults", json: ["kind": "latency", "milliseconds": 1]).status == 204
            )
            #expect(
                try await sim.send(.POST, "/_sim/faults", json: ["kind": "unreachable", "seconds": 0]).status == 204
            )
        }
    }
}
