import Foundation
import VippsAPI

/// A payment as the store keeps it: the JSON in the `payload` column of the `payment` and `event` tables.
///
/// The shape belongs to the store alone, so the domain ``Payment`` can change without making a stored row unreadable,
/// and every payload says which shape it has:
///
/// - No `schema` member: written before payloads carried a version (store schemas 1 and 2). Read tolerantly: a field
///   added later gets the value it had before it existed (see ``init(from:)``).
/// - `"schema": 3`: every member written (`error` and `qrText` as null) except the caller, which it did not record.
///   Read strictly, with no caller.
/// - `"schema": 4`: this shape; adds `callerUid` and `callerPid` (the till process that asked for the payment, null
///   when not known). Read strictly.
/// - A higher number: written by a newer qrpayd. Refused with ``NewerSchema``, never read with guessed defaults.
///
/// ``init(_:)`` and ``payment`` are the one place a stored payment and a domain payment turn into each other.
struct StoredPayment: Sendable, Hashable, Codable {
    /// The payload schema this build writes, and the newest it reads.
    static let schemaVersion = 4

    /// A payload written by a newer qrpayd than this one: its fields cannot be trusted to mean what this build thinks.
    struct NewerSchema: Error, Sendable, CustomStringConvertible {
        /// What the payload says.
        var schema: Int
        /// What this build knows.
        var known: Int = StoredPayment.schemaVersion
        /// Which payload, when the store knows: "payment t-1", "event 7".
        var subject: String?

        var description: String {
            "\(self.subject ?? "A stored payload") has schema version \(self.schema), but this qrpayd reads schema "
                + "versions up to \(self.known): it was written by a newer qrpayd. Run that version again (it still "
                + "reads this store), or restore the store from before the upgrade; qrpayd will not guess what the "
                + "newer fields mean."
        }
    }

    var schema: Int
    var reference: String
    var orderId: String
    var amount: Int
    var currency: String
    var text: String
    var state: PaymentState
    var settlement: Settlement
    var capturedAmount: Int
    var refundedAmount: Int
    var qrText: String?
    var createdAt: Date
    var updatedAt: Date
    var expiresAt: Date
    var scannedAt: Date?
    var authorizedAt: Date?
    var error: StoredPaymentError?
    var reservedAmount: Int
    var operations: [StoredMoneyOperation]
    var unreconciled: Bool
    var api: VippsAPIKind
    var callerUid: UInt32?
    var callerPid: Int32?

    /// The record of a domain payment, in the current schema.
    init(_ payment: Payment) {
        self.schema = Self.schemaVersion
        self.reference = payment.reference
        self.orderId = payment.orderId
        self.amount = payment.amount
        self.currency = payment.currency
        self.text = payment.text
        self.state = payment.state
        self.settlement = payment.settlement
        self.capturedAmount = payment.capturedAmount
        self.refundedAmount = payment.refundedAmount
        self.qrText = payment.qrText
        self.createdAt = payment.createdAt
        self.updatedAt = payment.updatedAt
        self.expiresAt = payment.expiresAt
        self.scannedAt = payment.scannedAt
        self.authorizedAt = payment.authorizedAt
        self.error = payment.error.map(StoredPaymentError.init)
        self.reservedAmount = payment.reservedAmount
        self.operations = payment.operations.map { StoredMoneyOperation($0) }
        self.unreconciled = payment.unreconciled
        self.api = payment.api
        self.callerUid = payment.callerUid
        self.callerPid = payment.callerPid
    }

    /// The domain payment this record describes.
    var payment: Payment {
        Payment(
            reference: self.reference,
            orderId: self.orderId,
            amount: self.amount,
            currency: self.currency,
            text: self.text,
            state: self.state,
            settlement: self.settlement,
            capturedAmount: self.capturedAmount,
            refundedAmount: self.refundedAmount,
            qrText: self.qrText,
            createdAt: self.createdAt,
            updatedAt: self.updatedAt,
            expiresAt: self.expiresAt,
            scannedAt: self.scannedAt,
            authorizedAt: self.authorizedAt,
            error: self.error?.paymentError,
            reservedAmount: self.reservedAmount,
            operations: self.operations.map(\.operation),
            unreconciled: self.unreconciled,
            api: self.api,
            callerUid: self.callerUid,
            callerPid: self.callerPid
        )
    }

