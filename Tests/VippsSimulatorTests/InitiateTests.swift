import Foundation
import JSONValues
import Testing

@testable import VippsSimulator

@Suite("POST /ecomm/v2/payments")
struct InitiateTests {
    @Test(
        "answers 200 with the orderId and a landing-page url on the environment's host",
        arguments: [
            (VippsSimulatorConfiguration.Environment.test, "apitest.vipps.no"),
            (VippsSimulatorConfiguration.Environment.production, "api.vipps.no"),
        ]
    )
    func success(environment: VippsSimulatorConfiguration.Environment, host: String) async throws {
        try await LiveSimulator.with(.init(environment: environment)) { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            let answer = try await client.initiate(WireClient.initiateBody(orderId: orderId))
            #expect(answer.status == 200)
            #expect(answer.json?["orderId"]?.stringValue == orderId)
            let url = try #require(answer.json?["url"]?.stringValue)
            let prefix = "https://\(host)/dwo-api-application/v1/deeplink/vippsgateway?v=2&token="
            #expect(url.hasPrefix(prefix))
            // Vipps' own Postman collection finds the token as the third `=`-separated part.
            let parts = url.split(separator: "=", maxSplits: 2)
            #expect(parts.count == 3 && parts[2].split(separator: ".").count == 3)
            let payment = try #require(await sim.simulator.payment(orderId: orderId))
            #expect(payment.state == .initiated)
            #expect(payment.amount == 20_000)
        }
    }

    /// Mistakes the real API does not validate but fails on with a 500.
    enum Undeserialisable: String, CaseIterable, Sendable {
        case msnAsNumber, fractionalAmount, amountAsString, lowercaseFallback
    }

