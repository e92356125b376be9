import Synchronization

/// The connections a listener has open, against its cap; touched from every event loop, so atomic.
final class ConnectionCounter: Sendable {
    private let open = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Counts a new connection if there is room; false (and nothing counted) at the cap.
    func admit() -> Bool {
        var current = self.open.load(ordering: .relaxed)
        while current < self.limit {
            let (exchanged, original) = self.open.compareExchange(
                expected: current,
                desired: current + 1,
                ordering: .relaxed
            )
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// A connection counted by ``admit()`` has closed.
    func release() {
        self.open.subtract(1, ordering: .relaxed)
    }

    var current: Int { self.open.load(ordering: .relaxed) }
}
