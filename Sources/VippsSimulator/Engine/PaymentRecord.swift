import Foundation
import JSONValues

struct PaymentKey: Hashable, Sendable {
    var msn: String
    var orderId: String
}

/// A capture or refund answered before, kept so a retry with the same `X-Request-Id` gets the same answer.
struct IdempotentAnswer: Sendable {
    var requestedAmount: Int
    var answer: JSONValue
}

/// One payment as the simulator holds it: money, timeline and the log `/details` shows.
struct PaymentRecord: Sendable {
    typealias State = SimulatedPayment.State
    typealias Operation = SimulatedPayment.LogEntry.Operation

    let key: PaymentKey
    let amount: Int
    let transactionText: String
    let mobileNumber: String?
    let landingToken: String
    let url: String
    let createdAt: Date
    var openedAt: Date?
    /// Given when the customer opens the payment; the INITIATE and RESERVE entries share it.
    var transactionId: String?
    var state: State = .initiated
    var capturedAmount = 0
    var refundedAmount = 0
    var successfulCaptures = 0
    var successfulRefunds = 0
    var successfulCancels = 0
    var failedReservations = 0
    /// Oldest first; rendered newest first.
    private(set) var log: [SimulatedPayment.LogEntry] = []
    var captureAnswers: [String: IdempotentAnswer] = [:]
    var refundAnswers: [String: IdempotentAnswer] = [:]
    /// The short id behind the one-time QR target URL, made on first request.
    var qrTargetId: String?
    /// The API that created it: eCom cannot see ePayment's payments; ePayment sees both.
    var api: SimulatedPayment.API = .ecom
    var currency = "NOK"
    /// ePayment's id for the payment.
    let pspReference = UUID().uuidString.lowercased()
    /// ePayment: the create call's Idempotency-Key and body, and its answer, for replays.
    var createKey: String?
    var createFingerprint: String?
    var createAnswer: JSONValue?
    /// ePayment: answers to captures, refunds and cancels by Idempotency-Key (successful ones only: a refused call
    /// may be sent again with the same key once the payment allows it).
    var modificationAnswers: [String: IdempotentAnswer] = [:]

    init(
        key: PaymentKey,
        amount: Int,
        transactionText: String,
        mobileNumber: String?,
        landingToken: String,
        url: String,
        createdAt: Date
    ) {
        self.key = key
        self.amount = amount
        self.transactionText = transactionText
        self.mobileNumber = mobileNumber
        self.landingToken = landingToken
        self.url = url
        self.createdAt = createdAt
        self.append(.initiate, amount: amount, success: true, at: createdAt, transactionId: nil)
    }

    var isOpenForCustomer: Bool { self.state == .initiated || self.state == .opened }

    var isCancelled: Bool { self.state == .declined || self.state == .cancelled || self.state == .voided }

    var hasCancelEntry: Bool {
        self.log.contains { ($0.operation == .cancel || $0.operation == .void) && $0.success }
    }

    var remainingToCapture: Int { self.state == .reserved ? self.amount - self.capturedAmount : 0 }

    var remainingToRefund: Int { self.capturedAmount - self.refundedAmount }

    /// What ePayment's aggregate calls cancelled: the whole amount before approval (TERMINATED), what was released
    /// after it (voided, in full or after a partial capture).
    var cancelledAmount: Int {
        switch self.state {
        case .cancelled: self.amount
        case .voided: self.amount - self.capturedAmount
        default: 0
        }
    }

    /// When the payment times out if nobody acts: 5 minutes to open, then 5 more to finish (configurable).
    func expiryDeadline(openTimeout: Duration, approveTimeout: Duration) -> Date? {
        switch self.state {
        case .initiated: self.createdAt.addingTimeInterval(openTimeout.timeInterval)
        case .opened: self.openedAt.map { $0.addingTimeInterval(approveTimeout.timeInterval) }
        default: nil
        }
    }

    mutating func append(
        _ operation: Operation,
        amount: Int,
        success: Bool,
        text: String? = nil,
        at time: Date,
        transactionId: String? = RandomTokens.transactionId(),
        requestId: String = ""
    ) {
        self.log.append(
            .init(
                operation: operation,
                amount: amount,
                success: success,
                transactionText: text ?? self.transactionText,
                timeStamp: time,
                transactionId: transactionId,
                requestId: requestId
            )
        )
    }

    /// The customer opened the payment: from now on `/details` shows a transaction id and a summary.
    mutating func markOpened(at time: Date) {
        let transactionId = RandomTokens.transactionId()
        self.openedAt = time
        self.transactionId = transactionId
        self.state = .opened
        if let initiate = self.log.firstIndex(where: { $0.operation == .initiate }) {
            self.log[initiate].transactionId = transactionId
        }
    }

    var summary: JSONValue? {
        guard self.openedAt != nil else { return nil }
        var summary: JSONValue = [
            "capturedAmount": .integer(self.capturedAmount),
            "remainingAmountToCapture": .integer(self.remainingToCapture),
            "refundedAmount": .integer(self.refundedAmount),
            "remainingAmountToRefund": .integer(self.remainingToRefund),
        ]
        if self.log.contains(where: { $0.operation == .reserve && $0.success }) {
            summary = summary.setting("bankIdentificationNumber", to: 492_560)
        }
        return summary
    }

    var truth: SimulatedPayment {
        SimulatedPayment(
            orderId: self.key.orderId,
            merchantSerialNumber: self.key.msn,
            amount: self.amount,
            transactionText: self.transactionText,
            mobileNumber: self.mobileNumber,
            url: self.url,
            state: self.state,
            capturedAmount: self.capturedAmount,
            refundedAmount: self.refundedAmount,
            successfulCaptures: self.successfulCaptures,
            successfulRefunds: self.successfulRefunds,
            successfulCancels: self.successfulCancels,
            failedReservations: self.failedReservations,
            createdAt: self.createdAt,
            openedAt: self.openedAt,
            log: self.log.reversed(),
            api: self.api,
            currency: self.currency
        )
    }
}
