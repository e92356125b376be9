import Foundation

/// Hands every stored payment event to the live listeners: the till's `/v1/events` streams and the customer display.
///
/// A listener that connects with a `Last-Event-ID` first gets what it missed, read from the store, then live events,
/// with no gap and no repeat. A listener that cannot keep up is disconnected rather than allowed to hold memory; it
/// reconnects with its last id and catches up from the store.
public actor EventHub {
    private struct Listener {
        var continuation: AsyncStream<PaymentEvent>.Continuation
        var lastDelivered: Int64
    }

    private let store: PaymentStore
    private var listeners: [UUID: Listener] = [:]
    private var finished = false
    /// Events a listener may have waiting before it counts as stuck.
    static let bufferLimit = 256

    public init(store: PaymentStore) {
        self.store = store
    }

    public var listenerCount: Int { self.listeners.count }

    /// Events after `lastEventID` (all stored events if 0; none from the past if nil), then live ones.
    public func subscribe(after lastEventID: Int64?) -> AsyncStream<PaymentEvent> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: PaymentEvent.self,
            bufferingPolicy: .bufferingOldest(Self.bufferLimit)
        )
        guard !self.finished else {
            continuation.finish()
            return stream
        }
        var last = (try? self.store.lastEventID()) ?? 0
        if let lastEventID {
            last = lastEventID
            // Replay in pages; the actor is not re-entered meanwhile, so nothing is published in between.
            while let page = try? self.store.events(after: last, limit: 200), !page.isEmpty {
                for event in page {
                    if case .dropped = continuation.yield(event) {
                        continuation.finish()
                        return stream
                    }
                    last = event.id
                }
            }
        }
        let id = UUID()
        self.listeners[id] = Listener(continuation: continuation, lastDelivered: last)
        continuation.onTermination = { _ in
            // onTermination is synchronous; hop onto the actor to forget the listener.
            Task { await self.remove(id) }
        }
        return stream
    }

    /// The newest event the retention deleted (0 if none, or if the store cannot say): a listener replaying from an
    /// older id has missed some history.
    public func prunedThroughEventID() -> Int64 {
        do {
            return try self.store.prunedThroughEventID()
        } catch {
            return 0
        }
    }

    /// Delivers `event` to every listener that has not seen it yet.
    public func publish(_ event: PaymentEvent) {
        for (id, listener) in self.listeners where event.id > listener.lastDelivered {
            switch listener.continuation.yield(event) {
            case .enqueued:
                self.listeners[id]?.lastDelivered = event.id
            case .dropped, .terminated:
                listener.continuation.finish()
                self.listeners[id] = nil
            @unknown default:
                listener.continuation.finish()
                self.listeners[id] = nil
            }
        }
    }

    /// Ends every stream (graceful shutdown).
    public func finishAll() {
        self.finished = true
        for listener in self.listeners.values { listener.continuation.finish() }
        self.listeners.removeAll()
    }

    private func remove(_ id: UUID) {
        self.listeners[id] = nil
    }
}
