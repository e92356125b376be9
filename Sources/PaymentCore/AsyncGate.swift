/// A lock for async code inside an actor: one operation on the payments at a time, across suspension points.
///
/// Actors are re-entrant, so without this a poll could read a payment while a cancel waits for Vipps and act on a
/// stale state. Waiters are served in order.
struct AsyncGate {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Returns a continuation to wait on if the gate is taken, or nil if the caller now holds it.
    mutating func enter() -> Bool {
        if self.locked { return false }
        self.locked = true
        return true
    }

    mutating func enqueue(_ continuation: CheckedContinuation<Void, Never>) {
        self.waiters.append(continuation)
    }

    /// Passes the gate to the next waiter, or opens it.
    mutating func leave() {
        if self.waiters.isEmpty {
            self.locked = false
        } else {
            self.waiters.removeFirst().resume()
        }
    }
}
