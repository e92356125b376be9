/// A lock for async code inside an actor: one operation on a payment at a time, across suspension points.
///
/// Actors are re-entrant, so without this a poll could read a payment while a cancel waits for Vipps and act on a
/// stale state. The engine keeps one per payment, so a slow call for one payment never holds up another. Waiters are
/// served in order.
struct AsyncGate {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Takes the gate and returns true, or returns false if it is taken (then ``enqueue(_:)`` and wait).
    mutating func enter() -> Bool {
        if self.locked { return false }
        self.locked = true
        return true
    }

    mutating func enqueue(_ continuation: CheckedContinuation<Void, Never>) {
        self.waiters.append(continuation)
    }

    /// Whether nobody holds or waits for the gate, so it can be dropped.
    var isIdle: Bool { !self.locked && self.waiters.isEmpty }

    /// Passes the gate to the next waiter, or opens it.
    mutating func leave() {
        if self.waiters.isEmpty {
            self.locked = false
        } else {
            self.waiters.removeFirst().resume()
        }
    }
}
