import Foundation
import PaymentCore
import Prometheus
import TestSupport
import Testing
import VippsSimulator

/// A store that runs out of room (a real `SQLITE_FULL` from SQLite's page limit, see ``StoreSpace``): the payment is
/// refused before anything reaches Vipps, the store says it is not writable (and the gauge says 0) until a write
/// succeeds again, and the probe notices space coming back without a payment.
@Suite(.timeLimit(.minutes(1)))
struct StoreWritabilityTests {
    @Test func aFullStoreRefusesThePaymentAndSaysSoUntilSpaceIsBack() async throws {
        let registry = PrometheusCollectorRegistry()
        try await EngineHarness.run(metrics: PrometheusMetricsFactory(registry: registry)) { h in
            #expect(h.store.writeProblem == nil)
            try StoreSpace.fill(h.store)

            let problem = await #expect(throws: PaymentProblem.self) {
                try await h.engine.create(PaymentRequest(reference: "full-1", amount: 12900, text: "Kaffe"))
            }
            #expect(problem?.status == 500)
            #expect(await h.simulator.payments().isEmpty, "nothing may reach Vipps that could not be written down")
            let failure = try #require(h.store.writeProblem)
            #expect(failure.reason.contains("full"), "\(failure.reason)")
            await h.engine.recordGauges()
            #expect(try PrometheusText(registry.emitToString()).value("qrpayd_store_writable") == 0)

            // Still full: the probe fails and the mark stays.
            #expect(!h.store.probeWrite())
            #expect(h.store.writeProblem?.since == failure.since)

            // Space comes back: nothing has written yet, so the store is still marked, until the probe writes.
            try StoreSpace.liftCap(h.store)
            #expect(h.store.writeProblem != nil)
            #expect(h.store.probeWrite())
            #expect(h.store.writeProblem == nil)
            try StoreSpace.free(h.store)
            await h.engine.recordGauges()
            #expect(try PrometheusText(registry.emitToString()).value("qrpayd_store_writable") == 1)

            var events = await h.events()
            let (payment, created) = try await h.engine.create(
                PaymentRequest(reference: "full-2", amount: 12900, text: "Kaffe")
            )
            #expect(created)
            try await h.simulator.open(orderId: payment.orderId)
            try await h.simulator.approve(orderId: payment.orderId)
            #expect(await events.next("full-2", .captured)?.capturedAmount == 12900)
        }
    }

    @Test func aRefusedWriteThatIsNotAboutStorageLeavesTheStoreWritable() async throws {
        try await EngineHarness.run { h in
            _ = try await h.engine.create(PaymentRequest(reference: "dup-1", amount: 12900, text: nil))
            // The same reference again is a conflict the engine answers itself; nothing about storage.
            _ = await #expect(throws: PaymentProblem.self) {
                try await h.engine.create(PaymentRequest(reference: "dup-1", amount: 100, text: nil))
            }
            #expect(h.store.writeProblem == nil)
            #expect(h.store.probeWrite())
        }
    }
}
