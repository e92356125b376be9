import Foundation

/// A capture, refund or cancel: asked for by the till or by qrpayd itself (auto-capture, the void of a payment nobody
/// may be charged for), stored before it is sent, and finished exactly once.
///
/// `pending` means the outcome is not known yet and qrpayd is carrying it out; `succeeded` and `failed` are final. A
/// failed operation never moves money later: it is never sent again.
public struct MoneyOperation: Sendable, Hashable, Codable, Identifiable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case capture, refund, cancel
    }

    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        case pending, succeeded, failed
    }

    /// Who asked for it.
    public enum Origin: String, Sendable, Hashable, Codable {
        /// The till, over the control socket.
        case till
        /// qrpayd itself: auto-capture, or the release of a reservation nobody may be charged for.
        case qrpayd
    }

    /// Random, so it never repeats, not even after the store is restored from a backup.
    public var id: String
    public var kind: Kind
    /// Øre to capture or refund, fixed when the operation is created; nil for a cancel.
    public var amount: Int?
    public var state: State
    public var origin: Origin
    public var callerUid: UInt32?
    public var callerPid: Int32?
    /// The till's `Idempotency-Key`, if it sent one.
    public var idempotencyKey: String?
    /// The `X-Request-Id` every attempt at this operation sends to Vipps.
    public var vippsRequestId: String
    public var createdAt: Date
    public var finishedAt: Date?
    /// Why it failed (definitive), or what is holding it up while pending.
    public var error: PaymentError?
    /// What the till's request said, to tell a repeated request (same key, same body) from a different one.
    var fingerprint: String

    init(
        kind: Kind,
        amount: Int?,
        origin: Origin,
        caller: Caller?,
        idempotencyKey: String?,
        fingerprint: String,
        at date: Date
    ) {
        let id = Self.randomID()
        self.id = id
        self.kind = kind
        self.amount = amount
        self.state = .pending
        self.origin = origin
        self.callerUid = caller?.uid
        self.callerPid = caller?.pid
        self.idempotencyKey = idempotencyKey
        // At most 40 characters, as Vipps requires: "capture-" plus 24 hex digits.
        self.vippsRequestId = "\(kind.rawValue)-\(id.dropFirst(3))"
        self.createdAt = date
        self.fingerprint = fingerprint
    }

    public var isPending: Bool { self.state == .pending }

    /// `op-` and 24 random hex digits (96 bits).
    static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = (0..<3).map { _ in
            let value = generator.next() as UInt32
            let hex = String(value, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }
        return "op-" + digits.joined()
    }

    /// The body of a till's capture or refund, for idempotency checks: the amount it asked for, or "rest".
    static func fingerprint(_ kind: Kind, requestedAmount: Int?) -> String {
        "\(kind.rawValue);amount=\(requestedAmount.map(String.init) ?? "rest")"
    }

    private enum CodingKeys: String, CodingKey {
        case id, kind, amount, state, origin, callerUid, callerPid, idempotencyKey, vippsRequestId, createdAt
        case finishedAt, error, fingerprint
    }

    /// The till's view: everything but the fingerprint, with `amount`, `finishedAt` and `error` written as null.
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

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.id = try container.decode(String.self, forKey: .id)
        self.kind = try container.decode(Kind.self, forKey: .kind)
        self.amount = try container.decodeIfPresent(Int.self, forKey: .amount)
        self.state = try container.decode(State.self, forKey: .state)
        self.origin = try container.decode(Origin.self, forKey: .origin)
        self.callerUid = try container.decodeIfPresent(UInt32.self, forKey: .callerUid)
        self.callerPid = try container.decodeIfPresent(Int32.self, forKey: .callerPid)
        self.idempotencyKey = try container.decodeIfPresent(String.self, forKey: .idempotencyKey)
        self.vippsRequestId = try container.decode(String.self, forKey: .vippsRequestId)
        self.createdAt = try container.decode(Date.self, forKey: .createdAt)
        self.finishedAt = try container.decodeIfPresent(Date.self, forKey: .finishedAt)
        self.error = try container.decodeIfPresent(PaymentError.self, forKey: .error)
        self.fingerprint = try container.decodeIfPresent(String.self, forKey: .fingerprint) ?? ""
    }
}

/// What a capture, refund or cancel request got: the payment as it now stands and the operation that was created or
/// found. `pending` operations are answered `202 Accepted`.
public struct MoneyOperationResult: Sendable, Hashable {
    public var payment: Payment
    public var operation: MoneyOperation?

    public init(payment: Payment, operation: MoneyOperation?) {
        self.payment = payment
        self.operation = operation
    }

    /// Whether the outcome is still open: the till should wait for the payment's next event.
    public var isPending: Bool { self.operation?.isPending ?? false }
}
