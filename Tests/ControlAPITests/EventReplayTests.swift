import ControlAPI
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

    @Test func theStreamStartsWithARetryHint() async throws {
        try await ControlHarness.run { daemon in
            var stream = try await daemon.client.events()
            let first = try #require(try await stream.next())
            #expect(first.retry != nil)
        }
    }
}
