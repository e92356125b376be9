import AsyncHTTPClient
import Foundation
import TestSupport
import Testing
import VippsSimulator

/// Hundreds (CI) or thousands (by hand) of payments in a row through the real daemon, with the customer's behaviour
/// and Vipps' faults drawn at random; afterwards every invariant must hold and the daemon must hold no more memory,
/// descriptors or threads than it did before.
@Suite("Reliability: soak", .timeLimit(.minutes(30)))
struct SoakTests {
    /// Both settlements on eCom, and both on ePayment (`vipps.api = epayment`), judged by the same invariants.
    @Test("soak", arguments: [("auto", "ecom"), ("till", "ecom"), ("auto", "epayment"), ("till", "epayment")])
    func soak(settlement: String, api: String) async throws {
        let mode = ReliabilityMode.current
        let started = ContinuousClock.now
        let name = api == "ecom" ? "soak-\(settlement)" : "soak-\(api)-\(settlement)"
        let report = try await SimulatorHarness.run { harness in
            var random = SeededRandom(seed: mode.seed &+ (settlement == "auto" ? 0 : 1) &+ (api == "ecom" ? 0 : 2))
            var report = ReliabilityReport(name: name, mode: mode)
            let rig = try await ReliabilityRig.start(harness, settlement: settlement, api: api)
            var references: [String] = []
            let warmUp = 10
            for index in 0..<(mode.soakPayments + warmUp) {
                if index == warmUp { report.before = await rig.resources }
                if index >= warmUp, (index - warmUp) % max(1, mode.soakPayments / 10) == 0,
                    let sample = await rig.resources
                {
                    report.residentKiBCurve.append(sample.residentKiB)
                }
                let reference = "soak-\(index)"
                if index % 100 == 0 { print("RELIABILITY soak-\(settlement): payment \(index)") }
                let behaviour = index < warmUp ? .approve : CustomerBehaviour.random(using: &random)
                let fault =
                    index < warmUp
                    ? nil
                    : FaultPlan.random(
                        using: &random,
                        longestOutage: mode.longestOutage,
                        probability: 0.35,
                        api: api
                    )
                report.count(fault: fault)
                if let fault { await harness.simulator.inject(fault.fault) }
                let outcome = try await rig.run.play(
                    reference: reference,
                    amount: Int.random(in: 100...99_900, using: &random),
                    behaviour: behaviour,
                    tillSettlement: TillSettlement.random(using: &random)
                )
                await harness.simulator.clearFaults()
                references.append(reference)
                report.payments += 1
                report.behaviours[behaviour.rawValue, default: 0] += 1
                report.outcomes[outcome.label, default: 0] += 1
            }

            // No payment is left being followed: while one more payment waits for its customer (several poll
            // intervals), Vipps hears about no other. One straggler, a poll already under way when the previous
            // payment ended, is not a leak; a poller that lives on asks again every interval.
            let quietFrom = (await harness.simulator.requests().map(\.sequence).max() ?? 0) + 1
            let probe = "soak-probe"
            _ = try await rig.run.play(
                reference: probe,
                amount: 4200,
                behaviour: .approveAfterScanShows,
                tillSettlement: .capture
            )
            references.append(probe)
            let strays = await harness.simulator.requests().filter {
                $0.sequence >= quietFrom && $0.orderId != nil && $0.orderId != ReliabilityRig.orderIdPrefix + probe
            }
            let leaked = Dictionary(grouping: strays) { $0.orderId ?? "" }.filter { $0.value.count > 1 }
            report.violations += leaked.map {
                "no-leaked-pollers [\($0.key)]: \($0.value.count) requests after it ended"
            }
            report.after = await rig.resources
            report.violations += report.resourceViolations
            try await rig.finish(&report, references: references)
            report.invariantsChecked += ["no-leaked-pollers", "resources-bounded"]
            return report
        }
        var finished = report
        finished.seconds = (ContinuousClock.now - started) / .seconds(1)
        finished.publish()
        #expect(finished.violations.isEmpty, "\(finished.violations.prefix(20).joined(separator: "\n"))")
    }
}
