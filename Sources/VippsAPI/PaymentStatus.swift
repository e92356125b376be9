import Foundation

/// A payment's state as qrpayd reads it from `/details` (VIPPS-FACTS §3.4): eCom has no status field, so the state is
/// derived from the transaction log, the way Vipps' own plugins do it.
public enum PaymentStatus: Sendable, Hashable {
    /// Created; nobody has opened it yet (INITIATE without a transactionId).
    case initiated
    /// The customer opened it in the app (a transactionId appeared on INITIATE).
    case scanned
    /// The card was declined; the customer may still pick another card in the app, so this is not final.
    case declinedRetryable
    /// Approved: the amount is reserved.
    case reserved(amount: Int)
    /// Some or all of the reservation was captured; refunds show in `refunded`.
    case captured(captured: Int, remainingToCapture: Int, refunded: Int)
    /// Stopped before approval: the customer declined, the merchant cancelled, or it timed out.
    case cancelled
    /// Approved, then the reservation was released by the merchant.
    case voided
    /// Vipps could not create the payment.
    case failed

    /// Whether Vipps will not change this payment by itself any more.
    public var isFinal: Bool {
        switch self {
        case .initiated, .scanned, .declinedRetryable, .reserved: false
        case .captured, .cancelled, .voided, .failed: true
        }
    }

    init(details: PaymentDetails) {
        let log = details.log
        let succeeded = { (operation: TransactionLogEntry.Operation) in
            log.filter { $0.operation == operation && $0.success }
        }
        let captures = succeeded(.capture) + succeeded(.sale)
        let refunds = succeeded(.refund)
        let reserves = succeeded(.reserve)
        let reserved = reserves.map(\.amount).max() ?? succeeded(.sale).map(\.amount).max() ?? 0

        let released = !succeeded(.void).isEmpty
        if !captures.isEmpty || (details.summary?.capturedAmount ?? 0) > 0 {
            // A VOID after a partial capture released the rest: still captured, with nothing left reserved.
            let captured = details.summary?.capturedAmount ?? captures.map(\.amount).reduce(0, +)
            let refunded = details.summary?.refundedAmount ?? refunds.map(\.amount).reduce(0, +)
            let remaining =
                released ? 0 : details.summary?.remainingAmountToCapture ?? max(0, reserved - captured)
            self = .captured(captured: captured, remainingToCapture: remaining, refunded: refunded)
        } else if released {
            self = .voided
        } else if !succeeded(.cancel).isEmpty {
            self = .cancelled
        } else if !reserves.isEmpty {
            self = .reserved(amount: reserved)
        } else if log.contains(where: { $0.operation == .initiate && !$0.success }) {
            self = .failed
        } else if Self.newestMeaningful(log)?.operation == .reserve {
            // The newest RESERVE failed (a success would have been caught above): a declined card.
            self = .declinedRetryable
        } else if log.contains(where: { $0.operation == .initiate && $0.transactionId != nil }) {
            self = .scanned
        } else {
            self = .initiated
        }
    }

    /// The newest known operation. Vipps sends the log newest first, but the timestamps decide when present.
    private static func newestMeaningful(_ log: [TransactionLogEntry]) -> TransactionLogEntry? {
        let known = log.filter {
            if case .other = $0.operation { return false }
            return true
        }
        guard known.allSatisfy({ $0.timeStamp != nil }) else { return known.first }
        return known.enumerated().max { lhs, rhs in
            // Equal timestamps keep Vipps' order: the earlier index is newer.
            if lhs.element.timeStamp == rhs.element.timeStamp { return lhs.offset > rhs.offset }
            return (lhs.element.timeStamp ?? .distantPast) < (rhs.element.timeStamp ?? .distantPast)
        }?.element
    }
}
