import ControlAPI
import Foundation
import PaymentCore
import ServerSentEvents
import Testing
import VippsSimulator

/// A till that reconnects to `/v1/events` with `Last-Event-ID` gets exactly what it missed.
@Suite struct EventReplayTests {
    @Test func reconnectingWithLastEventIDReplaysExactlyTheMissedEvents() async throws {
        try await ControlHarness.run(settlement: .auto) { daemon in
            // The till's first connection sees the payment reach the screen, then drops.
            var first = try await daemon.client.events()
            _ = try await daemon.client.create(reference: "till7-000400", amount: 12900)
            let beforeDrop = try await first.payments(until: { $0.state == .awaitingScan })
            let lastSeen = try #require(beforeDrop.last?.id)

            // Meanwhile the customer pays; a second listener shows when it is over.
            var witness = try await daemon.client.events()
            try await daemon.simulator.approve(orderId: daemon.orderId("till7-000400"))
            let missed = try await witness.payments(until: { $0.state == .captured })

            var reconnected = try await daemon.client.events(lastEventID: lastSeen)
            let replayed = try await reconnected.payments(until: { $0.state == .captured })
            #expect(replayed.map(\.id) == missed.map(\.id))
            #expect(replayed.map(\.payment) == missed.map(\.payment))
            #expect(replayed.allSatisfy { $0.id > lastSeen })
        }
    }

    @Test func lastEventIDZeroReplaysEverythingInOrder() async throws {
        try await ControlHarness.run { daemon in
            _ = try await daemon.client.create(reference: "till7-000401", amount: 12900)
            _ = try await daemon.client.post("/v1/payments/till7-000401/cancel")
            let stored = try daemon.store.events(after: 0)

            var replay = try await daemon.client.events(lastEventID: 0)
            let replayed = try await replay.payments(until: { $0.state == .cancelled })
            #expect(replayed.map(\.id) == stored.map(\.id))
            #expect(replayed.map(\.payment.state) == stored.map(\.payment.state))
        }
    }

    /// The retention has deleted a settled payment's events: a till replaying from before them is told its history is
    /// incomplete (first, with no `id:`), then gets what is left; a till whose last id is newer is told nothing.
    @Test func replayFromBeforePrunedEventsSaysHistoryWasPruned() async throws {
        try await ControlHarness.run { daemon in
            var events = try await daemon.client.events()
            _ = try await daemon.client.create(reference: "till7-000402", amount: 12900)
            try await daemon.simulator.approve(orderId: daemon.orderId("till7-000402"))
            let settled = try await events.payments(until: { $0.state == .captured })
            let pruned = try await daemon.engine.pruneSettledPayments(now: Date().addingTimeInterval(401 * 86_400))
            #expect(pruned == 1)
            _ = try await daemon.client.create(reference: "till7-000403", amount: 12900)
            let newest = try daemon.store.lastEventID()

            var replay = try await daemon.client.events(lastEventID: 0)
            let notice = try #require(try await Self.firstEvent(in: &replay))
            #expect(notice.event == "history-pruned")
            #expect(notice.id == nil)
            #expect(notice.data == #"{"prunedThroughEventId":\#(settled.last?.id ?? -1)}"#)
            let left = try #require(try await replay.nextPayment())
            #expect(left.payment.reference == "till7-000403")

            var current = try await daemon.client.events(lastEventID: newest)
            _ = try await daemon.client.post("/v1/payments/till7-000403/cancel")
            let first = try #require(try await Self.firstEvent(in: &current))
            #expect(first.event == "payment")
        }
    }

    /// The first block that is an event (not a comment or the `retry:` hint).
    static func firstEvent(in stream: inout EventStreamReader) async throws -> ServerSentEvent? {
        while let block = try await stream.next() {
            if block.event != nil { return block }
        }
        return nil
    }

    @Test func theStreamStartsWithARetryHint() async throws {
        try await ControlHarness.run { daemon in
            var stream = try await daemon.client.events()
            let first = try #require(try await stream.next())
            #expect(first.retry != nil)
        }
    }
}
