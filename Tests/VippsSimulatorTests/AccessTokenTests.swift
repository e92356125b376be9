import Foundation
import JSONValues
import Testing

@testable import VippsSimulator

@Suite("POST /accesstoken/get")
struct AccessTokenTests {
    @Test(
        "answers with every value a string and the environment's lifetime",
        arguments: [
            (VippsSimulatorConfiguration.Environment.test, "3600"),
            (VippsSimulatorConfiguration.Environment.production, "86400"),
        ]
    )
    func tokenShape(environment: VippsSimulatorConfiguration.Environment, lifetime: String) async throws {
        try await LiveSimulator.with(.init(environment: environment)) { sim in
            let answer = try await sim.send(.POST, "/accesstoken/get", headers: LiveSimulator.credentialHeaders())
            #expect(answer.status == 200)
            let body = try #require(answer.json?.objectValue)
            for key in [
                "token_type", "expires_in", "ext_expires_in", "expires_on", "not_before", "resource", "access_token",
            ] {
                #expect(body[key]?.stringValue != nil, "\(key) must be a string")
            }
            #expect(body["token_type"] == "Bearer")
            #expect(body["expires_in"]?.stringValue == lifetime)
            #expect(body["ext_expires_in"] == "0")
            #expect(body["resource"] == "00000002-0000-0000-c000-000000000000")
            let expiresOn = try #require(Int(body["expires_on"]?.stringValue ?? ""))
            let notBefore = try #require(Int(body["not_before"]?.stringValue ?? ""))
            #expect(expiresOn - notBefore == Int(lifetime))
            let token = body["access_token"]?.stringValue ?? ""
            #expect(!token.isEmpty)
        }
    }

    @Test("a configured lifetime overrides the environment's")
    func configuredLifetime() async throws {
        try await LiveSimulator.with(.init(tokenLifetime: .seconds(120))) { sim in
            let answer = try await sim.send(.POST, "/accesstoken/get", headers: LiveSimulator.credentialHeaders())
            #expect(answer.json?["expires_in"] == "120")
        }
    }

    @Test("every token is different")
    func tokensAreFresh() async throws {
        try await LiveSimulator.with { sim in
            let first = try await sim.accessToken()
            let second = try await sim.accessToken()
            #expect(first != second)
        }
    }

    @Test("a missing subscription key gets the gateway's 401")
    func missingSubscriptionKey() async throws {
        try await LiveSimulator.with { sim in
            let answer = try await sim.send(
                .POST,
                "/accesstoken/get",
                headers: [("client_id", "sim-client-id"), ("client_secret", "sim-client-secret")]
            )
            #expect(answer.status == 401)
            #expect(answer.json?["statusCode"] == 401)
            #expect(
                answer.json?["message"]?.stringValue
                    == "Access denied due to missing subscription key. "
                    + "Make sure to include subscription key when making requests to an API."
            )
        }
    }

    @Test(
        "an unknown key, or one from the other environment, gets the invalid-key 401",
        arguments: ["no-such-key", "production-key"]
    )
    func invalidSubscriptionKey(key: String) async throws {
        try await LiveSimulator.with(.init(otherEnvironmentSubscriptionKeys: ["production-key"])) { sim in
            let answer = try await sim.send(
                .POST,
                "/accesstoken/get",
                headers: [
                    ("client_id", "sim-client-id"), ("client_secret", "sim-client-secret"),
                    ("Ocp-Apim-Subscription-Key", key),
                ]
            )
            #expect(answer.status == 401)
            #expect(answer.json?["statusCode"] == 401)
            #expect(
                answer.json?["message"]?.stringValue
                    == "Access denied due to invalid subscription key. "
                    + "Make sure to provide a valid key for an active subscription."
            )
        }
    }

    @Test(
        "a wrong client id or secret gets unauthorized_client",
        arguments: [("sim-client-id", "wrong-secret"), ("wrong-id", "sim-client-secret"), ("", "")]
    )
    func wrongClientCredentials(clientID: String, secret: String) async throws {
        try await LiveSimulator.with { sim in
            let answer = try await sim.send(
                .POST,
                "/accesstoken/get",
                headers: [
                    ("client_id", clientID), ("client_secret", secret),
                    ("Ocp-Apim-Subscription-Key", "sim-subscription-key"),
                ]
            )
            #expect(answer.status == 401)
            #expect(answer.json?["error"] == "unauthorized_client")
            #expect(
                answer.json?["error_description"]?.stringValue == "AADSTS7000215: Invalid client secret provided."
            )
            #expect(!answer.text.contains("sim-client-secret"), "errors never echo secrets")
        }
    }
}
