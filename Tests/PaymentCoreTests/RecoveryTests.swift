import Foundation
import Logging
import PaymentCore
import TestSupport
import Testing
import VippsSimulator

/// Recovery when Vipps cannot be asked: it goes on past every payment, lets the till in, and says which payments it
/// could not check, in their objects and in the list the health report shows, until Vipps answers.
@Suite(.timeLimit(.minutes(2)))
struct RecoveryTests {
    @Test func paymentsVippsCannotBeAskedAboutAreMarkedUntilItAnswers() async throws {
        let directory = try TemporaryDirectory()
        let seed: @Sendable (SimulatorHarness) async throws -> Void = { simulatorHarness in
            // What the box held when it stopped: one payment cancelled today, one waiting for its customer.
            let engine = PaymentEngine(
                configuration: .testing { $0.settlement = .till },
                vipps: simulatorHarness.makeClient(),
                store: try PaymentStore(directory: directory.path),
                logger: Logger(label: "test.seed")
            )
            _ = try await engine.create(PaymentRequest(reference: "rec-1", amount: 5000, text: nil))
            _ = try await engine.cancel(reference: "rec-1")
            _ = try await engine.create(PaymentRequest(reference: "rec-2", amount: 5000, text: nil))
            await simulatorHarness.simulator.inject(.unreachable(for: .seconds(3)))
        }
        try await EngineHarness.run(engine: .testing { $0.settlement = .till }, directory: directory, seed: seed) {
            h in
            var events = await h.events()
            // The harness ran recovery before this body, with Vipps unreachable.
            #expect(Set(await h.engine.unreconciledPayments()) == ["rec-1", "rec-2"])
            let waiting = try await h.engine.payment(reference: "rec-2")
            let cancelled = try await h.engine.payment(reference: "rec-1")
            #expect(waiting.unreconciled)
            #expect(cancelled.unreconciled)

            // Both are cleared, in whichever order the poll loop gets to them.
            var cleared: Set<String> = []
            while cleared.count < 2, let payment = await events.next(where: { !$0.unreconciled }) {
                cleared.insert(payment.reference)
            }
            #expect(await h.engine.unreconciledPayments().isEmpty)
            let after = try await (h.engine.payment(reference: "rec-1"), h.engine.payment(reference: "rec-2"))
            #expect(after.0.state == .cancelled && !after.0.unreconciled)
            #expect(after.1.state == .awaitingScan && !after.1.unreconciled)
        }
    }
}
