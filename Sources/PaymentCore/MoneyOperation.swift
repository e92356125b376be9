public import Foundation

/// A capture, refund or cancel: asked for by the till or by qrpayd itself (auto-capture, the void of a payment nobody
/// may be charged for), stored before it is sent, and finished exactly once.
///
/// `pending` means the outcome is not known yet and qrpayd is carrying it out; `succeeded` and `failed` are final. A
/// failed operation never moves money later: it is never sent again.
public struct MoneyOperation: Sendable, Hashable, Identifiable {
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

    /// Every field as it was kept, for the store reading an operation back.
    init(
        id: String,
        kind: Kind,
        amount: Int?,
        state: State,
        origin: Origin,
        callerUid: UInt32?,
        callerPid: Int32?,
        idempotencyKey: String?,
        vippsRequestId: String,
        createdAt: Date,
        finishedAt: Date?,
        error: PaymentError?,
        fingerprint: String
    ) {
        self.id = id
        self.kind = kind
        self.amount = amount
        self.state = state
        self.origin = origin
        self.callerUid = callerUid
        self.callerPid = callerPid
        self.idempotencyKey = idempotencyKey
        self.vippsRequestId = vippsRequestId
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.error = error
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