    private enum CodingKeys: String, CodingKey {
        case schema, reference, orderId, amount, currency, text, state, final, settlement, capturedAmount
        case refundedAmount, qrText, createdAt, updatedAt, expiresAt, scannedAt, authorizedAt, error, reservedAmount
        case operations, unreconciled, api, callerUid, callerPid
    }

    /// Reads payloads of every schema up to ``schemaVersion``; a newer one throws ``NewerSchema``.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let schema = try container.decodeIfPresent(Int.self, forKey: .schema)
        if let schema, schema > Self.schemaVersion {
            throw NewerSchema(schema: schema)
        }
        // Payloads before schema 3 carried no number.
        self.schema = schema ?? 2
        let legacy = self.schema < 3
        self.reference = try container.decode(String.self, forKey: .reference)
        self.orderId = try container.decode(String.self, forKey: .orderId)
        self.amount = try container.decode(Int.self, forKey: .amount)
        self.text = try container.decode(String.self, forKey: .text)
        self.state = try container.decode(PaymentState.self, forKey: .state)
        self.settlement = try container.decode(Settlement.self, forKey: .settlement)
        self.qrText = try container.decodeIfPresent(String.self, forKey: .qrText)
        self.createdAt = try container.decode(Date.self, forKey: .createdAt)
        self.updatedAt = try container.decode(Date.self, forKey: .updatedAt)
        self.expiresAt = try container.decode(Date.self, forKey: .expiresAt)
        self.scannedAt = try container.decodeIfPresent(Date.self, forKey: .scannedAt)
        self.authorizedAt = try container.decodeIfPresent(Date.self, forKey: .authorizedAt)
        self.error = try container.decodeIfPresent(StoredPaymentError.self, forKey: .error)
        guard legacy else {
            self.currency = try container.decode(String.self, forKey: .currency)
            self.capturedAmount = try container.decode(Int.self, forKey: .capturedAmount)
            self.refundedAmount = try container.decode(Int.self, forKey: .refundedAmount)
            self.reservedAmount = try container.decode(Int.self, forKey: .reservedAmount)
            self.operations = try container.decode([StoredMoneyOperation].self, forKey: .operations)
            self.unreconciled = try container.decode(Bool.self, forKey: .unreconciled)
            self.api = try container.decode(VippsAPIKind.self, forKey: .api)
            // Schema 3 did not record who asked for the payment; schema 4 always writes both (null when unknown).
            if self.schema >= 4 {
                self.callerUid = try container.decode(UInt32?.self, forKey: .callerUid)
                self.callerPid = try container.decode(Int32?.self, forKey: .callerPid)
            } else {
                self.callerUid = nil
                self.callerPid = nil
            }
            return
        }
        // Fields added after the first release get the value they had before they existed: only NOK was paid in,
        // and every payment was created with eCom.
        self.currency = try container.decodeIfPresent(String.self, forKey: .currency) ?? "NOK"
        self.capturedAmount = try container.decodeIfPresent(Int.self, forKey: .capturedAmount) ?? 0
        self.refundedAmount = try container.decodeIfPresent(Int.self, forKey: .refundedAmount) ?? 0
        self.reservedAmount =
            try container.decodeIfPresent(Int.self, forKey: .reservedAmount)
            ?? Self.reservedBeforeReleases(state: self.state, amount: self.amount, captured: self.capturedAmount)
        self.operations = try container.decodeIfPresent([StoredMoneyOperation].self, forKey: .operations) ?? []
        self.unreconciled = try container.decodeIfPresent(Bool.self, forKey: .unreconciled) ?? false
        self.api = try container.decodeIfPresent(VippsAPIKind.self, forKey: .api) ?? .ecom
        self.callerUid = nil
        self.callerPid = nil
    }

    /// Before 0.2 nothing could release the rest of a partial capture: what was not captured is still reserved.
    static func reservedBeforeReleases(state: PaymentState, amount: Int, captured: Int) -> Int {
        switch state {
        case .authorized: amount
        case .captured: max(0, amount - captured)
        default: 0
        }
    }

    /// Every member, `error`, `qrText`, `callerUid` and `callerPid` as null; `final` too, which unversioned readers
    /// needed.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.schema, forKey: .schema)
        try container.encode(self.reference, forKey: .reference)
        try container.encode(self.orderId, forKey: .orderId)
        try container.encode(self.amount, forKey: .amount)
        try container.encode(self.currency, forKey: .currency)
        try container.encode(self.text, forKey: .text)
        try container.encode(self.state, forKey: .state)
        try container.encode(self.state.isFinal, forKey: .final)
        try container.encode(self.settlement, forKey: .settlement)
        try container.encode(self.capturedAmount, forKey: .capturedAmount)
        try container.encode(self.refundedAmount, forKey: .refundedAmount)
        try container.encode(self.qrText, forKey: .qrText)
        try container.encode(self.createdAt, forKey: .createdAt)
        try container.encode(self.updatedAt, forKey: .updatedAt)
        try container.encode(self.expiresAt, forKey: .expiresAt)
        try container.encodeIfPresent(self.scannedAt, forKey: .scannedAt)
        try container.encodeIfPresent(self.authorizedAt, forKey: .authorizedAt)
        try container.encode(self.error, forKey: .error)
        try container.encode(self.reservedAmount, forKey: .reservedAmount)
        try container.encode(self.operations, forKey: .operations)
        try container.encode(self.unreconciled, forKey: .unreconciled)
        try container.encode(self.api, forKey: .api)
        try container.encode(self.callerUid, forKey: .callerUid)
        try container.encode(self.callerPid, forKey: .callerPid)
    }
}

