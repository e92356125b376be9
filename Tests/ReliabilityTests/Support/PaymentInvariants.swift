import Foundation
import TestSupport
import VippsSimulator

/// A payment as the till sees it over the control socket.
struct TillPayment: Sendable, Decodable, Hashable {
    var reference: String
    var orderId: String
    var amount: Int
    var state: String
    var final: Bool
    var capturedAmount: Int
    var refundedAmount: Int
    var operations: [TillOperation]?
}

/// A capture, refund or cancel as the till sees it.
struct TillOperation: Sendable, Decodable, Hashable {
    var id: String
    var kind: String
    var amount: Int?
    var state: String
    var vippsRequestId: String
}

/// One cashier action on a payment (capture, refund or cancel) with its `Idempotency-Key`, and every answer the till
/// got for it (it repeats the request with the same key when it gets none, or a 5xx).
struct TillAsk: Sendable, Hashable {
    var kind: String
    /// Øre asked for; nil for "the rest" (capture) and for a cancel.
    var amount: Int?
    var key: String
    /// The simulator's clock when the till first asked.
    var askedAt: Date
    var statuses: [Int] = []
    /// The operation named in an answer (or in a problem).
    var operation: TillOperation?

    /// Told, in so many words, that it failed: a refusal naming a failed operation.
    var toldFailed: Bool { self.operation?.state == "failed" && (self.statuses.last ?? 0) >= 400 }
    /// Refused before anything was created (400, 403, 409 without an operation of its own).
    var refusedLocally: Bool { self.operation == nil && (400..<500).contains(self.statuses.last ?? 0) }
}

/// Everything the reliability runs check, in one place: the soak, the crash campaign and the bad-input fuzzer all
/// end by handing their evidence to ``PaymentInvariants/violations(_:)``.
enum PaymentInvariants {
    struct Evidence: Sendable {
        /// The simulator's truth: what Vipps would have recorded.
        var vipps: [SimulatedPayment]
        /// Every request that reached Vipps.
        var requests: [RecordedRequest]
        /// The daemon's final answer for each reference, read with `GET /v1/payments/{reference}` after the run.
        var daemon: [String: TillPayment]
        /// Every state the till was shown for each reference (events and answers).
        var tillSaw: [String: Set<String>]
        /// The daemon's orderId prefix: `orderId = prefix + reference`.
        var orderIdPrefix: String
        /// `auto` or `till`.
        var settlement: String
        /// What the till asked for on each payment, and what it was told.
        var asks: [String: [TillAsk]] = [:]
    }

    struct Violation: Sendable, CustomStringConvertible {
        var rule: String
        var orderId: String
        var detail: String
        var description: String { "\(self.rule) [\(self.orderId)]: \(self.detail)" }
    }

    static let rules = [
        "known-to-daemon", "state-agrees", "captured-only-when-till-saw-it", "captured-at-most-once",
        "no-silent-reservation", "rate-limits-kept", "no-phantom-payment", "told-failed-never-moves",
        "money-as-asked", "no-charge-after-cancel",
    ]

    static func violations(_ evidence: Evidence) -> [Violation] {
        var found: [Violation] = []
        let byOrderId = Dictionary(evidence.vipps.map { ($0.orderId, $0) }, uniquingKeysWith: { first, _ in first })
        for truth in evidence.vipps {
            found += self.check(truth, evidence)
        }
        // The daemon must not claim money moved for a payment Vipps never saw.
        for (reference, payment) in evidence.daemon where byOrderId[payment.orderId] == nil {
            if ["authorized", "captured", "voided"].contains(payment.state) || payment.capturedAmount > 0 {
                found.append(
                    Violation(
                        rule: "no-phantom-payment",
                        orderId: payment.orderId,
                        detail: "the daemon says \(reference) is \(payment.state), Vipps has no such payment"
                    )
                )
            }
        }
        found += self.rateLimitViolations(evidence.requests)
        return found
    }

    private static func check(_ truth: SimulatedPayment, _ evidence: Evidence) -> [Violation] {
        var found: [Violation] = []
        func violation(_ rule: String, _ detail: String) {
            found.append(Violation(rule: rule, orderId: truth.orderId, detail: detail))
        }
        guard truth.orderId.hasPrefix(evidence.orderIdPrefix) else { return [] }
        let reference = String(truth.orderId.dropFirst(evidence.orderIdPrefix.count))
        let seen = evidence.tillSaw[reference, default: []]
        guard let daemon = evidence.daemon[reference] else {
            violation("known-to-daemon", "Vipps has the payment (\(truth.state.rawValue)); the daemon does not know it")
            return found
        }

        if truth.successfulCaptures > 1 || truth.capturedAmount > truth.amount {
            violation(
                "captured-at-most-once",
                "\(truth.successfulCaptures) captures, \(truth.capturedAmount) of \(truth.amount) captured"
            )
        }
        if truth.capturedAmount > 0 && !seen.contains("captured") {
            violation("captured-only-when-till-saw-it", "Vipps captured \(truth.capturedAmount); the till never saw it")
        }
        let reservedUncaptured = truth.state == .reserved && truth.capturedAmount == 0
        if reservedUncaptured && (evidence.settlement == "auto" || !seen.contains("authorized")) {
            violation(
                "no-silent-reservation",
                "money is reserved at Vipps; the till saw only \(seen.sorted()) (settlement \(evidence.settlement))"
            )
        }

        found += self.checkAsks(truth, evidence.asks[reference, default: []], evidence)

        let tillCancelled = evidence.asks[reference, default: []].contains { $0.kind == "cancel" }
        let expected = self.expectedState(truth, tillCancelled: tillCancelled)
        if !expected.contains(daemon.state) {
            violation(
                "state-agrees",
                "Vipps: \(truth.state.rawValue), captured \(truth.capturedAmount); daemon: \(daemon.state), "
                    + "expected \(expected.sorted())"
            )
        }
        if daemon.capturedAmount != truth.capturedAmount || daemon.refundedAmount != truth.refundedAmount {
            violation(
                "state-agrees",
                "amounts differ: Vipps captured \(truth.capturedAmount) refunded \(truth.refundedAmount); daemon "
                    + "captured \(daemon.capturedAmount) refunded \(daemon.refundedAmount)"
            )
        }
        return found
    }

