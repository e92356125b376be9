import Foundation
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
    }

    struct Violation: Sendable, CustomStringConvertible {
        var rule: String
        var orderId: String
        var detail: String
        var description: String { "\(self.rule) [\(self.orderId)]: \(self.detail)" }
    }

    static let rules = [
        "known-to-daemon", "state-agrees", "captured-only-when-till-saw-it", "captured-at-most-once",
        "no-silent-reservation", "rate-limits-kept", "no-phantom-payment",
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

        let expected = self.expectedState(truth)
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
    static func expectedState(_ truth: SimulatedPayment) -> Set<String> {
        if truth.capturedAmount > 0 { return ["captured"] }
        switch truth.state {
        case .initiated, .opened: return []
        case .reserved: return ["authorized"]
        case .declined: return ["rejected"]
        // A payment whose creation the daemon had to give up on is cancelled at Vipps and `failed` to the till.
        case .cancelled: return ["cancelled", "failed"]
        case .voided: return ["voided"]
        case .expired: return ["expired"]
        }
    }

    /// Vipps' per-orderId limits (ECOM-GUIDE §Rate limiting), over any 60-second window of the requests it received.
    static func rateLimitViolations(_ requests: [RecordedRequest]) -> [Violation] {
        var times: [String: [Date]] = [:]
        var found: [Violation] = []
        for request in requests {
            guard let orderId = request.orderId, let endpoint = self.endpoint(of: request) else { continue }
            if request.status == 429 && request.fault == nil {
                found.append(
                    Violation(rule: "rate-limits-kept", orderId: orderId, detail: "Vipps answered 429 to \(endpoint)")
                )
            }
            times["\(endpoint)|\(orderId)", default: []].append(request.time)
        }
        for (key, stamps) in times {
            let limit = self.limits[String(key.prefix { $0 != "|" })] ?? Int.max
            let sorted = stamps.sorted()
            var start = 0
            for end in sorted.indices {
                while sorted[end].timeIntervalSince(sorted[start]) >= 60 { start += 1 }
                if end - start + 1 > limit {
                    let orderId = String(key.drop { $0 != "|" }.dropFirst())
                    found.append(
                        Violation(
                            rule: "rate-limits-kept",
                            orderId: orderId,
                            detail: "\(end - start + 1) \(key.prefix { $0 != "|" }) calls within 60 s (limit \(limit))"
                        )
                    )
                    break
                }
            }
        }
        return found
    }

    static let limits = ["initiate": 2, "capture": 5, "cancel": 5, "refund": 5, "details": 120]

    private static func endpoint(of request: RecordedRequest) -> String? {
        let path = request.path.split(separator: "?").first.map(String.init) ?? request.path
        if request.method == "POST" && path.hasSuffix("/ecomm/v2/payments") { return "initiate" }
        return ["capture", "cancel", "refund", "details"].first { path.hasSuffix("/\($0)") }
    }
}