/// A capture, refund or cancel as the store keeps it: inside a payment's payload, and as the `payload` of its row in
/// the `operation` table (which also carries `schema`, see ``StoredPayment``). The fingerprint lives in its own column.
struct StoredMoneyOperation: Sendable, Hashable, Codable {
    /// Written on the operation table's payload, not on the copies inside a payment's payload (which has its own).
    var schema: Int?
    var id: String
    var kind: MoneyOperation.Kind
    var amount: Int?
    var state: MoneyOperation.State
    var origin: MoneyOperation.Origin
    var callerUid: UInt32?
    var callerPid: Int32?
    var idempotencyKey: String?
    var vippsRequestId: String
    var createdAt: Date
    var finishedAt: Date?
    var error: StoredPaymentError?
    /// Never written (the column is the truth); read if an old payload has it.
    var fingerprint: String

    init(_ operation: MoneyOperation, schema: Int? = nil) {
        self.schema = schema
        self.id = operation.id
        self.kind = operation.kind
        self.amount = operation.amount
        self.state = operation.state
        self.origin = operation.origin
        self.callerUid = operation.callerUid
        self.callerPid = operation.callerPid
        self.idempotencyKey = operation.idempotencyKey
        self.vippsRequestId = operation.vippsRequestId
        self.createdAt = operation.createdAt
        self.finishedAt = operation.finishedAt
        self.error = operation.error.map(StoredPaymentError.init)
        self.fingerprint = operation.fingerprint
    }

    var operation: MoneyOperation {
        MoneyOperation(
            id: self.id,
            kind: self.kind,
            amount: self.amount,
            state: self.state,
            origin: self.origin,
            callerUid: self.callerUid,
            callerPid: self.callerPid,
            idempotencyKey: self.idempotencyKey,
            vippsRequestId: self.vippsRequestId,
            createdAt: self.createdAt,
            finishedAt: self.finishedAt,
            error: self.error?.paymentError,
            fingerprint: self.fingerprint
        )
    }

