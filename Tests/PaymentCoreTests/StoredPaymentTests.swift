import Foundation
import GRDB
import TestSupport
import Testing
import VippsAPI

@testable import PaymentCore

/// The store's own record of a payment (``StoredPayment``): versioned, written in one schema, read in every older one
/// with the values fields had before they existed, and refused when a newer qrpayd wrote it.
@Suite struct StoredPaymentTests {
    /// Whole seconds: the store writes dates as ISO-8601 without fractions.
    static let created = Date(timeIntervalSince1970: 1_795_000_000)

    /// A payment with every field set, an operation that failed with what Vipps said, and one still pending.
    static func fullPayment() -> Payment {
        let vipps = VippsErrorInfo(
            status: 400,
            errorGroup: "Merchant",
            errorCode: "35",
            errorMessage: "Requested capture amount is greater than the reserved amount",
            contextId: "ctx-1",
            problem: VippsProblem(
                type: "https://developer.vippsmobilepay.com/docs/APIs/epayment-api/problems#validation-error",
                title: "Bad Request",
                detail: "Amount too high",
                traceId: "trace-1",
                extraDetails: [VippsProblem.ExtraDetail(name: "amount", reason: "too high")]
            )
        )
        let failed = MoneyOperation(
            id: "op-000000000000000000000001",
            kind: .capture,
            amount: 20000,
            state: .failed,
            origin: .till,
            callerUid: 1000,
            callerPid: 4242,
            idempotencyKey: "key-1",
            vippsRequestId: "capture-000000000000000000000001",
            createdAt: Self.created.addingTimeInterval(60),
            finishedAt: Self.created.addingTimeInterval(61),
            error: PaymentError(
                type: "urn:qrpayd:error:vipps-rejected",
                code: "35",
                title: "Vipps refused the capture",
                detail: "Too much",
                hint: "Capture at most the reserved amount",
                vipps: vipps
            ),
            fingerprint: "capture;amount=20000"
        )
        let pending = MoneyOperation(
            id: "op-000000000000000000000002",
            kind: .cancel,
            amount: nil,
            state: .pending,
            origin: .qrpayd,
            callerUid: nil,
            callerPid: nil,
            idempotencyKey: nil,
            vippsRequestId: "cancel-000000000000000000000002",
            createdAt: Self.created.addingTimeInterval(62),
            finishedAt: nil,
            error: nil,
            fingerprint: "cancel;amount=rest"
        )
        return Payment(
            reference: "stored-1",
            orderId: "kiosk7-stored-1",
            amount: 12900,
            currency: "DKK",
            text: "Kaffe og bolle",
            state: .authorized,
            settlement: .till,
            capturedAmount: 0,
            refundedAmount: 0,
            qrText: "https://qr.vipps.no/28/2/01/031/4791234567?v=1",
            createdAt: Self.created,
            updatedAt: Self.created.addingTimeInterval(62),
            expiresAt: Self.created.addingTimeInterval(600),
            scannedAt: Self.created.addingTimeInterval(20),
            authorizedAt: Self.created.addingTimeInterval(30),
            error: PaymentError(type: "urn:qrpayd:error:vipps-unavailable", code: "timeout", title: "Vipps is slow"),
            reservedAmount: 12900,
            operations: [failed, pending],
            unreconciled: true,
            api: .epayment,
            callerUid: 1000,
            callerPid: 4241
        )
    }

    /// The payload's copy of the operations carries no fingerprint (the operation table's column does).
    static func withoutFingerprints(_ payment: Payment) -> Payment {
        var payment = payment
        for index in payment.operations.indices { payment.operations[index].fingerprint = "" }
        return payment
    }

    static func object(_ payload: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
    }

    // MARK: Round trips

