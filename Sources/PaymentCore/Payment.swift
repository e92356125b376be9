public import Foundation
public import VippsAPI

/// Where a payment is. The names are the control API's and never change.
public enum PaymentState: String, Sendable, Hashable, Codable, CaseIterable {
    /// qrpayd is asking Vipps for the payment.
    case initiating
    /// The QR code is on the customer screen.
    case awaitingScan = "awaiting-scan"
    /// The customer opened the payment in the Vipps app.
    case scanned
    /// The customer approved; the amount is reserved, not yet captured.
    case authorized
    /// Captured in part or in full; refunds are still possible.
    case captured
    /// Stopped by the till before the customer approved.
    case cancelled
    /// Approved, then the reservation was released.
    case voided
    /// The customer declined, or the card or issuer refused.
    case rejected
    /// The customer did not complete in time.
    case expired
    /// The payment could not be created.
    case failed

    /// Whether qrpayd will change the payment again by itself. Captured payments can still be refunded on request.
    public var isFinal: Bool {
        switch self {
        case .initiating, .awaitingScan, .scanned, .authorized: false
        case .captured, .cancelled, .voided, .rejected, .expired, .failed: true
        }
    }

    /// States in which the customer is in front of the screen with this payment.
    public var isWithCustomer: Bool {
        switch self {
        case .initiating, .awaitingScan, .scanned: true
        default: false
        }
    }
}

/// Who captures after the customer approves.
public enum Settlement: String, Sendable, Hashable, Codable, CaseIterable {
    /// qrpayd captures at once; the till sees `captured`.
    case auto
    /// qrpayd stops at `authorized`; the till captures or cancels.
    case till
}

/// What Vipps said about a call that failed. The till reads it as `vipps` in a payment's `error` and in problem answers
/// (ControlAPI's `VippsErrorResource`); the store keeps it as ``StoredVippsError``.
public struct VippsErrorInfo: Sendable, Hashable {
    public var status: Int?
    public var errorGroup: String?
    public var errorCode: String?
    public var errorMessage: String?
    public var contextId: String?
    /// ePayment problem+json, raw: `type`, `title`, `detail`, `traceId` (or `instance`) and `extraDetails`.
    public var problemType: String?
    public var problemTitle: String?
    public var problemDetail: String?
    public var traceId: String?
    public var extraDetails: [VippsProblem.ExtraDetail]?

    public init(
        status: Int? = nil,
        errorGroup: String? = nil,
        errorCode: String? = nil,
        errorMessage: String? = nil,
        contextId: String? = nil,
        problem: VippsProblem? = nil
    ) {
        self.status = status
        self.errorGroup = errorGroup
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.contextId = contextId
        self.problemType = problem?.type
        self.problemTitle = problem?.title
        self.problemDetail = problem?.detail
        self.traceId = problem?.traceId ?? problem?.instance
        self.extraDetails = problem.flatMap { $0.extraDetails.isEmpty ? nil : $0.extraDetails }
    }
}

/// Why a payment ended the way it did (the payment object's `error` on the wire, ``StoredPaymentError`` in the store).
public struct PaymentError: Sendable, Hashable {
    /// `urn:qrpayd:error:<slug>`.
    public var type: String
    /// A stable, finer identifier (the error guidance row, or a qrpayd reason such as `customer-declined`).
    public var code: String
    public var title: String
    public var detail: String?
    /// What the operator should check, when there is something to check.
    public var hint: String?
    public var vipps: VippsErrorInfo?

    public init(
        type: String,
        code: String,
        title: String,
        detail: String? = nil,
        hint: String? = nil,
        vipps: VippsErrorInfo? = nil
    ) {
        self.type = type
        self.code = code
        self.title = title
        self.detail = detail
        self.hint = hint
        self.vipps = vipps
    }
}