    private enum CodingKeys: String, CodingKey {
        case schema, id, kind, amount, state, origin, callerUid, callerPid, idempotencyKey, vippsRequestId, createdAt
        case finishedAt, error, fingerprint
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let schema = try container.decodeIfPresent(Int.self, forKey: .schema)
        if let schema, schema > StoredPayment.schemaVersion {
            throw StoredPayment.NewerSchema(schema: schema)
        }
        self.schema = schema
        self.id = try container.decode(String.self, forKey: .id)
        self.kind = try container.decode(MoneyOperation.Kind.self, forKey: .kind)
        self.amount = try container.decodeIfPresent(Int.self, forKey: .amount)
        self.state = try container.decode(MoneyOperation.State.self, forKey: .state)
        self.origin = try container.decode(MoneyOperation.Origin.self, forKey: .origin)
        self.callerUid = try container.decodeIfPresent(UInt32.self, forKey: .callerUid)
        self.callerPid = try container.decodeIfPresent(Int32.self, forKey: .callerPid)
        self.idempotencyKey = try container.decodeIfPresent(String.self, forKey: .idempotencyKey)
        self.vippsRequestId = try container.decode(String.self, forKey: .vippsRequestId)
        self.createdAt = try container.decode(Date.self, forKey: .createdAt)
        self.finishedAt = try container.decodeIfPresent(Date.self, forKey: .finishedAt)
        self.error = try container.decodeIfPresent(StoredPaymentError.self, forKey: .error)
        self.fingerprint = try container.decodeIfPresent(String.self, forKey: .fingerprint) ?? ""
    }

    /// `amount`, `idempotencyKey`, `finishedAt` and `error` as null; the caller only when known; no fingerprint.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(self.schema, forKey: .schema)
        try container.encode(self.id, forKey: .id)
        try container.encode(self.kind, forKey: .kind)
        try container.encode(self.amount, forKey: .amount)
        try container.encode(self.state, forKey: .state)
        try container.encode(self.origin, forKey: .origin)
        try container.encodeIfPresent(self.callerUid, forKey: .callerUid)
        try container.encodeIfPresent(self.callerPid, forKey: .callerPid)
        try container.encode(self.idempotencyKey, forKey: .idempotencyKey)
        try container.encode(self.vippsRequestId, forKey: .vippsRequestId)
        try container.encode(self.createdAt, forKey: .createdAt)
        try container.encode(self.finishedAt, forKey: .finishedAt)
        try container.encode(self.error, forKey: .error)
    }
}

/// A ``PaymentError`` as the store keeps it (members left out when nil).
struct StoredPaymentError: Sendable, Hashable, Codable {
    var type: String
    var code: String
    var title: String
    var detail: String?
    var hint: String?
    var vipps: StoredVippsError?

    init(_ error: PaymentError) {
        self.type = error.type
        self.code = error.code
        self.title = error.title
        self.detail = error.detail
        self.hint = error.hint
        self.vipps = error.vipps.map(StoredVippsError.init)
    }

    var paymentError: PaymentError {
        PaymentError(
            type: self.type,
            code: self.code,
            title: self.title,
            detail: self.detail,
            hint: self.hint,
            vipps: self.vipps?.info
        )
    }
}

/// A ``VippsErrorInfo`` as the store keeps it (members left out when nil).
struct StoredVippsError: Sendable, Hashable, Codable {
    struct ExtraDetail: Sendable, Hashable, Codable {
        var name: String
        var reason: String
    }

    var status: Int?
    var errorGroup: String?
    var errorCode: String?
    var errorMessage: String?
    var contextId: String?
    var problemType: String?
    var problemTitle: String?
    var problemDetail: String?
    var traceId: String?
    var extraDetails: [ExtraDetail]?

    init(_ info: VippsErrorInfo) {
        self.status = info.status
        self.errorGroup = info.errorGroup
        self.errorCode = info.errorCode
        self.errorMessage = info.errorMessage
        self.contextId = info.contextId
        self.problemType = info.problemType
        self.problemTitle = info.problemTitle
        self.problemDetail = info.problemDetail
        self.traceId = info.traceId
        self.extraDetails = info.extraDetails?.map { ExtraDetail(name: $0.name, reason: $0.reason) }
    }

    var info: VippsErrorInfo {
        var info = VippsErrorInfo(
            status: self.status,
            errorGroup: self.errorGroup,
            errorCode: self.errorCode,
            errorMessage: self.errorMessage,
            contextId: self.contextId
        )
        info.problemType = self.problemType
        info.problemTitle = self.problemTitle
        info.problemDetail = self.problemDetail
        info.traceId = self.traceId
        info.extraDetails = self.extraDetails?.map { VippsProblem.ExtraDetail(name: $0.name, reason: $0.reason) }
        return info
    }
}