    @Test func aStoredPaymentRoundTripsAndSaysItsSchema() throws {
        let payment = Self.fullPayment()
        let payload = try PaymentStore.payload(of: payment)
        #expect(try Self.object(payload)["schema"] as? Int == StoredPayment.schemaVersion)
        #expect(StoredPayment.schemaVersion == 4)
        #expect(payload.contains(#""schema":4"#))
        #expect(try Self.object(payload)["callerUid"] as? Int == 1000)
        #expect(try Self.object(payload)["callerPid"] as? Int == 4241)
        let read = try PaymentStore.payment(fromPayload: payload, subject: "Payment stored-1")
        #expect(read == Self.withoutFingerprints(payment))

        // Nothing optional is lost on the way: nil stays nil.
        var bare = payment
        bare.qrText = nil
        bare.error = nil
        bare.scannedAt = nil
        bare.authorizedAt = nil
        bare.operations = []
        bare.callerUid = nil
        bare.callerPid = nil
        let barePayload = try PaymentStore.payload(of: bare)
        #expect(try Self.object(barePayload)["error"] is NSNull)
        #expect(try Self.object(barePayload)["callerUid"] is NSNull)
        #expect(try Self.object(barePayload)["callerPid"] is NSNull)
        #expect(try Self.object(barePayload)["qrText"] is NSNull)
        #expect(try PaymentStore.payment(fromPayload: barePayload, subject: "Payment stored-1") == bare)
    }

    /// Through the database: the payment row keeps the operations' fingerprints in their own column, and every
    /// payload written (payment, event, operation) carries the schema version.
    @Test func aSavedPaymentReadsBackAsItWasWithTheSchemaInEveryPayload() throws {
        let directory = try TemporaryDirectory(prefix: "qrpayd-stored")
        let store = try PaymentStore(directory: directory.path)
        let payment = Self.fullPayment()
        try store.save(
            PaymentStore.Record(payment: payment, fingerprint: "create", paymentURL: "https://x"),
            isNew: true
        )
        let record = try #require(try store.record(reference: "stored-1"))
        #expect(record.payment == payment)
        #expect(record.fingerprint == "create")
        #expect(try store.events(after: 0).map(\.payment) == [Self.withoutFingerprints(payment)])

        let schemas = try store.database.read { db in
            try Int.fetchAll(
                db,
                sql: """
                    SELECT json_extract(payload, '$.schema') FROM payment
                    UNION ALL SELECT json_extract(payload, '$.schema') FROM event
                    UNION ALL SELECT json_extract(payload, '$.schema') FROM operation
                    """
            )
        }
        #expect(schemas == [4, 4, 4, 4])
    }

    // MARK: Older payloads

    /// The shape of the first release: no currency, api, reservedAmount, operations, unreconciled (nor the amounts
    /// of what had not happened yet). Each gets the value it had before it existed.
    @Test(arguments: [
        (PaymentState.awaitingScan, 0, 0),
        (.authorized, 0, 12900),
        (.captured, 4000, 8900),
        (.captured, 12900, 0),
        (.cancelled, 0, 0),
    ])
    func aFirstReleasePayloadReadsWithTheDefaults(state: PaymentState, captured: Int, reserved: Int) throws {
        let payload = """
            {"reference":"old-1","orderId":"kiosk7-old-1","amount":12900,"text":"Fixture","state":"\(state.rawValue)",
             "final":\(state.isFinal),"settlement":"till","capturedAmount":\(captured),"refundedAmount":0,
             "qrText":null,"createdAt":"2026-11-21T10:00:00Z","updatedAt":"2026-11-21T10:01:00Z",
             "expiresAt":"2026-11-21T10:10:00Z","error":null}
            """
        let payment = try PaymentStore.payment(fromPayload: payload, subject: "Payment old-1")
        #expect(payment.state == state)
        #expect(payment.final == state.isFinal)
        #expect(payment.currency == "NOK")
        #expect(payment.vippsCurrency == .nok)
        #expect(payment.api == .ecom)
        #expect(payment.capturedAmount == captured)
        #expect(payment.reservedAmount == reserved)
        #expect(payment.operations.isEmpty)
        #expect(!payment.unreconciled)
    }

