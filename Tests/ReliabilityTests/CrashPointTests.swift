import Foundation
import TestSupport
import Testing
import VippsSimulator

/// The real daemon killed with SIGKILL in the middle of payments (at random moments, and at each named step of a
/// payment) and started again on the same state directory; sometimes a torn frame is left at the end of the
/// write-ahead log, as a power cut during a store write would. The till carries on as the control API asks (it
/// repeats what got no answer), and the same invariants as the soak must hold afterwards.
@Suite("Reliability: crash points", .timeLimit(.minutes(30)))
struct CrashPointTests {
    /// Where a payment is when the daemon dies.
    struct KillPoint: Sendable, CustomStringConvertible {
        var name: String
        /// Set up before the payment starts, knowing its orderId: usually a fault that holds a request in flight.
        var fault: (@Sendable (String) -> SimulatorFault)?
        /// The request to Vipps at which the daemon is killed.
        var trigger: @Sendable (RecordedRequest, String) -> Bool
        var behaviour: CustomerBehaviour = .approve
        var tillSettlement: TillSettlement = .capture
        var description: String { self.name }

        /// Holds Vipps' answer (the request has taken effect) long enough for the kill to land first.
        static func inFlight(_ step: String, _ method: String, _ suffix: String, api: String = "ecom") -> KillPoint {
            KillPoint(
                name: "\(step) in flight (applied, answer pending)",
                fault: { orderId in
                    .latency(.seconds(5), count: 1, method: method, pathPrefix: Self.path(orderId, suffix, api))
                },
                trigger: { request, orderId in
                    request.method == method && request.path == Self.path(orderId, suffix, api)
                }
            )
        }

        /// The connection drops before Vipps acts; the daemon is killed as it finds out.
        static func lost(_ step: String, _ method: String, _ suffix: String, api: String = "ecom") -> KillPoint {
            KillPoint(
                name: "\(step) lost before Vipps acted",
                fault: { orderId in
                    SimulatorFault(
                        action: .drop(.beforeApplying),
                        count: 1,
                        method: method,
                        pathPrefix: Self.path(orderId, suffix, api)
                    )
                },
                trigger: { request, orderId in
                    request.method == method && request.path == Self.path(orderId, suffix, api)
                }
            )
        }

        /// The request of a step: eCom's, or ePayment's (`get` is the payment itself, without a suffix).
        static func path(_ orderId: String, _ suffix: String, _ api: String = "ecom") -> String {
            guard api == "epayment" else {
                return suffix.isEmpty ? "/ecomm/v2/payments" : "/ecomm/v2/payments/\(orderId)/\(suffix)"
            }
            switch suffix {
            case "": return "/epayment/v1/payments"
            case "get": return "/epayment/v1/payments/\(orderId)"
            default: return "/epayment/v1/payments/\(orderId)/\(suffix)"
            }
        }

        func with(_ behaviour: CustomerBehaviour, _ settlement: TillSettlement = .capture) -> KillPoint {
            var point = self
            point.behaviour = behaviour
            point.tillSettlement = settlement
            return point
        }
    }

    static let namedSteps: [(settlement: String, point: KillPoint)] = [
        ("auto", .inFlight("initiate", "POST", "")),
        ("auto", .lost("initiate", "POST", "")),
        ("auto", .inFlight("details poll", "GET", "details")),
        ("auto", .inFlight("capture", "POST", "capture")),
        ("auto", .lost("capture", "POST", "capture")),
        ("auto", .inFlight("cancel", "PUT", "cancel").with(.tillCancelsAfterScan)),
        ("auto", .lost("cancel", "PUT", "cancel").with(.tillCancelsAfterScan)),
        ("till", .inFlight("capture by the till", "POST", "capture")),
        ("till", .inFlight("void by the till", "PUT", "cancel").with(.approve, .cancel)),
        ("till", .inFlight("refund", "POST", "refund").with(.approve, .captureThenRefund)),
        ("till", .lost("refund", "POST", "refund").with(.approve, .captureThenRefund)),
    ]

    /// The same steps on the ePayment API: create, the payment read, capture, cancel (a POST) and refund. The till
    /// cancels before the customer opens the payment (while they are approving, ePayment answers "Cannot cancel
    /// pending", which the soak covers).
    static let epaymentSteps: [(settlement: String, point: KillPoint)] = [
        ("auto", .inFlight("create", "POST", "", api: "epayment")),
        ("auto", .lost("create", "POST", "", api: "epayment")),
        ("auto", .inFlight("payment read", "GET", "get", api: "epayment")),
        ("auto", .inFlight("capture", "POST", "capture", api: "epayment")),
        ("auto", .lost("capture", "POST", "capture", api: "epayment")),
        ("auto", .inFlight("cancel", "POST", "cancel", api: "epayment").with(.tillCancelsBeforeScan)),
        ("auto", .lost("cancel", "POST", "cancel", api: "epayment").with(.tillCancelsBeforeScan)),
        ("till", .inFlight("capture by the till", "POST", "capture", api: "epayment")),
        ("till", .inFlight("void by the till", "POST", "cancel", api: "epayment").with(.approve, .cancel)),
        ("till", .inFlight("refund", "POST", "refund", api: "epayment").with(.approve, .captureThenRefund)),
        ("till", .lost("refund", "POST", "refund", api: "epayment").with(.approve, .captureThenRefund)),
    ]

