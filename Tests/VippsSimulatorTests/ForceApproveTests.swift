import Foundation
import JSONValues
import Testing

@testable import VippsSimulator

@Suite("POST /ecomm/v2/integration-test/payments/{orderId}/approve")
struct ForceApproveTests {
    static func token(from url: String) -> String {
        URLComponents(string: url)?.queryItems?.first { $0.name == "token" }?.value ?? ""
    }

    func approve(_ sim: LiveSimulator, _ client: WireClient, _ orderId: String, phone: String, token: String)
        async throws -> LiveSimulator.Answer
    {
        try await sim.send(
            .POST,
            "/ecomm/v2/integration-test/payments/\(orderId)/approve",
            headers: client.headers,
            json: ["customerPhoneNumber": .string(phone), "token": .string(token)]
        )
    }

    @Test("the token from the initiate url approves the payment")
    func approves() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            let url = try await client.initiate(orderId: orderId)
            let answer = try await self.approve(sim, client, orderId, phone: "91234567", token: Self.token(from: url))
            #expect(answer.status == 200)
            #expect(operations(try await client.details(orderId)) == ["RESERVE:ok", "INITIATE:ok"])
        }
    }

    @Test(
        "a wrong token or a malformed phone number is refused",
        arguments: [("91234567", false), ("+4791234567", true)]
    )
    func refused(phone: String, rightToken: Bool) async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            let url = try await client.initiate(orderId: orderId)
            let token = rightToken ? Self.token(from: url) : "eyJ.wrong.token"
            let answer = try await self.approve(sim, client, orderId, phone: phone, token: token)
            #expect(answer.status == 400)
            #expect(await sim.simulator.payment(orderId: orderId)?.state == .initiated)
        }
    }

    @Test("production has no such endpoint")
    func notInProduction() async throws {
        try await LiveSimulator.with(.init(environment: .production)) { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            let url = try await client.initiate(orderId: orderId)
            let answer = try await self.approve(sim, client, orderId, phone: "91234567", token: Self.token(from: url))
            #expect(answer.status == 404)
            #expect(await sim.simulator.payment(orderId: orderId)?.state == .initiated)
        }
    }
}
