import Synchronization

/// What a stream holds for a client between its source and the socket: events posted and not yet written, and
/// whether a keep-alive is due. The source and the keep-alive timer only post; one loop takes and writes, so a
/// client that reads slowly holds up nothing but its own loop.
final class EventMailbox<Element: Sendable>: Sendable {
    enum Posted {
        case accepted
        /// The client is too far behind (``EventStreamWriter/Mailbox/queue(limit:)``).
        case overflowed
        /// The stream is over.
        case closed
    }

    enum Item {
        case element(Element)
        case keepAlive
    }

    private struct State {
        var elements: [Element] = []
        var keepAliveDue = false
        var closed = false
    }

    private let policy: EventStreamWriter.Mailbox
    private let state = Mutex(State())
    private let wake: AsyncStream<Void>.Continuation
    /// One element per wake-up call, but at most one waiting: the writer takes everything there is each time.
    let wakeups: AsyncStream<Void>

    init(policy: EventStreamWriter.Mailbox) {
        self.policy = policy
        (self.wakeups, self.wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func post(_ element: Element) -> Posted {
        let posted = self.state.withLock { state -> Posted in
            guard !state.closed else { return .closed }
            switch self.policy {
            case .newestOnly:
                state.elements = [element]
            case .queue(let limit):
                guard state.elements.count < limit else { return .overflowed }
                state.elements.append(element)
            }
            return .accepted
        }
        if case .accepted = posted { self.wake.yield() }
        return posted
    }

    /// False when the stream is over.
    func postKeepAlive() -> Bool {
        let posted = self.state.withLock { state in
            guard !state.closed else { return false }
            state.keepAliveDue = true
            return true
        }
        if posted { self.wake.yield() }
        return posted
    }

    /// The oldest element, else a due keep-alive (an event written meanwhile does its job), else nil.
    func take() -> Item? {
        self.state.withLock { state in
            if !state.elements.isEmpty {
                state.keepAliveDue = false
                return .element(state.elements.removeFirst())
            }
            guard state.keepAliveDue else { return nil }
            state.keepAliveDue = false
            return .keepAlive
        }
    }

    /// Takes no more posts; the writer finishes what is already there and ends.
    func close() {
        self.state.withLock { $0.closed = true }
        self.wake.finish()
    }
}
