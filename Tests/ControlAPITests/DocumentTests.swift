import Foundation
import NIOHTTP1
import Testing
import VippsSimulator

@testable import ControlAPI

/// Every route answers, and `/v1/health`.
@Suite struct DocumentTests {
    @Test func everyDocumentedRouteIsServed() async throws {
        try await ControlHarness.run { daemon in
            // The table the router is built from and `openapi.json` are checked against each other by
            // OpenAPIConformanceTests; here every entry answers through the socket.
            for route in ControlRoute.all where route.path != "/v1/events" {
                let path = route.path.replacingOccurrences(of: "{reference}", with: "till7-000800")
                let answer = try await daemon.client.send(
                    String(describing: route.method) == "GET" ? .GET : .POST,
                    path,
                    body: "{}"
                )
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
