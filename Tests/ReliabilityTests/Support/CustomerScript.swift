import Foundation
import TestSupport
import VippsSimulator

/// What the customer (and the cashier) do with one payment, drawn at random.
enum CustomerBehaviour: String, CaseIterable, Sendable {
    case approve
    case decline
    case cardDeclinedThenApprove
    case walkAway
    case tillCancelsBeforeScan
    case tillCancelsAfterScan
    /// The cashier cancels at the moment the customer approves: either may win.
    case tillCancelsWhileApproving
    /// Opens the payment, and approves only once the till has been shown `scanned` (a payment that takes a while).
    case approveAfterScanShows

    static func random(using random: inout SeededRandom) -> CustomerBehaviour {
        // Mostly happy customers, as in a shop; every other path still comes up many times per run.
        let weighted: [(CustomerBehaviour, Int)] = [
            (.approve, 40), (.decline, 10), (.cardDeclinedThenApprove, 10), (.walkAway, 10),
            (.tillCancelsBeforeScan, 10), (.tillCancelsAfterScan, 10), (.tillCancelsWhileApproving, 10),
        ]
        var pick = Int.random(in: 0..<weighted.reduce(0) { $0 + $1.1 }, using: &random)
        for (behaviour, weight) in weighted {
            if pick < weight { return behaviour }
            pick -= weight
        }
        return .approve
    }
}

/// What the till does with an approved payment when it settles (settlement `till`).
enum TillSettlement: String, CaseIterable, Sendable {
    case capture
    case captureThenRefund
    case cancel

    static func random(using random: inout SeededRandom) -> TillSettlement {
        [.capture, .capture, .captureThenRefund, .cancel][Int.random(in: 0..<4, using: &random)]
    }
}

/// A misbehaviour of Vipps or the network, injected before a payment.
struct FaultPlan: Sendable, CustomStringConvertible {
    var fault: SimulatorFault
    var name: String
    var description: String { self.name }

    static let paths = [
        ("token", "POST", "/accesstoken/get"), ("initiate", "POST", "/ecomm/v2/payments"),
        ("details", "GET", "/ecomm/v2/payments/"), ("capture", "POST", "/ecomm/v2/payments/"),
        ("cancel", "PUT", "/ecomm/v2/payments/"), ("refund", "POST", "/ecomm/v2/payments/"),
    ]

    /// The same targets on the ePayment API (its money calls are all POSTs under the payment's path).
    static let epaymentPaths = [
        ("token", "POST", "/accesstoken/get"), ("create", "POST", "/epayment/v1/payments"),
        ("get", "GET", "/epayment/v1/payments/"), ("capture/cancel/refund", "POST", "/epayment/v1/payments/"),
    ]

    /// One fault, drawn at random, or `nil` (most payments see none).
    static func random(
        using random: inout SeededRandom,
        longestOutage: Duration,
        probability: Double,
        api: String = "ecom"
    ) -> FaultPlan? {
        guard random.chance(probability) else { return nil }
        let paths = api == "epayment" ? self.epaymentPaths : self.paths
        let (target, method, prefix) = paths[Int.random(in: 0..<paths.count, using: &random)]
        let count = Int.random(in: 1...3, using: &random)
        switch Int.random(in: 0..<7, using: &random) {
        case 0:
            let fault = SimulatorFault.status(429, retryAfter: 1, count: count, method: method, pathPrefix: prefix)
            return FaultPlan(fault: fault, name: "429×\(count) \(target)")
        case 1:
            let status = [500, 502, 503, 504][Int.random(in: 0..<4, using: &random)]
            let shape = SimulatorFault.BodyShape.allCases[Int.random(in: 0..<4, using: &random)]
            let fault = SimulatorFault.status(
                status,
                bodyShape: shape,
                count: count,
                method: method,
                pathPrefix: prefix
            )
            return FaultPlan(fault: fault, name: "\(status)×\(count) \(target)")
        case 2:
            let delay = Duration.milliseconds(Int.random(in: 200...2500, using: &random))
            let fault = SimulatorFault.latency(delay, count: count, method: method, pathPrefix: prefix)
            return FaultPlan(fault: fault, name: "latency \(delay)×\(count) \(target)")
        case 3, 4:
            let phase: SimulatorFault.DropPhase = random.chance(0.5) ? .beforeApplying : .afterApplying
            let fault = SimulatorFault(action: .drop(phase), count: 1, method: method, pathPrefix: prefix)
            return FaultPlan(fault: fault, name: "drop(\(phase.rawValue)) \(target)")
        case 5:
            return FaultPlan(fault: SimulatorFault(action: .expireTokens), name: "token expiry")
        default:
            let seconds = Double.random(in: 0.5...(Double(longestOutage.components.seconds) + 0.5), using: &random)
            let outage = Duration.milliseconds(Int(seconds * 1000))
            return FaultPlan(fault: SimulatorFault(action: .unreachable(outage)), name: "unreachable \(outage)")
        }
    }
}
