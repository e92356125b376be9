import Foundation
import JSONValues
import Testing

@testable import VippsSimulator

@Suite("POST /qr/v1")
struct QRTests {
    func requestQR(_ sim: LiveSimulator, _ client: WireClient, url: String, accept: String?) async throws
        -> LiveSimulator.Answer
    {
        try await sim.send(
            .POST,
            "/qr/v1",
            headers: client.headers + (accept.map { [("Accept", $0)] } ?? []),
            json: ["url": .string(url)]
        )
    }

    @Test("text/targetUrl gives a stable qr.vipps.no target and the seconds left, as JSON by default")
    func targetURLAsJSON() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let url = try await client.initiate(orderId: newOrderId())
            let first = try await self.requestQR(sim, client, url: url, accept: "text/targetUrl")
            #expect(first.status == 200)
            let target = try #require(first.json?["url"]?.stringValue)
            #expect(target.wholeMatch(of: /https:\/\/qr\.vipps\.no\/r\/[A-Za-z0-9]{8}/) != nil)
            let expiresIn = try #require(first.json?["expiresIn"]?.integerValue)
            #expect((1...300).contains(expiresIn))

            await sim.simulator.advanceClock(by: .seconds(100))
            let later = try await self.requestQR(sim, client, url: url, accept: "text/targetUrl")
            #expect(later.json?["url"]?.stringValue == target)
            let laterExpiresIn = try #require(later.json?["expiresIn"]?.integerValue)
            #expect(laterExpiresIn <= expiresIn - 100)
        }
    }

    @Test("text/targetUrl gives the bare target as text/plain when configured")
    func targetURLAsText() async throws {
        try await LiveSimulator.with(.init(qrAnswer: .plainText)) { sim in
            let client = try await sim.client()
            let url = try await client.initiate(orderId: newOrderId())
            let answer = try await self.requestQR(sim, client, url: url, accept: "text/targetUrl")
            #expect(answer.status == 200)
            #expect(answer.contentType?.hasPrefix("text/plain") == true)
            #expect(answer.text.wholeMatch(of: /https:\/\/qr\.vipps\.no\/r\/[A-Za-z0-9]{8}/) != nil)
        }
    }

    @Test("image/png links to an image on the simulator, which is gone after the timeout")
    func pngLink() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let url = try await client.initiate(orderId: newOrderId())
            let answer = try await self.requestQR(sim, client, url: url, accept: "image/png")
            let link = try #require(answer.json?["url"]?.stringValue)
            #expect(link.hasPrefix(sim.baseURL + "/qr-image/"))
            #expect(answer.json?["expiresIn"]?.integerValue != nil)
            let path = String(link.dropFirst(sim.baseURL.count))
            let image = try await sim.send(.GET, path)
            #expect(image.status == 200)
            #expect(image.contentType == "image/png")
            #expect(image.body.starts(with: [0x89, 0x50, 0x4E, 0x47]))

            await sim.simulator.advanceClock(by: .seconds(301))
            #expect(try await sim.send(.GET, path).status == 404)
        }
    }

    @Test(
        "a missing or unsupported Accept gets 415 problem+json",
        arguments: [nil, "*/*", "application/json"] as [String?]
    )
    func unsupportedAccept(accept: String?) async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let url = try await client.initiate(orderId: newOrderId())
            let answer = try await self.requestQR(sim, client, url: url, accept: accept)
            #expect(answer.status == 415)
            #expect(answer.contentType == "application/problem+json")
            #expect(answer.json?["status"] == 415)
            #expect(answer.json?["title"]?.stringValue != nil)
        }
    }

    @Test("an expired payment gets Order timeout")
    func expired() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let url = try await client.initiate(orderId: newOrderId())
            await sim.simulator.advanceClock(by: .seconds(300))
            let answer = try await self.requestQR(sim, client, url: url, accept: "text/targetUrl")
            #expect(answer.status == 400)
            #expect(answer.contentType == "application/problem+json")
            #expect(answer.json?["title"] == "Order timeout")
            #expect(answer.json?["detail"] == "Payment has already timed out")
            #expect(answer.json?["status"] == 400)
            #expect(answer.json?["instance"]?.stringValue != nil)
            #expect(answer.json?["type"]?.stringValue != nil)
        }
    }

    @Test("an unknown payment url gets Validation error")
    func unknownURL() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let answer = try await self.requestQR(
                sim,
                client,
                url: "https://apitest.vipps.no/dwo-api-application/v1/deeplink/vippsgateway?v=2&token=nope",
                accept: "text/targetUrl"
            )
            #expect(answer.status == 400)
            #expect(answer.json?["title"] == "Validation error")
            #expect(answer.json?["detail"] == "Supplied landing page token is not valid")
        }
    }

    @Test("the QR API needs the same authorisation as eCom")
    func needsToken() async throws {
        try await LiveSimulator.with { sim in
            let answer = try await sim.send(
                .POST,
                "/qr/v1",
                headers: [("Ocp-Apim-Subscription-Key", "sim-subscription-key"), ("Accept", "text/targetUrl")],
                json: ["url": "https://apitest.vipps.no/x?token=y"]
            )
            #expect(answer.status == 401)
        }
    }
}
