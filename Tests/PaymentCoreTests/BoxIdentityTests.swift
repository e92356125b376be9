import Foundation
import GRDB
import TestSupport
import Testing
import VippsAPI
import VippsSimulator

@testable import PaymentCore

/// The keys sent to Vipps (eCom's `X-Request-Id`, ePayment's create `Idempotency-Key`) carry the box's identity, so
/// two boxes of one sales unit never send the same key even for the same orderId; a key already stored is reused as
/// it was stored.
@Suite(.timeLimit(.minutes(1)))
struct BoxIdentityTests {
    static func storedCreateKey(_ reference: String, in store: PaymentStore) throws -> String? {
        try store.database.read { db in
            try String.fetchOne(
                db,
                sql: "SELECT requestId FROM intent WHERE reference = ? AND operation = 'initiate'",
                arguments: [reference]
            )
        }
    }

    @Test func theBoxIdentityIsADigestOfTheMachineIDNeverTheIDItself() throws {
        let directory = try TemporaryDirectory()
        let machineID = "4b1c7d2e9f0a4c3b8e6d5f7a1b2c3d4e"
        let file = directory.file("machine-id")
        try Data("\(machineID)\n".utf8).write(to: file)
        let identity = try #require(BoxIdentity.derive(machineIDPath: file.path))
        #expect(identity.count == 16 && identity.allSatisfy(\.isHexDigit))
        #expect(!machineID.contains(identity))
        #expect(BoxIdentity.derive(machineIDPath: directory.file("missing").path) == nil)
        // Not the digest the orderId prefix is drawn from.
        #expect(!(BoxPrefix.derive(machineIDPath: file.path) ?? "").contains(identity.prefix(6)))
    }

    @Test func keysDifferByBoxForTheSameOrderIdAndStayWithinVippsLimit() {
        let a = RequestID.make(orderId: "kiosk1-1001", operation: .initiate, sequence: 1, box: "00000000000000aa")
        let b = RequestID.make(orderId: "kiosk1-1001", operation: .initiate, sequence: 1, box: "00000000000000bb")
        #expect(a != b)
        #expect(a.count <= 40 && b.count <= 40)
        // The same box and orderId: the same key on every attempt.
        #expect(a == RequestID.make(orderId: "kiosk1-1001", operation: .initiate, sequence: 1, box: "00000000000000aa"))
    }

    @Test(arguments: [VippsAPIKind.ecom, .epayment])
    func twoBoxesWithTheSameOrderIdSendDifferentKeys(api: VippsAPIKind) async throws {
        var keys: [String] = []
        for box in ["1111111111111111", "2222222222222222"] {
            let key = try await EngineHarness.run(
                engine: .testing {
                    $0.api = api
                    $0.boxIdentity = box
                }
            ) { h in
                let (payment, _) = try await h.engine.create(
                    PaymentRequest(reference: "same-1", amount: 100, text: nil)
                )
                #expect(payment.orderId == "kiosk7-same-1")
                let key = try #require(try Self.storedCreateKey("same-1", in: h.store))
                #expect(key == RequestID.make(orderId: payment.orderId, operation: .initiate, sequence: 1, box: box))
                return key
            }
            keys.append(key)
        }
        #expect(keys.count == 2 && keys[0] != keys[1])
    }

    /// A payment in flight across the upgrade keeps the key it was created with: the stored intent is returned, not
    /// one derived the new way.
    @Test func aStoredKeyIsReusedExactlyAsStored() async throws {
        try await EngineHarness.run(engine: .testing { $0.boxIdentity = "3333333333333333" }) { h in
            let (payment, _) = try await h.engine.create(PaymentRequest(reference: "kept-1", amount: 100, text: nil))
            let stored = try #require(try Self.storedCreateKey("kept-1", in: h.store))
            let again = try h.store.beginIntent(
                reference: "kept-1",
                operation: .initiate,
                sequence: 1,
                requestId: RequestID.make(orderId: payment.orderId, operation: .initiate, sequence: 1, box: nil),
                amount: 100,
                at: Date()
            )
            #expect(again.requestId == stored)
        }
    }
}
