import Synchronization

/// Everything one source produced so far (datagrams on a socket, lines on a pipe), in order, and a way to wait for
/// the first item that matches without sleeping: a waiter is resumed by the thread that appends the item.
final class Collector<Element: Sendable>: Sendable {
    private struct Waiter {
        let from: Int
        let predicate: @Sendable (Element) -> Bool
        let continuation: CheckedContinuation<(index: Int, element: Element)?, Never>
    }

    private struct State {
        var items: [Element] = []
        var isFinished = false
        var waiters: [Int: Waiter] = [:]
        var nextWaiterID = 0
    }

    private let state = Mutex(State())

    /// A copy of every item so far.
    var items: [Element] { self.state.withLock { $0.items } }

    func append(_ element: Element) {
        let resumed: [(Waiter, Int)] = self.state.withLock { state in
            state.items.append(element)
            let index = state.items.count - 1
            let due = state.waiters.filter { $0.value.from <= index && $0.value.predicate(element) }
            for id in due.keys { state.waiters[id] = nil }
            return due.values.map { ($0, index) }
        }
        for (waiter, index) in resumed {
            waiter.continuation.resume(returning: (index, element))
        }
    }

    /// No more items will come (the socket was closed, the pipe reached end of file): pending waits end with `nil`.
    func finish() {
        let waiters = self.state.withLock { state in
            state.isFinished = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
    }

    /// The first item at position `from` or later that satisfies `predicate`, waiting for it if needed.
    ///
    /// - Returns: `nil` if the source finished first or the task was cancelled.
    func first(
        from: Int = 0,
        where predicate: @escaping @Sendable (Element) -> Bool
    ) async -> (index: Int, element: Element)? {
        let id = self.state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate: Immediate<Element> = self.state.withLock { state in
                    if from < state.items.count,
                        let index = state.items[from...].firstIndex(where: predicate)
                    {
                        return .found(index, state.items[index])
                    }
                    if state.isFinished || Task.isCancelled { return .ended }
                    state.waiters[id] = Waiter(from: from, predicate: predicate, continuation: continuation)
                    return .waiting
                }
                switch immediate {
                case .found(let index, let element): continuation.resume(returning: (index, element))
                case .ended: continuation.resume(returning: nil)
                case .waiting: break
                }
            }
        } onCancel: {
            let waiter = self.state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(returning: nil)
        }
    }
}

/// What a new waiter finds when it looks at the items already there.
private enum Immediate<Element> {
    case found(Int, Element)
    case ended
    case waiting
}
