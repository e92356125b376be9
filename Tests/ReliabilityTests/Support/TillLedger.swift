import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// What the till has been shown: every payment object from the event stream and from answers, per reference.
actor TillLedger {
    private(set) var seen: [String: Set<String>] = [:]
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

/// The till's event stream (`GET /v1/events`) feeding a ``TillLedger``. Like a real till it reconnects with
/// `Last-Event-ID` whenever the stream ends; it stops when the daemon cannot be reached (killed), and the supervisor
/// follows the stream again once the daemon is back.
enum TillEventStream {
    /// Follows the stream until the daemon is gone. `connected` is called once the first answer's head has arrived.
    static func follow(
        socketPath: String,
        httpClient: HTTPClient,
        ledger: TillLedger,
        connected: @Sendable () -> Void
    ) async {
        var first = true
        defer { if first { connected() } }
        while !Task.isCancelled {
            let encoded = socketPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? socketPath
            var request = HTTPClientRequest(url: "http+unix://\(encoded)/v1/events")
            if let last = await ledger.lastEventID { request.headers.add(name: "Last-Event-ID", value: last) }
            guard let response = try? await httpClient.execute(request, timeout: .hours(12)), response.status == .ok
            else { return }
            if first {
                first = false
                connected()
            }
            await self.read(response, into: ledger)
            await ledger.noteStreamEnded()
        }
    }

    private static func read(_ response: HTTPClientResponse, into ledger: TillLedger) async {
        var pending = ""
        var eventID: String?
        var data: [String] = []
        do {
            for try await chunk in response.body {
                pending += String(buffer: chunk)
                while let newline = pending.firstIndex(of: "\n") {
                    let line = String(pending[..<newline])
                    pending = String(pending[pending.index(after: newline)...])
                    if line.isEmpty {
                        if !data.isEmpty { await ledger.record(eventID: eventID, data: data.joined(separator: "\n")) }
                        eventID = nil
                        data = []
                    } else if line.hasPrefix("id:") {
                        eventID = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
                    } else if line.hasPrefix("data:") {
                        data.append(String(line.dropFirst(5).drop { $0 == " " }))
                    }
                }
            }
        } catch {
            // The connection broke (the daemon was killed, or went quiet past the read timeout): reconnect.
        }
    }
}
