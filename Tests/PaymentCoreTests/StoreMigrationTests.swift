import Foundation
import Logging
import PaymentCore
import TestSupport
import Testing
import VippsAPI
import VippsSimulator

/// A payment database written by the first released schema (commit a3d6d2f; see
/// `Tests/Fixtures/store-v1/make-fixture.sh`) opens, migrates, and its payments are finished by recovery.
@Suite(.timeLimit(.minutes(2)))
struct StoreMigrationTests {
    static let fixture = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/store-v1")

    static func copyFixture() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "qrpayd-v1-store")
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.fixture.path)
        where name.hasPrefix(PaymentStore.fileName) {
            try FileManager.default.copyItem(
                at: Self.fixture.appendingPathComponent(name),
                to: directory.file(name)
            )
        }
        return directory
    }

    @Test func aVersionOneStoreMigratesWithEveryPaymentAndIntent() throws {
        let directory = try Self.copyFixture()
        let store = try PaymentStore(directory: directory.path)
        let records = Dictionary(
            uniqueKeysWithValues: try store.recentRecords(limit: 100).map { ($0.payment.reference, $0) }
        )
        #expect(Set(records.keys) == ["v1-open", "v1-reserved", "v1-partial", "v1-capture", "v1-done"])

        let open = try #require(records["v1-open"]).payment
        #expect(open.state == .awaitingScan)
        #expect(open.operations.isEmpty)

        let partial = try #require(records["v1-partial"]).payment
        #expect(partial.capturedAmount == 4000)
        #expect(partial.reservedAmount == 8900)
        #expect(partial.isUnsettled)
        #expect(partial.operations.map(\.kind) == [.capture])
        #expect(partial.operations.first?.state == .succeeded)

        let inFlight = try #require(records["v1-capture"]).payment
        #expect(inFlight.state == .authorized)
        let pending = try #require(inFlight.operations.first)
        #expect(pending.kind == .capture)
        #expect(pending.state == .pending)
        // The old X-Request-Id is kept: Vipps recognises a retry of the same capture.
        #expect(pending.vippsRequestId.hasPrefix("capture-1-"))

        let done = try #require(records["v1-done"]).payment
        #expect(done.state == .captured)
        #expect(done.refundedAmount == 1000)
        #expect(done.reservedAmount == 0)
        #expect(done.operations.map(\.kind) == [.capture, .refund])
        #expect(done.operations.allSatisfy { $0.state == .succeeded })
        #expect(!done.isUnsettled)

        let open_ = Set(try store.openRecords().map(\.payment.reference))
        #expect(open_ == ["v1-open", "v1-reserved", "v1-partial", "v1-capture"])
        #expect(try store.pendingIntents().allSatisfy { $0.operation == .initiate })
    }

    /// Vipps holds the same payments; recovery finishes the capture that was in flight with its old
    /// `X-Request-Id` (once), and the till can list what is still unsettled.
    @Test func aVersionOneStoreIsRecoveredAndItsPendingCaptureFinished() async throws {
        let directory = try Self.copyFixture()
        let seed: @Sendable (SimulatorHarness) async throws -> Void = { simulatorHarness in
            let client = simulatorHarness.makeClient()
            let simulator = simulatorHarness.simulator
            for reference in ["v1-open", "v1-reserved", "v1-partial", "v1-capture", "v1-done"] {
                _ = try await client.initiate(
                    PaymentInitiation(
                        orderId: "kiosk7-\(reference)",
                        amount: 12900,
                        transactionText: "Fixture",
                        fallBackURL: "https://www.vipps.no/thankyoupage/",
                        callbackPrefix: "https://example.com/qrpayd-uses-polling"
                    )
                )
                if reference != "v1-open" {
                    try await simulator.open(orderId: "kiosk7-\(reference)")
                    try await simulator.approve(orderId: "kiosk7-\(reference)")
                }
            }
            _ = try await client.capture(
                orderId: "kiosk7-v1-partial",
                amount: 4000,
                text: "Fixture",
                requestId: "p-1"
            )
            _ = try await client.capture(orderId: "kiosk7-v1-done", amount: nil, text: "Fixture", requestId: "d-1")
            _ = try await client.refund(orderId: "kiosk7-v1-done", amount: 1000, text: "Fixture", requestId: "d-2")
        }
        try await EngineHarness.run(engine: .testing { $0.settlement = .till }, directory: directory, seed: seed) {
            harness in
            // The harness ran recovery before this body: the capture that was in flight is done.
            let captured = try await harness.engine.payment(reference: "v1-capture")
            #expect(captured.state == .captured)
            #expect(captured.capturedAmount == 12900)
            #expect(captured.operations.first?.state == .succeeded)
            let truth = try #require(await harness.simulator.payment(orderId: "kiosk7-v1-capture"))
            #expect(truth.successfulCaptures == 1)

            // v1-open was waiting for a scan when the fixture was written, long more than Vipps' 10 minutes ago:
            // qrpayd's own safety net cancels it at Vipps and calls it expired.
            let open = try await harness.engine.payment(reference: "v1-open")
            #expect(open.state == .expired)
            #expect(open.error?.code == "qrpayd-expired")
            #expect(try #require(await harness.simulator.payment(orderId: "kiosk7-v1-open")).state == .cancelled)
            let unsettled = Set(try await harness.engine.unsettledPayments().map(\.reference))
            #expect(unsettled == ["v1-reserved", "v1-partial"])
            #expect(await harness.engine.unreconciledPayments().isEmpty)
        }
    }
}
