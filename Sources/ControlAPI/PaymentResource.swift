public import Foundation
public import PaymentCore
public import VippsAPI

/// The control API's payment object (`#/components/schemas/Payment` in `openapi.json`), made from a domain
/// ``Payment``: what every answer, list, problem and `/v1/events` message carries.
///
/// Its members are the till's contract, not the engine's: a field added to ``Payment`` reaches the till only when it
/// is added here and to the document. Written with ``WireJSON`` (dates ISO-8601, `error` and `qrText` as null);
/// decodable so a till written in Swift (and the tests) can read what the daemon wrote.
public struct PaymentResource: Sendable, Hashable, Codable {
    public var reference: String
    public var orderId: String
    public var amount: Int
    public var currency: String
    public var text: String
    public var state: PaymentState
    public var final: Bool
    public var settlement: Settlement
    public var capturedAmount: Int
    public var refundedAmount: Int
    public var qrText: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var expiresAt: Date
    public var scannedAt: Date?
    public var authorizedAt: Date?
    public var error: PaymentErrorResource?
    public var reservedAmount: Int
    public var operations: [MoneyOperationResource]
    public var unreconciled: Bool
    public var api: VippsAPIKind
    /// The till process that asked for the payment (uid and pid on the control socket); left out when not known.
    public var callerUid: UInt32?
    public var callerPid: Int32?

    public init(_ payment: Payment) {
        self.reference = payment.reference
        self.orderId = payment.orderId
        self.amount = payment.amount
        self.currency = payment.currency
        self.text = payment.text
        self.state = payment.state
        self.final = payment.final
        self.settlement = payment.settlement
        self.capturedAmount = payment.capturedAmount
        self.refundedAmount = payment.refundedAmount
        self.qrText = payment.qrText
        self.createdAt = payment.createdAt
        self.updatedAt = payment.updatedAt
        self.expiresAt = payment.expiresAt
        self.scannedAt = payment.scannedAt
        self.authorizedAt = payment.authorizedAt
        self.error = payment.error.map(PaymentErrorResource.init)
        self.reservedAmount = payment.reservedAmount
        self.operations = payment.operations.map(MoneyOperationResource.init)
        self.unreconciled = payment.unreconciled
        self.api = payment.api
        self.callerUid = payment.callerUid
        self.callerPid = payment.callerPid
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case reference, orderId, amount, currency, text, state, final, settlement, capturedAmount, refundedAmount
        case qrText, createdAt, updatedAt, expiresAt, scannedAt, authorizedAt, error, reservedAmount, operations
        case unreconciled, api, callerUid, callerPid
    }

    /// Writes `"error": null` and `"qrText": null` rather than leaving them out, as the control API documents;
    /// `scannedAt` and `authorizedAt` only once they happened; `callerUid` and `callerPid` only when known.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.reference, forKey: .reference)
        try container.encode(self.orderId, forKey: .orderId)
        try container.encode(self.amount, forKey: .amount)
        try container.encode(self.currency, forKey: .currency)
        try container.encode(self.text, forKey: .text)
        try container.encode(self.state, forKey: .state)
        try container.encode(self.final, forKey: .final)
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
        try container.encodeIfPresent(self.callerUid, forKey: .callerUid)
        try container.encodeIfPresent(self.callerPid, forKey: .callerPid)
    }
}

/// A capture, refund or cancel in a payment's `operations` and an answer's `operation`
/// (`#/components/schemas/Operation`): everything but the engine's request fingerprint.
public struct MoneyOperationResource: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var kind: MoneyOperation.Kind
    public var amount: Int?
    public var state: MoneyOperation.State
    public var origin: MoneyOperation.Origin
    public var callerUid: UInt32?
    public var callerPid: Int32?
    public var idempotencyKey: String?
    public var vippsRequestId: String
    public var createdAt: Date
    public var finishedAt: Date?
    public var error: PaymentErrorResource?

    public init(_ operation: MoneyOperation) {
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
        self.error = operation.error.map(PaymentErrorResource.init)
    }

    public var isPending: Bool { self.state == .pending }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, kind, amount, state, origin, callerUid, callerPid, idempotencyKey, vippsRequestId, createdAt
        case finishedAt, error
    }

    /// `amount`, `idempotencyKey`, `finishedAt` and `error` as null; the caller only when the socket told it.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
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

/// A payment's or an operation's `error`, and health's `vipps.lastError` (`#/components/schemas/PaymentError`):
/// members without a value are left out.
public struct PaymentErrorResource: Sendable, Hashable, Codable {
    public var type: String
    public var code: String
    public var title: String
    public var detail: String?
    public var hint: String?
    public var vipps: VippsErrorResource?

    public init(_ error: PaymentError) {
        self.type = error.type
        self.code = error.code
        self.title = error.title
        self.detail = error.detail
        self.hint = error.hint
        self.vipps = error.vipps.map(VippsErrorResource.init)
    }
}

/// What Vipps answered, in an error's and a problem's `vipps` (`#/components/schemas/VippsError`): members without a
/// value are left out.
public struct VippsErrorResource: Sendable, Hashable, Codable {
    public struct ExtraDetail: Sendable, Hashable, Codable {
        public var name: String
        public var reason: String
    }

    public var status: Int?
    public var errorGroup: String?
    public var errorCode: String?
    public var errorMessage: String?
    public var contextId: String?
    public var problemType: String?
    public var problemTitle: String?
    public var problemDetail: String?
    public var traceId: String?
    public var extraDetails: [ExtraDetail]?

    public init(_ info: VippsErrorInfo) {
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
}
