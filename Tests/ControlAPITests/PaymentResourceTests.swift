import Foundation
import Testing
import VippsAPI

@testable import ControlAPI
@testable import PaymentCore

/// The till's payment object (``PaymentResource``) is made from the domain ``Payment`` and pinned to `openapi.json`:
/// a field added to the domain model reaches the till only when the wire type and the document both carry it.
@Suite struct PaymentResourceTests {
    /// 2026-11-21T10:00:00Z.
    static let created = Date(timeIntervalSince1970: 1_795_255_200)

    static func schemaProperties(_ name: String) throws -> Set<String> {
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: OpenAPIConformanceTests.documentFile))
                as? [String: Any]
        )
        let components = try #require(document["components"] as? [String: Any])
        let schemas = try #require(components["schemas"] as? [String: Any])
        let schema = try #require(schemas[name] as? [String: Any])
        return Set(try #require(schema["properties"] as? [String: Any]).keys)
    }

    static func json(_ value: some Encodable) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: try WireJSON.encode(value)) as? [String: Any])
    }

    /// Every optional member set: a payment and a capture the till asked for (with its caller), the capture failed
    /// with what Vipps said.
    static func fullPayment() -> Payment {
        var vipps = VippsErrorInfo(status: 400, errorGroup: "Merchant", errorCode: "35", errorMessage: "Too much")
        vipps.contextId = "ctx-1"
        vipps.problemType = "https://example.com/problems/validation"
        vipps.problemTitle = "Bad Request"
        vipps.problemDetail = "Amount too high"
        vipps.traceId = "trace-1"
        vipps.extraDetails = [VippsProblem.ExtraDetail(name: "amount", reason: "too high")]
        let error = PaymentError(
            type: "urn:qrpayd:error:vipps-rejected",
            code: "35",
            title: "Vipps refused the capture",
            detail: "Too much",
            hint: "Capture at most the reserved amount",
            vipps: vipps
        )
        let operation = MoneyOperation(
            id: "op-0123456789abcdef01234567",
            kind: .capture,
            amount: 20000,
            state: .failed,
            origin: .till,
            callerUid: 1000,
            callerPid: 4242,
            idempotencyKey: "key-1",
            vippsRequestId: "capture-0123456789abcdef01234567",
            createdAt: Self.created.addingTimeInterval(40),
            finishedAt: Self.created.addingTimeInterval(41),
            error: error,
            fingerprint: "capture;amount=20000"
        )
        return Payment(
            reference: "wire-1",
            orderId: "kiosk7-wire-1",
            amount: 12900,
            text: "Kaffe",
            state: .authorized,
            settlement: .till,
            qrText: "https://qr.vipps.no/28/2/01/031/4791234567?v=1",
            createdAt: Self.created,
            updatedAt: Self.created.addingTimeInterval(41),
            expiresAt: Self.created.addingTimeInterval(600),
            scannedAt: Self.created.addingTimeInterval(20),
            authorizedAt: Self.created.addingTimeInterval(30),
            error: error,
            reservedAmount: 12900,
            operations: [operation],
            unreconciled: true,
            api: .epayment,
            callerUid: 1000,
            callerPid: 4241
        )
    }

    /// The exact key set of a payment object, of an operation, of an error and of what Vipps said is the one the
    /// document's schemas list: nothing the engine keeps for itself leaks out, nothing documented is missing.
    @Test func aPaymentObjectHasExactlyTheDocumentedMembers() throws {
        let documented = try Self.schemaProperties("Payment")
        #expect(Set(PaymentResource.CodingKeys.allCases.map(\.rawValue)) == documented)
        #expect(
            Set(MoneyOperationResource.CodingKeys.allCases.map(\.rawValue)) == (try Self.schemaProperties("Operation"))
        )

        let object = try Self.json(PaymentResource(Self.fullPayment()))
        #expect(Set(object.keys) == documented)
        let operations = try #require(object["operations"] as? [[String: Any]])
        let operation = try #require(operations.first)
        #expect(Set(operation.keys) == (try Self.schemaProperties("Operation")))
        let error = try #require(object["error"] as? [String: Any])
        #expect(Set(error.keys) == (try Self.schemaProperties("PaymentError")))
        let vipps = try #require(error["vipps"] as? [String: Any])
        #expect(Set(vipps.keys) == (try Self.schemaProperties("VippsError")))
        #expect(Set(try #require(operation["error"] as? [String: Any]).keys) == Set(error.keys))
    }

    /// Byte for byte what the control API has always written for a settled payment: `error` and `qrText` as null,
    /// no `scannedAt` that never happened, `final`, dates in whole seconds, the operation without its fingerprint
    /// or caller.
    @Test func aSettledPaymentIsWrittenAsTheTillKnowsIt() throws {
        let capture = MoneyOperation(
            id: "op-0123456789abcdef01234567",
            kind: .capture,
            amount: 12900,
            state: .succeeded,
            origin: .qrpayd,
            callerUid: nil,
            callerPid: nil,
            idempotencyKey: nil,
            vippsRequestId: "capture-0123456789abcdef01234567",
            createdAt: Self.created.addingTimeInterval(31),
            finishedAt: Self.created.addingTimeInterval(32),
            error: nil,
            fingerprint: "capture;amount=rest"
        )
        let payment = Payment(
            reference: "wire-1",
            orderId: "kiosk7-wire-1",
            amount: 12900,
            text: "Kaffe",
            state: .captured,
            settlement: .auto,
            capturedAmount: 12900,
            createdAt: Self.created,
            updatedAt: Self.created.addingTimeInterval(60),
            expiresAt: Self.created.addingTimeInterval(600),
            authorizedAt: Self.created.addingTimeInterval(30),
            operations: [capture]
        )
        let expected =
            #"{"amount":12900,"api":"ecom","authorizedAt":"2026-11-21T10:00:30Z","capturedAmount":12900,"#
            + #""createdAt":"2026-11-21T10:00:00Z","currency":"NOK","error":null,"expiresAt":"2026-11-21T10:10:00Z","#
            + #""final":true,"operations":[{"amount":12900,"createdAt":"2026-11-21T10:00:31Z","error":null,"#
            + #""finishedAt":"2026-11-21T10:00:32Z","id":"op-0123456789abcdef01234567","idempotencyKey":null,"#
            + #""kind":"capture","origin":"qrpayd","state":"succeeded","#
            + #""vippsRequestId":"capture-0123456789abcdef01234567"}],"orderId":"kiosk7-wire-1","qrText":null,"#
            + #""reference":"wire-1","refundedAmount":0,"reservedAmount":0,"settlement":"auto","state":"captured","#
            + #""text":"Kaffe","unreconciled":false,"updatedAt":"2026-11-21T10:01:00Z"}"#
        #expect(String(decoding: try WireJSON.encode(PaymentResource(payment)), as: UTF8.self) == expected)
    }

    /// A till reading the object back gets what the daemon meant.
    @Test func aTillReadsBackWhatTheDaemonWrote() throws {
        let resource = PaymentResource(Self.fullPayment())
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        #expect(try decoder.decode(PaymentResource.self, from: try WireJSON.encode(resource)) == resource)
        #expect(resource.final == false)
        #expect(resource.operations.first?.error?.vipps?.extraDetails?.first?.name == "amount")
    }

    /// Health carries the active payment and the last error in their wire form.
    @Test func healthWritesTheActivePaymentAsThePaymentObject() throws {
        let payment = Self.fullPayment()
        let report = HealthReport(
            status: .degraded,
            version: "1.2.3-test",
            vipps: HealthReport.Vipps(reachable: false, environment: "test", lastError: payment.error),
            activePayment: payment
        )
        let object = try Self.json(report)
        let active = try #require(object["activePayment"] as? [String: Any])
        #expect(Set(active.keys) == (try Self.schemaProperties("Payment")))
        let vipps = try #require(object["vipps"] as? [String: Any])
        #expect((vipps["lastError"] as? [String: Any])?["code"] as? String == "35")
        #expect(vipps["tokenValidUntil"] == nil && vipps["lastSuccess"] == nil)
    }
}
