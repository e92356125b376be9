import Foundation
import JSONValues
import Testing

@testable import VippsSimulator

@Suite("Unknown fields in answers")
struct UnknownFieldsTests {
    @Test("are added by default: top level, in log items, in the token answer")
    func present() async throws {
        try await LiveSimulator.with { sim in
            let token = try await sim.send(.POST, "/accesstoken/get", headers: LiveSimulator.credentialHeaders())
            #expect(token.json?["x-sim-note"] != nil)
            let client = try await sim.client()
            let orderId = newOrderId()
            let initiate = try await client.initiate(WireClient.initiateBody(orderId: orderId))
            #expect(initiate.json?["x-sim-note"] != nil)
            let details = try await client.details(orderId)
            let body = try #require(details.json?.objectValue)
            #expect(body["sub"] == nil, "sub is a string in the spec: absent, never null")
            #expect(body["x-sim-note"] != nil)
            guard case .array(let log)? = body["transactionLogHistory"] else { return }
            #expect(log.first?["x-sim-entry"] != nil)
        }
    }

    @Test("can be switched off")
    func absent() async throws {
        try await LiveSimulator.with(.init(addUnknownFields: false)) { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            let initiate = try await client.initiate(WireClient.initiateBody(orderId: orderId))
            #expect(Set(initiate.json?.objectValue?.keys ?? [:].keys) == ["orderId", "url"])
            let details = try await client.details(orderId)
            #expect(Set(details.json?.objectValue?.keys ?? [:].keys) == ["orderId", "transactionLogHistory"])
        }
    }
}