    /// The daemon states that agree with what Vipps recorded, once the daemon has settled everything it can.
    /// - Parameter tillCancelled: the till asked to cancel. A customer who declines (or lets the time run out) while
    ///   the till's cancel is still on its way ends a payment the till cancelled: `cancelled` is right too (on ePayment,
    ///   which does not cancel while the customer is approving, that is the usual way).
    static func expectedState(_ truth: SimulatedPayment, tillCancelled: Bool = false) -> Set<String> {
        if truth.capturedAmount > 0 { return ["captured"] }
        switch truth.state {
        case .initiated, .opened: return []
        case .reserved: return ["authorized"]
        case .declined: return tillCancelled ? ["rejected", "cancelled"] : ["rejected"]
        // A payment whose creation the daemon had to give up on is cancelled at Vipps and `failed` to the till.
        case .cancelled: return ["cancelled", "failed"]
        case .voided: return ["voided"]
        case .expired: return tillCancelled ? ["expired", "cancelled"] : ["expired"]
        }
    }

    /// Judges money by what the till asked for and was told, not by what the daemon says.
    private static func checkAsks(_ truth: SimulatedPayment, _ asks: [TillAsk], _ evidence: Evidence) -> [Violation] {
        var found: [Violation] = []
        func violation(_ rule: String, _ detail: String) {
            found.append(Violation(rule: rule, orderId: truth.orderId, detail: detail))
        }
        let succeeded = evidence.requests.filter {
            $0.orderId == truth.orderId && ($0.status ?? 0) / 100 == 2 && $0.method == "POST"
        }
        // Nothing moves for an operation the till was told failed.
        for ask in asks where ask.toldFailed {
            guard let requestId = ask.operation?.vippsRequestId else { continue }
            if succeeded.contains(where: { $0.requestId == requestId }) {
                violation("told-failed-never-moves", "the till was told its \(ask.kind) failed; Vipps carried it out")
            }
        }
        // Refunds: never more than the till asked for and was not told failed; as many as it was told succeeded.
        let refundAsks = asks.filter { $0.kind == "refund" }
        let askedRefund = refundAsks.filter { !$0.toldFailed && !$0.refusedLocally }.compactMap(\.amount).reduce(0, +)
        if truth.refundedAmount > askedRefund {
            violation("money-as-asked", "Vipps refunded \(truth.refundedAmount); the till asked for \(askedRefund)")
        }
        if truth.successfulRefunds > refundAsks.filter({ !$0.toldFailed && !$0.refusedLocally }).count {
            violation("money-as-asked", "\(truth.successfulRefunds) refunds for \(refundAsks.count) asks")
        }
        // Captures in till settlement: only what the till asked for.
        if evidence.settlement == "till" {
            let captureAsks = asks.filter { $0.kind == "capture" && !$0.toldFailed && !$0.refusedLocally }
            let ceiling = captureAsks.map { $0.amount ?? truth.amount }.reduce(0, +)
            if truth.capturedAmount > ceiling {
                violation("money-as-asked", "Vipps captured \(truth.capturedAmount); the till asked for \(ceiling)")
            }
        }
        // After the till's cancel (that was not refused), no new capture: only one Vipps had already carried out.
        if let cancel = asks.first(where: { $0.kind == "cancel" && !$0.toldFailed && !$0.refusedLocally }) {
            let late = truth.log.filter { $0.operation == .capture && $0.success && $0.timeStamp > cancel.askedAt }
            if !late.isEmpty {
                violation("no-charge-after-cancel", "\(late.count) capture(s) carried out after the till cancelled")
            }
        }
        return found
    }

    /// Vipps' per-orderId limits, over any 60-second window of the requests it received (refused ones too).
    static func rateLimitViolations(_ requests: [RecordedRequest]) -> [Violation] {
        VippsRateLimits.violations(requests).map {
            Violation(rule: "rate-limits-kept", orderId: $0.orderId, detail: $0.detail)
        }
    }
}
