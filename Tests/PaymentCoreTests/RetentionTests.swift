import Foundation
import GRDB
import TestSupport
import Testing
import VippsSimulator

@testable import PaymentCore

/// `state.retention` with a test clock: the prune is told what "now" is, so a year passes without waiting. Only
/// final, settled payments older than the retention go, with their events and operations; an unsettled one stays
/// however old.
@Suite(.timeLimit(.minutes(1)))
struct RetentionTests {
    static let day: TimeInterval = 86_400

    static func count(_ table: String, _ reference: String, in store: PaymentStore) throws -> Int {
        try store.database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE reference = ?", arguments: [reference]) ?? 0
        }
    }

    @Test func onlySettledPaymentsOlderThanTheRetentionAreDeleted() async throws {
        try await EngineHarness.run(engine: .testing { $0.settlement = .till }) { h in
            var events = await h.events()
            // Settled: approved, captured in full by the till.
            let (settled, _) = try await h.engine.create(PaymentRequest(reference: "ret-a", amount: 10000, text: nil))
            try await h.simulator.open(orderId: settled.orderId)
            try await h.simulator.approve(orderId: settled.orderId)
            _ = try #require(await events.next("ret-a", .authorized))
            #expect(try await h.engine.capture(reference: "ret-a", amount: nil).payment.state == .captured)

            // A reservation nobody ever captured.
            let (reserved, _) = try await h.engine.create(PaymentRequest(reference: "ret-b", amount: 5000, text: nil))
            try await h.simulator.open(orderId: reserved.orderId)
            try await h.simulator.approve(orderId: reserved.orderId)
            _ = try #require(await events.next("ret-b", .authorized))

            // Captured, with a refund whose outcome Vipps has not confirmed (Vipps answers 503 to it).
            let (refunding, _) = try await h.engine.create(PaymentRequest(reference: "ret-c", amount: 8000, text: nil))
            try await h.simulator.open(orderId: refunding.orderId)
            try await h.simulator.approve(orderId: refunding.orderId)
            _ = try #require(await events.next("ret-c", .authorized))
            _ = try await h.engine.capture(reference: "ret-c", amount: nil)
            await h.simulator.inject(
                .status(
                    503,
                    count: 100_000,
                    method: "POST",
                    pathPrefix: "/ecomm/v2/payments/\(refunding.orderId)/refund"
                )
            )
            let refund = try await h.engine.refund(reference: "ret-c", amount: 1000)
            #expect(refund.operation?.state == .pending)
            #expect(try Self.count("operation", "ret-a", in: h.store) == 1)
            #expect(try Self.count("event", "ret-a", in: h.store) > 0)

            // 399 days on: nothing is old enough.
            #expect(try await h.engine.pruneSettledPayments(now: Date().addingTimeInterval(399 * Self.day)) == 0)
            #expect(try await h.engine.payment(reference: "ret-a").state == .captured)

            // 401 days on: the settled payment goes, with its events and operations; the others stay.
            #expect(try await h.engine.pruneSettledPayments(now: Date().addingTimeInterval(401 * Self.day)) == 1)
            let gone = await #expect(throws: PaymentProblem.self) { try await h.engine.payment(reference: "ret-a") }
            #expect(gone?.status == 404)
            for table in ["payment", "event", "operation", "intent"] {
                #expect(try Self.count(table, "ret-a", in: h.store) == 0, "\(table)")
            }
            #expect(try await h.engine.payment(reference: "ret-b").state == .authorized)
            #expect(try await h.engine.payment(reference: "ret-c").operations.contains(where: \.isPending))
            #expect(try h.store.prunedThroughEventID() > 0)
            // What is left replays without the deleted payment.
            let replay = try h.store.events(after: 0)
            #expect(!replay.isEmpty && !replay.contains { $0.payment.reference == "ret-a" })
        }
    }

    @Test func eachBatchIsBoundedAndTheCursorMovesOn() async throws {
        try await EngineHarness.run { h in
            var events = await h.events()
            for reference in ["bat-1", "bat-2", "bat-3"] {
                let (payment, _) = try await h.engine.create(
                    PaymentRequest(reference: reference, amount: 100, text: nil)
                )
                try await h.simulator.open(orderId: payment.orderId)
                try await h.simulator.approve(orderId: payment.orderId)
                _ = try #require(await events.next(reference, .captured))
            }
            let later = Date().addingTimeInterval(500 * Self.day)
            var cursor: Int64 = 0
            var batches: [Int] = []
            while true {
                let batch = try h.store.pruneSettled(changedBefore: later, after: cursor, limit: 2)
                batches.append(batch.deleted)
                cursor = batch.cursor
                if batch.examined < 2 { break }
            }
            #expect(batches == [2, 1])
            #expect(try await h.engine.recentPayments().isEmpty)
        }
    }
}