    @Test(
        "each named step of a payment",
        arguments: [("auto", "ecom"), ("till", "ecom"), ("auto", "epayment"), ("till", "epayment")]
    )
    func namedSteps(settlement: String, api: String) async throws {
        let mode = ReliabilityMode.current
        let started = ContinuousClock.now
        let steps = api == "ecom" ? Self.namedSteps : Self.epaymentSteps
        var report = try await SimulatorHarness.run { harness in
            var random = SeededRandom(seed: mode.seed &+ 11)
            let name = api == "ecom" ? "crash-steps-\(settlement)" : "crash-steps-\(api)-\(settlement)"
            var report = ReliabilityReport(name: name, mode: mode)
            let rig = try await ReliabilityRig.start(harness, settlement: settlement, api: api)
            var references: [String] = []
            let rounds = (0..<mode.stepRounds).flatMap { round in steps.indices.map { (round, $0) } }
            for (round, index) in rounds where steps[index].settlement == settlement {
                let step = steps[index]
                let reference = "step-\(round)-\(index)"
                let torn = random.chance(0.5) ? Self.tornTail(using: &random) : nil
                try await Self.play(rig, reference: reference, point: step.point, tornTail: torn, report: &report)
                references.append(reference)
            }
            try await rig.finish(&report, references: references)
            return report
        }
        report.seconds = (ContinuousClock.now - started) / .seconds(1)
        report.publish()
        #expect(report.crashes == report.crashPoints.values.reduce(0, +))
        #expect(report.violations.isEmpty, "\(report.violations.prefix(20).joined(separator: "\n"))")
    }

    @Test("random moments across many payments")
    func randomMoments() async throws {
        let mode = ReliabilityMode.current
        let started = ContinuousClock.now
        var report = try await SimulatorHarness.run { harness in
            var random = SeededRandom(seed: mode.seed &+ 23)
            var report = ReliabilityReport(name: "crash-random", mode: mode)
            let rig = try await ReliabilityRig.start(harness, settlement: "auto")
            var references: [String] = []
            for index in 0..<mode.crashPayments {
                let reference = "crash-\(index)"
                if index % 50 == 0 { print("RELIABILITY crash-random: payment \(index)") }
                let behaviour = CustomerBehaviour.random(using: &random)
                // The kill lands at the n-th request to Vipps from here: a random moment in this payment's life
                // (or, when the payment needs fewer, none).
                let nth = Int.random(in: 1...4, using: &random)
                var point = KillPoint(
                    name: "request \(nth)",
                    fault: nil,
                    trigger: { _, _ in true },
                    behaviour: behaviour
                )
                if random.chance(0.2) { point.name = "none" }
                let torn = random.chance(0.3) ? Self.tornTail(using: &random) : nil
                // Vipps misbehaves now and then here too, so restarts meet retries, held answers and outages.
                let fault = FaultPlan.random(using: &random, longestOutage: mode.longestOutage, probability: 0.2)
                report.count(fault: fault)
                if let fault { await harness.simulator.inject(fault.fault) }
                try await Self.play(
                    rig,
                    reference: reference,
                    point: point.name == "none" ? nil : point,
                    nth: nth,
                    tornTail: torn,
                    report: &report
                )
                references.append(reference)
            }
            try await rig.finish(&report, references: references)
            return report
        }
        report.seconds = (ContinuousClock.now - started) / .seconds(1)
        report.publish()
        #expect(report.crashes > 0)
        #expect(report.violations.isEmpty, "\(report.violations.prefix(20).joined(separator: "\n"))")
    }

    /// Plays one payment while a killer waits for its moment; the kill is counted only if it happened.
    static func play(
        _ rig: ReliabilityRig,
        reference: String,
        point: KillPoint?,
        nth: Int = 1,
        tornTail: [UInt8]?,
        report: inout ReliabilityReport
    ) async throws {
        let simulator = rig.harness.simulator
        let orderId = ReliabilityRig.orderIdPrefix + reference
        let after = (await simulator.requests().map(\.sequence).max() ?? 0)
        if let fault = point?.fault { await simulator.inject(fault(orderId)) }
        let killer = Task<Bool, Never> {
            guard let point else { return false }
            let trigger = point.trigger
            let matching: @Sendable (RecordedRequest) -> Bool = { $0.sequence > after && trigger($0, orderId) }
            guard (try? await simulator.waitForRequests(count: nth, matching: matching)) != nil else { return false }
            return (try? await rig.supervisor.crash(tornTail: tornTail)) != nil
        }
        let outcome = try await rig.run.play(
            reference: reference,
            amount: 100 * Int.random(in: 1...500),
            behaviour: point?.behaviour ?? .approve,
            tillSettlement: point?.tillSettlement ?? .capture
        )
        killer.cancel()
        let killed = await killer.value
        await simulator.clearFaults()
        report.payments += 1
        report.outcomes[outcome.label, default: 0] += 1
        report.behaviours[(point?.behaviour ?? .approve).rawValue, default: 0] += 1
        if killed, let point { report.crashPoints[point.name, default: 0] += 1 }
    }

    /// A few hundred bytes of a frame that never finished: a plausible WAL frame header followed by noise.
    static func tornTail(using random: inout SeededRandom) -> [UInt8] {
        (0..<Int.random(in: 24...3000, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
    }
}