    /// The oldest payloads left out the amounts too; a stored `reservedAmount` (0.2 on) wins over the derived one;
    /// stored operations are read as they were.
    @Test func laterUnversionedPayloadsKeepWhatTheyStored() throws {
        let minimal = """
            {"reference":"old-2","orderId":"kiosk7-old-2","amount":500,"text":"","state":"authorized",
             "settlement":"auto","createdAt":"2026-11-21T10:00:00Z","updatedAt":"2026-11-21T10:01:00Z",
             "expiresAt":"2026-11-21T10:10:00Z"}
            """
        let old = try PaymentStore.payment(fromPayload: minimal, subject: "Payment old-2")
        #expect(old.capturedAmount == 0 && old.refundedAmount == 0 && old.reservedAmount == 500)
        #expect(old.qrText == nil && old.error == nil && old.scannedAt == nil)

        let released = """
            {"reference":"old-3","orderId":"kiosk7-old-3","amount":12900,"text":"","state":"captured","final":true,
             "settlement":"till","capturedAmount":4000,"refundedAmount":0,"qrText":null,
             "createdAt":"2026-11-21T10:00:00Z","updatedAt":"2026-11-21T10:01:00Z","expiresAt":"2026-11-21T10:10:00Z",
             "error":null,"reservedAmount":0,"unreconciled":true,"currency":"EUR",
             "operations":[{"id":"op-0123456789abcdef01234567","kind":"cancel","amount":null,"state":"succeeded",
               "origin":"till","idempotencyKey":null,"vippsRequestId":"cancel-0123456789abcdef01234567",
               "createdAt":"2026-11-21T10:00:30Z","finishedAt":"2026-11-21T10:00:31Z","error":null}]}
            """
        let payment = try PaymentStore.payment(fromPayload: released, subject: "Payment old-3")
        #expect(payment.reservedAmount == 0)
        #expect(payment.unreconciled)
        #expect(payment.currency == "EUR")
        #expect(payment.api == .ecom)
        let operation = try #require(payment.operations.first)
        #expect(operation.kind == .cancel && operation.state == .succeeded && operation.amount == nil)
        #expect(operation.fingerprint == "")
        #expect(!payment.isUnsettled)
    }

    /// The v1 fixture's payloads carry no schema and none of the later fields; they read with the documented
    /// defaults, and the next save writes the current schema.
    @Test func theVersionOneFixtureReadsWithTheDefaultsAndIsRewrittenInTheCurrentSchema() throws {
        let directory = try StoreMigrationTests.copyFixture()
        let store = try PaymentStore(directory: directory.path)
        let unversioned = try store.database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM payment WHERE json_extract(payload, '$.schema') IS NULL")
        }
        #expect(unversioned == 5)
        let records = Dictionary(
            uniqueKeysWithValues: try store.recentRecords(limit: 100).map { ($0.payment.reference, $0) }
        )
        for record in records.values {
            #expect(record.payment.currency == "NOK")
            #expect(record.payment.api == .ecom)
            #expect(!record.payment.unreconciled)
        }
        #expect(records["v1-open"]?.payment.reservedAmount == 0)
        #expect(records["v1-reserved"]?.payment.reservedAmount == 12900)
        #expect(records["v1-partial"]?.payment.reservedAmount == 8900)
        #expect(try store.events(after: 0).allSatisfy { $0.payment.currency == "NOK" && $0.payment.api == .ecom })

