import Foundation
import JSONValues
import Testing

@testable import VippsSimulator

@Suite("Authorisation of eCom and QR calls")
struct AuthorizationTests {
    static let secondUnit = VippsSimulatorConfiguration.SalesUnit(
        msn: "654321",
        clientID: "second-id",
        clientSecret: "second-secret",
        subscriptionKey: "second-key"
    )

    enum BadAuthorization: String, CaseIterable, Sendable {
        case missing, lowercaseScheme, noScheme, unknownToken, otherKeysToken, expiredToken, revokedTokens
    }

    @Test(
        "a missing, malformed, unknown, foreign or expired token gets the Azure-shaped 401",
        arguments: BadAuthorization.allCases
    )
    func badTokens(_ kind: BadAuthorization) async throws {
        let configuration = VippsSimulatorConfiguration(salesUnits: [LiveSimulator.unit, Self.secondUnit])
        try await LiveSimulator.with(configuration) { sim in
            let token = try await sim.accessToken()
            var authorization: String? = "Bearer \(token)"
            switch kind {
            case .missing: authorization = nil
            case .lowercaseScheme: authorization = "bearer \(token)"
            case .noScheme: authorization = token
            case .unknownToken: authorization = "Bearer not-a-token"
            case .otherKeysToken:
                let foreign = try await sim.accessToken(
                    subscriptionKey: "second-key",
                    clientID: "second-id",
                    clientSecret: "second-secret"
                )
                authorization = "Bearer \(foreign)"
            case .expiredToken: await sim.simulator.advanceClock(by: .seconds(3601))
            case .revokedTokens: await sim.simulator.inject(.expireTokens)
            }
            var headers = [("Ocp-Apim-Subscription-Key", "sim-subscription-key")]
            if let authorization { headers.append(("Authorization", authorization)) }
            let answer = try await sim.send(.GET, "/ecomm/v2/payments/any-order/details", headers: headers)
            #expect(answer.status == 401)
            #expect(answer.json?["responseInfo"]?["responseCode"] == 401)
            #expect(answer.json?["responseInfo"]?["responseMessage"] == "Something went wrong, please try again later.")
            #expect(answer.json?["result"]?["message"] == "Unauthorized")
        }
    }

    @Test("a token just short of its lifetime still works")
    func tokenWithinLifetime() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            await sim.simulator.advanceClock(by: .seconds(3500))
            let answer = try await client.details("unknown-order")
            #expect(answer.status == 404)
        }
    }

    @Test("payment calls check the subscription key first")
    func subscriptionKeyOnPaymentCalls() async throws {
        try await LiveSimulator.with(.init(otherEnvironmentSubscriptionKeys: ["prod-key"])) { sim in
            let token = try await sim.accessToken()
            let missing = try await sim.send(
                .GET,
                "/ecomm/v2/payments/x/details",
                headers: [("Authorization", "Bearer \(token)")]
            )
            #expect(missing.status == 401)
            #expect(missing.json?["message"]?.stringValue?.contains("missing subscription key") == true)
            let otherEnvironment = try await sim.send(
                .GET,
                "/ecomm/v2/payments/x/details",
                headers: [("Authorization", "Bearer \(token)"), ("Ocp-Apim-Subscription-Key", "prod-key")]
            )
            #expect(otherEnvironment.status == 401)
            #expect(otherEnvironment.json?["message"]?.stringValue?.contains("invalid subscription key") == true)
        }
    }

    @Test("a login-only sales unit gets 403 Merchant Not Allowed")
    func loginOnly() async throws {
        var unit = LiveSimulator.unit
        unit.loginOnly = true
        try await LiveSimulator.with(.init(salesUnits: [unit])) { sim in
            let client = try await sim.client()
            let answer = try await client.initiate(WireClient.initiateBody(orderId: newOrderId()))
            #expect(answer.status == 403)
            #expect(answer.json?["responseInfo"]?["responseCode"] == 403)
            #expect(answer.json?["responseInfo"]?["responseMessage"] == "Merchant Not Allowed for Ecommerce Payment")
        }
    }

    @Test("a deactivated sales unit gets Merchant 37")
    func deactivated() async throws {
        var unit = LiveSimulator.unit
        unit.deactivated = true
        try await LiveSimulator.with(.init(salesUnits: [unit])) { sim in
            let client = try await sim.client()
            let answer = try await client.initiate(WireClient.initiateBody(orderId: newOrderId()))
            expectEcomError(
                answer,
                status: 400,
                group: "Merchant",
                code: "37",
                message: "Merchant not available or deactivated or blocked"
            )
        }
    }

    @Test(
        "partner keys need the Merchant-Serial-Number of a connected sales unit",
        arguments: [(nil, 403), ("999999", 403), ("123456", 200)] as [(String?, Int)]
    )
    func partnerKeys(msnHeader: String?, expectedStatus: Int) async throws {
        let partner = VippsSimulatorConfiguration.PartnerCredential(
            clientID: "partner-id",
            clientSecret: "partner-secret",
            subscriptionKey: "partner-key",
            connectedMSNs: ["123456"]
        )
        try await LiveSimulator.with(.init(partnerCredentials: [partner])) { sim in
            let token = try await sim.accessToken(
                subscriptionKey: "partner-key",
                clientID: "partner-id",
                clientSecret: "partner-secret"
            )
            let headers = sim.apiHeaders(
                token: token,
                subscriptionKey: "partner-key",
                extra: msnHeader.map { [("Merchant-Serial-Number", $0)] } ?? []
            )
            let answer = try await WireClient(harness: sim, headers: headers)
                .initiate(WireClient.initiateBody(orderId: newOrderId()))
            #expect(answer.status == expectedStatus, "\(answer.text)")
            if expectedStatus == 403 {
                #expect(answer.json?["responseInfo"]?["responseMessage"] == "Partner not allowed for this merchant")
            }
        }
    }

    @Test("the request log records which Vipps headers were sent, and flags ones over 30 characters")
    func headersAreRecorded() async throws {
        try await LiveSimulator.with { sim in
            let token = try await sim.accessToken()
            let headers = sim.apiHeaders(
                token: token,
                extra: [
                    ("Merchant-Serial-Number", "123456"), ("Vipps-System-Name", "qrpayd"),
                    ("Vipps-System-Version", "1.0.0"), ("Vipps-System-Plugin-Name", String(repeating: "p", count: 31)),
                    ("Vipps-System-Plugin-Version", "1.0.0"),
                ]
            )
            let orderId = newOrderId()
            _ = try await WireClient(harness: sim, headers: headers).initiate(
                WireClient.initiateBody(orderId: orderId)
            )
            let bare = try await sim.client()
            _ = try await bare.details(orderId)

            let requests = await sim.simulator.requests()
            let initiate = try #require(requests.first { $0.path == "/ecomm/v2/payments" })
            #expect(initiate.merchantSerialNumber == "123456")
            #expect(initiate.systemName == "qrpayd")
            #expect(initiate.systemVersion == "1.0.0")
            #expect(initiate.pluginVersion == "1.0.0")
            #expect(initiate.overlongHeaders == ["vipps-system-plugin-name"])
            #expect(!initiate.sentSystemHeaders)
            #expect(initiate.has(header: "Authorization"))
            #expect(initiate.orderId == orderId)
            let details = try #require(requests.first { $0.path.hasSuffix("/details") })
            #expect(details.merchantSerialNumber == nil)
            #expect(!details.has(header: "Vipps-System-Name"))
        }
    }
}
