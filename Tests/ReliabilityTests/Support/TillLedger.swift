import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport

/// What the till has been shown: every payment object from the event stream and from answers, per reference.
actor TillLedger {
    private(set) var seen: [String: Set<String>] = [:]
    /// Every capture, refund and cancel the till asked for, per reference, with what it was told.
    private(set) var asks: [String: [TillAsk]] = [:]
    private(set) var latest: [String: TillPayment] = [:]
    /// The stream's last `id:`, sent back as `Last-Event-ID` when the till reconnects after a daemon restart.
    private(set) var lastEventID: String?
    private(set) var events = 0
    /// Streams that ended and were followed again.
    private(set) var reconnects = 0
    private var waiters: [Int: Waiter] = [:]
    private var nextWaiter = 0

    private struct Waiter {
        var reference: String
        var predicate: @Sendable (TillPayment) -> Bool
        var continuation: CheckedContinuation<TillPayment, Never>
    }

    /// Notes a cashier action before it is sent; returns its index for ``told(_:index:status:operation:)``.
    func ask(_ reference: String, _ ask: TillAsk) -> Int {
        self.asks[reference, default: []].append(ask)
        return self.asks[reference, default: []].count - 1
    }

    func told(_ reference: String, index: Int, status: Int, operation: TillOperation?) {
        self.asks[reference]?[index].statuses.append(status)
        if let operation { self.asks[reference]?[index].operation = operation }
    }

    func record(_ payment: TillPayment) {
        self.seen[payment.reference, default: []].insert(payment.state)
        self.latest[payment.reference] = payment
        for (id, waiter) in self.waiters where waiter.reference == payment.reference && waiter.predicate(payment) {
            self.waiters[id] = nil
            waiter.continuation.resume(returning: payment)
        }
    }

    func record(eventID: String?, data: String) {
        self.events += 1
        if let eventID { self.lastEventID = eventID }
        if let payment = try? JSONDecoder().decode(TillPayment.self, from: Data(data.utf8)) {
            self.record(payment)
        }
    }

    func noteStreamEnded() { self.reconnects += 1 }

    /// Waits until the till has been shown `reference` in a state that satisfies `predicate`.
    func wait(for reference: String, until predicate: @escaping @Sendable (TillPayment) -> Bool) async -> TillPayment {
        if let current = self.latest[reference], predicate(current) { return current }
        let id = self.nextWaiter
        self.nextWaiter += 1
        return await withCheckedContinuation { continuation in
            self.waiters[id] = Waiter(reference: reference, predicate: predicate, continuation: continuation)
        }
    }
}

/// The till's event stream feeding a ``TillLedger``. Like a real till it reconnects with `Last-Event-ID` whenever
/// the stream ends; it stops when the daemon cannot be reached (killed), and the supervisor follows the stream again
/// once the daemon is back.
enum TillEventStream {
    /// Follows the stream until the daemon is gone. `connected` is called once the first stream is open (or could
    /// not be opened).
    static func follow(till: TillClient, client: HTTPClient, ledger: TillLedger, connected: @Sendable () -> Void) async
    {
        var reported = false
        defer { if !reported { connected() } }
        while !Task.isCancelled {
            var opened = false
            let open: () async -> Void = {
                opened = true
                if !reported {
                    reported = true
                    connected()
                }
            }
            do {
                try await till.followEvents(after: await ledger.lastEventID, using: client, opened: open) { event in
                    await ledger.record(eventID: event.id, data: event.data)
                    return true
                }
            } catch {
                // Could not even open: the daemon is gone (killed). Otherwise the connection broke: go round again.
                if !opened { return }
            }
            await ledger.noteStreamEnded()
        }
    }
}