        var reserved = try #require(records["v1-reserved"])
        reserved.payment.unreconciled = true
        try store.save(reserved)
        let schema = try store.database.read { db in
            try Int.fetchOne(
                db,
                sql: "SELECT json_extract(payload, '$.schema') FROM payment WHERE reference = 'v1-reserved'"
            )
        }
        #expect(schema == 4)
        #expect(try store.record(reference: "v1-reserved")?.payment == reserved.payment)
    }

    /// Schema 3 (qrpayd 0.4) recorded everything but who asked for the payment: it reads strictly, with no caller,
    /// and the next save writes schema 4 with the caller still unknown (never a guessed one).
    @Test func aSchemaThreePayloadReadsWithNoCallerAndIsRewrittenInSchemaFour() throws {
        var object = try Self.object(try PaymentStore.payload(of: Self.fullPayment()))
        object["schema"] = 3
        object["callerUid"] = nil
        object["callerPid"] = nil
        let payload = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let read = try PaymentStore.payment(fromPayload: payload, subject: "Payment stored-1")
        var expected = Self.withoutFingerprints(Self.fullPayment())
        expected.callerUid = nil
        expected.callerPid = nil
        #expect(read == expected)
        // The operations kept their callers: schema 3 had them.
        #expect(read.operations.first?.callerUid == 1000)

        let rewritten = try Self.object(try PaymentStore.payload(of: read))
        #expect(rewritten["schema"] as? Int == 4)
        #expect(rewritten["callerUid"] is NSNull)

        // Schema 3 is read strictly: a member it always wrote is still required.
        object["api"] = nil
        let broken = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        #expect(throws: (any Error).self) { try PaymentStore.payment(fromPayload: broken, subject: "Payment stored-1") }
    }

    /// Schema 4 is read strictly too: a payload that claims 4 and leaves the caller out is damaged, not old.
    @Test func aSchemaFourPayloadWithoutTheCallerIsRefused() throws {
        var object = try Self.object(try PaymentStore.payload(of: Self.fullPayment()))
        object["callerUid"] = nil
        let payload = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        #expect(throws: (any Error).self) {
            try PaymentStore.payment(fromPayload: payload, subject: "Payment stored-1")
        }
    }

    // MARK: Newer payloads

    @Test func aPayloadOfANewerSchemaIsRefusedNamingItsVersion() throws {
        var object = try Self.object(try PaymentStore.payload(of: Self.fullPayment()))
        object["schema"] = 5
        object["somethingNew"] = "only qrpayd 5 knows"
        let payload = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let newer = try #require(throws: StoredPayment.NewerSchema.self) {
            try PaymentStore.payment(fromPayload: payload, subject: "Payment stored-1")
        }
        #expect(newer.schema == 5)
        #expect(newer.known == 4)
        #expect("\(newer)".hasPrefix("Payment stored-1 has schema version 5"))
        #expect("\(newer)".contains("reads schema versions up to 4"))
    }

    /// A store a newer qrpayd wrote to: reading the payment, its events or its operations fails with
    /// ``StoreError/Kind/newerSchema`` and a message naming the version, never with guessed defaults.
    @Test(arguments: ["payment", "event", "operation"])
    func aStoreWithANewerPayloadRefusesToReadIt(table: String) throws {
        let directory = try TemporaryDirectory(prefix: "qrpayd-newer")
        let store = try PaymentStore(directory: directory.path)
        try store.save(PaymentStore.Record(payment: Self.fullPayment(), fingerprint: "create"), isNew: true)
        try store.database.write { db in
            try db.execute(sql: "UPDATE \(table) SET payload = json_set(payload, '$.schema', 7)")
        }
        let read: () throws -> Void =
            table == "event" ? { _ = try store.events(after: 0) } : { _ = try store.record(reference: "stored-1") }
        let error = try #require(throws: StoreError.self) { try read() }
        #expect(error.kind == .newerSchema)
        #expect(error.message.contains("has schema version 7"), "\(error.message)")
        #expect(error.message.contains("written by a newer qrpayd"))
        #expect(error.message.contains(store.path))
        // The engine's view of open payments is refused the same way (recovery at start-up stops there).
        if table != "event" {
            #expect(throws: StoreError.self) { try store.openRecords() }
        }
    }
}
