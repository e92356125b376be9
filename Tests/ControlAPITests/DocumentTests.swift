import ControlAPI
import Foundation
import NIOHTTP1
import Testing
import VippsSimulator

/// `/v1/openapi.json` and `/v1/health`.
@Suite struct DocumentTests {
    /// Every route of shared/design/CONTROL-API.md.
    static let routes: [(method: String, path: String)] = [
        ("post", "/v1/payments"),
        ("get", "/v1/payments"),
        ("get", "/v1/payments/{reference}"),
        ("get", "/v1/payments/{reference}/qr.png"),
        ("post", "/v1/payments/{reference}/cancel"),
        ("post", "/v1/payments/{reference}/capture"),
        ("post", "/v1/payments/{reference}/refund"),
        ("get", "/v1/events"),
        ("get", "/v1/health"),
        ("get", "/metrics"),
        ("get", "/v1/openapi.json"),
    ]

    @Test func theOpenAPIDocumentParsesAndListsEveryRoute() async throws {
        try await ControlHarness.run { daemon in
            let answer = try await daemon.client.get("/v1/openapi.json")
            #expect(answer.status == 200)
            let document = try answer.json()
            #expect(document["openapi"] as? String == "3.1.0")
            let info = try #require(document["info"] as? [String: Any])
            #expect(info["version"] as? String == "1.2.3-test")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            for route in Self.routes {
                #expect(paths[route.path]?[route.method] != nil, "\(route.method) \(route.path)")
            }
            let documented = paths.flatMap { path, item in
                item.keys.filter { $0 != "parameters" }.map { "\($0) \(path)" }
            }
            #expect(Set(documented) == Set(Self.routes.map { "\($0.method) \($0.path)" }))
        }
    }

    @Test func everyDocumentedRouteIsServed() async throws {
        try await ControlHarness.run { daemon in
            for route in Self.routes where route.path != "/v1/events" {
                let path = route.path.replacingOccurrences(of: "{reference}", with: "till7-000800")
                let answer = try await daemon.client.send(route.method == "get" ? .GET : .POST, path, body: "{}")
                #expect(answer.status != 405, "\(route.method) \(route.path)")
                if answer.status == 404 {
                    #expect(try answer.problem().detail.contains("till7-000800"), "404 for the payment, not the route")
                }
            }
        }
    }

    @Test func healthIsTheDaemonsReportWithAnExplicitNullActivePayment() async throws {
        try await ControlHarness.run { daemon in
            let answer = try await daemon.client.get("/v1/health")
            #expect(answer.status == 200)
            #expect(answer.headers.first(name: "Content-Type") == "application/json")
            let json = try answer.json()
            #expect(json["status"] as? String == "ok")
            #expect(json["version"] as? String == "1.2.3-test")
            #expect(json.keys.contains("activePayment"))
            #expect(json["activePayment"] is NSNull)
            let vipps = try #require(json["vipps"] as? [String: Any])
            #expect(vipps["reachable"] as? Bool == true)
            #expect(vipps["environment"] as? String == "simulator")
            #expect(vipps["lastSuccess"] as? String == "2026-11-18T11:06:40Z")
            #expect(answer.headers.first(name: "Server") == "qrpayd/1.2.3-test")
        }
    }
}