/// A payment as the engine works on it: the domain model, with no opinion on JSON.
///
/// The control API writes it as its payment object (`PaymentResource` in ControlAPI) and the store as its own record
/// (``StoredPayment``, versioned); a field added here changes neither until they choose to carry it.
public struct Payment: Sendable, Hashable {
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
    /// The text in the QR code (`https://qr.vipps.no/...`, or the landing-page URL in payment-url mode).
    public var qrText: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// When Vipps gives up on the payment if the customer does nothing: 10 minutes after creation.
    public var expiresAt: Date
    public var scannedAt: Date?
    public var authorizedAt: Date?
    public var error: PaymentError?
    /// Øre still reserved on the customer's card: capturable, or to be released by a cancel. 0 before approval,
    /// after a capture in full and after the rest was released.
    public var reservedAmount: Int
    /// Every capture, refund and cancel of this payment, oldest first.
    public var operations: [MoneyOperation]
    /// Set when qrpayd could not ask Vipps about this payment after a restart; cleared by the next answer.
    public var unreconciled: Bool
    /// The Vipps API that created the payment (`ecom` for every payment stored before qrpayd knew another). ePayment
    /// can settle eCom's payments, not the other way round, so the engine picks the API by this.
    public var api: VippsAPIKind
    /// The till process that asked for the payment, as the kernel saw it on the control socket (``Caller``); nil
    /// for payments stored before qrpayd recorded it, and for payments not created through the socket.
    public var callerUid: UInt32?
    public var callerPid: Int32?

    /// ``currency`` as the API's type; NOK for anything unknown (only NOK existed before currencies were added).
    public var vippsCurrency: VippsCurrency { VippsCurrency(rawValue: self.currency) ?? .nok }

    public init(
        reference: String,
        orderId: String,
        amount: Int,
        currency: String = "NOK",
        text: String,
        state: PaymentState,
        settlement: Settlement,
        capturedAmount: Int = 0,
        refundedAmount: Int = 0,
        qrText: String? = nil,
        createdAt: Date,
        updatedAt: Date,
        expiresAt: Date,
        scannedAt: Date? = nil,
        authorizedAt: Date? = nil,
        error: PaymentError? = nil,
        reservedAmount: Int = 0,
        operations: [MoneyOperation] = [],
        unreconciled: Bool = false,
        api: VippsAPIKind = .ecom,
        callerUid: UInt32? = nil,
        callerPid: Int32? = nil
    ) {
        self.reference = reference
        self.orderId = orderId
        self.amount = amount
        self.currency = currency
        self.text = text
        self.state = state
        self.final = state.isFinal
        self.settlement = settlement
        self.capturedAmount = capturedAmount
        self.refundedAmount = refundedAmount
        self.qrText = qrText
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.expiresAt = expiresAt
        self.scannedAt = scannedAt
        self.authorizedAt = authorizedAt
        self.error = error
        self.reservedAmount = reservedAmount
        self.operations = operations
        self.unreconciled = unreconciled
        self.api = api
        self.callerUid = callerUid
        self.callerPid = callerPid
    }

    /// Whether the till still has to act: not final, money still reserved on the card (approved and not captured,
    /// or the rest of a partial capture), or a capture, refund or cancel still pending.
    public var isUnsettled: Bool {
        !self.final || self.state == .authorized || (self.state == .captured && self.reservedAmount > 0)
            || self.operations.contains(where: \.isPending)
    }

    /// A cancel that was asked for and not refused: the customer must not be charged (any more).
    public var cancelRequested: Bool {
        self.operations.contains { $0.kind == .cancel && $0.state != .failed }
    }

    /// The till (not qrpayd) asked to cancel.
    public var cancelledByTill: Bool {
        self.operations.contains { $0.kind == .cancel && $0.origin == .till && $0.state != .failed }
    }
}

/// One change of one payment, as it goes out on `/v1/events` and is kept for replay.
public struct PaymentEvent: Sendable, Hashable {
    /// Increases with every event; SSE `id:`.
    public var id: Int64
    public var payment: Payment

    public init(id: Int64, payment: Payment) {
        self.id = id
        self.payment = payment
    }
}
