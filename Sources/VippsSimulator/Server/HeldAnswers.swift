import Synchronization

/// Answers held back by a latency fault. Clearing the faults (or shutting down) lets every held answer go at
/// once, so neither a test nor a graceful shutdown has to outwait a long injected delay.
///
/// A hold takes a ticket before its request is recorded; a release counts as reaching every ticket taken
/// before it, so a release that lands between the record and the start of the hold is not lost.
final class HeldAnswers: Sendable {
    private struct State: Sendable {
        var generation = 0
        var nextID = 0
        var waiting: [Int: CheckedContinuation<Void, Never>] = [:]
        var cancelledEarly: Set<Int> = []
    }

    private let state = Mutex(State())

    func ticket() -> Int {
        self.state.withLock { $0.generation }
    }

    /// Returns after `delay`, or earlier if released (since `ticket` was taken) or cancelled.
    func hold(for delay: Duration, ticket: Int) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: delay) }
            group.addTask { await self.waitForRelease(ticket: ticket) }
            await group.next()
            group.cancelAll()
        }
    }

    func releaseAll() {
        let waiting = self.state.withLock { state in
            state.generation += 1
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
        for continuation in waiting {
            continuation.resume()
        }
    }

    private func waitForRelease(ticket: Int) async {
        let id = self.state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let goNow = self.state.withLock { state in
                    if state.cancelledEarly.remove(id) != nil || state.generation != ticket { return true }
                    state.waiting[id] = continuation
                    return false
                }
                if goNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = self.state.withLock { state in
                if let continuation = state.waiting.removeValue(forKey: id) { return Optional(continuation) }
                state.cancelledEarly.insert(id)
                return nil
            }
            continuation?.resume()
        }
    }
}