    @Test("type mistakes get VippsError 99 with HTTP 500", arguments: Undeserialisable.allCases)
    func internalErrors(_ mistake: Undeserialisable) async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            var body = WireClient.initiateBody(orderId: newOrderId())
            let merchantInfo = try #require(body["merchantInfo"])
            let transaction = try #require(body["transaction"])
            switch mistake {
            case .msnAsNumber:
                body = body.setting("merchantInfo", to: merchantInfo.setting("merchantSerialNumber", to: 123_456))
            case .fractionalAmount:
                body = body.setting("transaction", to: transaction.setting("amount", to: .number(100.5)))
            case .amountAsString:
                body = body.setting("transaction", to: transaction.setting("amount", to: "20000"))
            case .lowercaseFallback:
                body = body.setting(
                    "merchantInfo",
                    to: merchantInfo.setting("fallback", to: "https://www.vipps.no/thankyoupage/")
                )
            }
            let answer = try await client.initiate(body)
            expectEcomError(answer, status: 500, group: "VippsError", code: "99", message: "Internal error")
        }
    }

    struct FieldCase: Sendable, CustomTestStringConvertible {
        var section: String
        var field: String
        var value: JSONValue?
        var errorCode: String
        var message: String?
        var testDescription: String { "\(self.section).\(self.field) = \(self.value.map { "\($0)" } ?? "absent")" }
    }

    static let fieldCases: [FieldCase] = [
        .init(section: "transaction", field: "amount", value: 99, errorCode: "transaction.amount"),
        .init(section: "transaction", field: "amount", value: nil, errorCode: "transaction.amount"),
        .init(section: "transaction", field: "orderId", value: "has space", errorCode: "transaction.orderId"),
        .init(section: "transaction", field: "orderId", value: "ordre_1", errorCode: "transaction.orderId"),
        .init(
            section: "transaction",
            field: "orderId",
            value: .string(String(repeating: "a", count: 51)),
            errorCode: "transaction.orderId"
        ),
        .init(
            section: "transaction",
            field: "transactionText",
            value: .string(String(repeating: "t", count: 101)),
            errorCode: "transaction.transactionText"
        ),
        .init(section: "transaction", field: "transactionText", value: nil, errorCode: "transaction.transactionText"),
        .init(
            section: "merchantInfo",
            field: "fallBack",
            value: "http://localhost:8080/done",
            errorCode: "merchantInfo.fallBack",
            message: "merchantInfo.fallBack.invalid: Fallback should not be null or empty"
        ),
        .init(
            section: "merchantInfo",
            field: "fallBack",
            value: "http://shop.example.com/",
            errorCode: "merchantInfo.fallBack"
        ),
        .init(section: "merchantInfo", field: "fallBack", value: nil, errorCode: "merchantInfo.fallBack"),
        .init(
            section: "merchantInfo",
            field: "fallBack",
            value: .string("https://example.com/" + String(repeating: "x", count: 250)),
            errorCode: "merchantInfo.fallBack"
        ),
        .init(
            section: "merchantInfo",
            field: "callbackPrefix",
            value: "http://example.com/callbacks",
            errorCode: "merchantInfo.callbackPrefix",
            message: "callbackUrl is invalid"
        ),
        .init(
            section: "merchantInfo",
            field: "callbackPrefix",
            value: "https://localhost/callbacks",
            errorCode: "merchantInfo.callbackPrefix"
        ),
        .init(section: "merchantInfo", field: "callbackPrefix", value: nil, errorCode: "merchantInfo.callbackPrefix"),
        .init(
            section: "merchantInfo",
            field: "merchantSerialNumber",
            value: "1234",
            errorCode: "merchantInfo.merchantSerialNumber"
        ),
    ]

    @Test("field rules give InvalidRequest errors named after the field", arguments: fieldCases)
    func invalidFields(_ field: FieldCase) async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            var body = WireClient.initiateBody(orderId: newOrderId())
            var section = try #require(body[field.section]?.objectValue)
            section[field.field] = field.value
            body = body.setting(field.section, to: .object(section))
            let answer = try await client.initiate(body)
            expectEcomError(answer, status: 400, group: "InvalidRequest", code: field.errorCode, message: field.message)
        }
    }

    @Test("several field mistakes are reported together")
    func severalFieldErrors() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            var body = WireClient.initiateBody(orderId: "bad id", amount: 50)
            body = body.setting("merchantInfo", to: ["merchantSerialNumber": "123456"])
            let answer = try await client.initiate(body)
            guard case .array(let errors)? = answer.json else {
                Issue.record("expected an error array, got \(answer.text)")
                return
            }
            let codes = Set(errors.compactMap { $0["errorCode"]?.stringValue })
            #expect(
                codes == [
                    "transaction.amount", "transaction.orderId", "merchantInfo.fallBack", "merchantInfo.callbackPrefix",
                ]
            )
        }
    }

    @Test("a custom app scheme is a valid fallBack", arguments: ["myshop://vipps-done", "vippsdemo://result?x=1"])
    func customSchemeFallBack(fallBack: String) async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            var body = WireClient.initiateBody(orderId: newOrderId())
            body = body.setting(
                "merchantInfo",
                to: try #require(body["merchantInfo"]).setting("fallBack", to: .string(fallBack))
            )
            #expect(try await client.initiate(body).status == 200)
        }
    }

    @Test("a body that is not JSON is an InvalidRequest", arguments: ["", "{\"merchantInfo\":", "[1,2]"])
    func malformedJSON(body: String) async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let answer = try await sim.send(
                .POST,
                "/ecomm/v2/payments",
                headers: client.headers + [("Content-Type", "application/json")],
                body: body
            )
            #expect(answer.status == 400)
            guard case .array(let errors)? = answer.json else {
                Issue.record("expected an error array, got \(answer.text)")
                return
            }
            #expect(errors.first?["errorGroup"] == "InvalidRequest")
        }
    }

    @Test(
        "a bad, unknown or under-15 mobile number gets User 81",
        arguments: ["+4791234567", "9123456", "91 23 45 67", "40000001", "40000015"]
    )
    func unknownUser(mobileNumber: String) async throws {
        let configuration = VippsSimulatorConfiguration(
            unknownMobileNumbers: ["40000001"],
            underageMobileNumbers: ["40000015"]
        )
        try await LiveSimulator.with(configuration) { sim in
            let client = try await sim.client()
            let body = WireClient.initiateBody(orderId: newOrderId())
                .setting("customerInfo", to: ["mobileNumber": .string(mobileNumber)])
            let answer = try await client.initiate(body)
            expectEcomError(answer, status: 400, group: "User", code: "81", message: "User not registered with Vipps")
        }
    }

    @Test("a well-formed Vipps user's number is accepted and kept")
    func knownUser() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            let body = WireClient.initiateBody(orderId: orderId).setting(
                "customerInfo",
                to: ["mobileNumber": "91234567"]
            )
            #expect(try await client.initiate(body).status == 200)
            #expect(await sim.simulator.payment(orderId: orderId)?.mobileNumber == "91234567")
        }
    }

    @Test("skipLandingPage gets Merchant 38")
    func skipLandingPage() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            var body = WireClient.initiateBody(orderId: newOrderId())
            body = body.setting(
                "transaction",
                to: try #require(body["transaction"]).setting("skipLandingPage", to: true)
            )
            expectEcomError(
                try await client.initiate(body),
                status: 400,
                group: "Merchant",
                code: "38",
                message: "The sales unit is not allowed to skip the landing page"
            )
        }
    }

    @Test("reusing an orderId gets Merchant 34")
    func duplicateOrderId() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            let again = try await client.initiate(WireClient.initiateBody(orderId: orderId))
            expectEcomError(again, status: 400, group: "Merchant", code: "34", message: "Duplicate orderId")
        }
    }

    @Test("an MSN that does not belong to the credentials is refused")
    func foreignMSN() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let answer = try await client.initiate(WireClient.initiateBody(orderId: newOrderId(), msn: "654321"))
            expectEcomError(answer, status: 400, group: "InvalidRequest", code: "merchantInfo.merchantSerialNumber")
        }
    }

    @Test("orderIds are unique per MSN, not globally")
    func orderIdsPerMSN() async throws {
        let second = AuthorizationTests.secondUnit
        try await LiveSimulator.with(.init(salesUnits: [LiveSimulator.unit, second])) { sim in
            let orderId = newOrderId()
            try await sim.client().initiate(orderId: orderId)
            let token = try await sim.accessToken(
                subscriptionKey: second.subscriptionKey,
                clientID: second.clientID,
                clientSecret: second.clientSecret
            )
            let other = WireClient(
                harness: sim,
                headers: sim.apiHeaders(token: token, subscriptionKey: second.subscriptionKey)
            )
            let answer = try await other.initiate(WireClient.initiateBody(orderId: orderId, msn: second.msn))
            #expect(answer.status == 200)
            #expect(await sim.simulator.payments().count == 2)
        }
    }
}
