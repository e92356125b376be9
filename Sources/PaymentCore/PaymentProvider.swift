public import Foundation
public import VippsAPI

/// The payment provider as the state machine sees it: create a payment, read it, capture, refund, cancel, and the
/// text for its QR code. eCom v2 is one implementation (``EcomProvider``), the ePayment API v1 the other
/// (``EpaymentProvider``).
///
/// Every call either succeeds or throws a ``VippsError`` whose ``VippsError/disposition`` is the typed outcome the
/// engine decides by: refused for good (with a ``VippsRefusal``), or unknown with a retry hint. The engine knows
/// nothing of a provider's wire format or its transaction log: it sees ``ProviderPayment``.
public protocol PaymentProvider: Sendable {
    /// Which API this is; stored with every payment it creates.
    var api: VippsAPIKind { get }
    /// Creates the payment and returns the URL it lives at (what the QR code leads to, directly or through a QR
    /// service). `idempotencyKey` is the same on every attempt at creating this payment.
    func create(orderId: String, amount: Int, currency: VippsCurrency, text: String, idempotencyKey: String)
        async throws(VippsError) -> String
    /// The text to draw as the QR code for a created payment.
    func qrText(paymentURL: String) async throws(VippsError) -> String
    /// The payment as the provider has it now.
    func read(orderId: String) async throws(VippsError) -> ProviderPayment
    /// Captures `amount` minor units (the rest of the reservation when nil). `idempotencyKey` is the same on every
    /// attempt.
    func capture(orderId: String, amount: Int?, currency: VippsCurrency, text: String, idempotencyKey: String)
        async throws(VippsError) -> ProviderAmounts?
    func refund(orderId: String, amount: Int, currency: VippsCurrency, text: String, idempotencyKey: String)
        async throws(VippsError) -> ProviderAmounts?
    /// Cancels before approval, voids after it, or (`releaseRemaining`) releases what a partial capture left.
    func cancel(orderId: String, text: String, releaseRemaining: Bool, idempotencyKey: String)
        async throws(VippsError)
}

/// A payment as the provider has it.
public struct ProviderPayment: Sendable, Hashable {
    public enum Status: Sendable, Hashable {
        /// Created; the customer has not opened it.
        case created
        /// The customer opened it (and may have had a card declined and be choosing another).
        case opened
        /// Approved: `amount` is reserved.
        case authorized(amount: Int)
        /// Some or all captured; `remaining` is still reserved (0 once the rest was released).
        case captured(captured: Int, remaining: Int, refunded: Int)
        /// Stopped before approval: declined, cancelled, or timed out.
        case cancelled
        /// Approved, then released without a capture.
        case voided
        /// The provider could not create it.
        case failed
    }

    /// Why a stopped payment stopped, when the provider says (ePayment does; eCom's CANCEL looks the same for all).
    public enum StopReason: Sendable, Hashable {
        /// The customer said no (ePayment ABORTED).
        case customer
        /// Nobody finished it in time (ePayment EXPIRED).
        case timeout
        /// The merchant cancelled it (ePayment TERMINATED).
        case merchant
    }

    public var status: Status
    /// Card reservations refused so far (the customer may pick another card).
    public var declinedCards: Int
    /// The customer has opened the payment.
    public var opened: Bool
    /// When the provider created it, on the provider's clock.
    public var createdAt: Date?
    /// When the provider stopped it (cancelled, declined or timed out), on the provider's clock.
    public var stoppedAt: Date?
    /// After a partial capture, the rest was released.
    public var released: Bool
    /// Idempotency keys of the captures and refunds the provider carried out.
    public var appliedCaptures: Set<String>
    public var appliedRefunds: Set<String>
    /// For `cancelled`: why, when the provider tells.
    public var stopReason: StopReason?

    public init(
        status: Status,
        declinedCards: Int = 0,
        opened: Bool = false,
        createdAt: Date? = nil,
        stoppedAt: Date? = nil,
        released: Bool = false,
        appliedCaptures: Set<String> = [],
        appliedRefunds: Set<String> = [],
        stopReason: StopReason? = nil
    ) {
        self.status = status
        self.declinedCards = declinedCards
        self.opened = opened
        self.createdAt = createdAt
        self.stoppedAt = stoppedAt
        self.released = released
        self.appliedCaptures = appliedCaptures
        self.appliedRefunds = appliedRefunds
        self.stopReason = stopReason
    }

    /// Whether the provider carried out this capture or refund.
    func hasApplied(_ operation: MoneyOperation) -> Bool {
        switch operation.kind {
        case .capture: self.appliedCaptures.contains(operation.vippsRequestId)
        case .refund: self.appliedRefunds.contains(operation.vippsRequestId)
        case .cancel: false
        }
    }
}

/// The amounts a capture or refund answer reports, when it does.
public struct ProviderAmounts: Sendable, Hashable {
    public var captured: Int
    public var remainingToCapture: Int
    public var refunded: Int

    public init(captured: Int, remainingToCapture: Int, refunded: Int) {
        self.captured = captured
        self.remainingToCapture = remainingToCapture
        self.refunded = refunded
    }
}
