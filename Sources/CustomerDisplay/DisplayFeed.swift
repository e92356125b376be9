import Foundation

/// The one place that knows what the customer screen should show, and tells every open page.
///
/// The payment code calls ``show(_:)`` whenever a payment changes; each connected page holds a subscription.
/// A subscription buffers only the newest screen, so a page that reads slowly (or not at all) costs one screen
/// of memory and never holds up ``show(_:)`` or the other pages: it skips straight to the latest state, which
/// is the only one the customer needs.
public actor DisplayFeed {
    private var screen: DisplayScreen
    private var subscribers: [Int: AsyncStream<DisplayScreen>.Continuation] = [:]
    private var countWatchers: [Int: AsyncStream<Int>.Continuation] = [:]
    private var nextID = 0

    public init() {
        var idle = DisplayScreen.idle
        idle.shownAt = Date()
        self.screen = idle
    }

    deinit {
        for continuation in self.subscribers.values {
            continuation.finish()
        }
        for continuation in self.countWatchers.values {
            continuation.finish()
        }
    }

    /// Makes `screen` the current one and sends it to every subscriber.
    ///
    /// The feed stamps ``DisplayScreen/sequence`` and ``DisplayScreen/shownAt``. A screen that looks exactly like
    /// the current one is ignored, so callers can repeat themselves without restarting the page's timers.
    public func show(_ screen: DisplayScreen) {
        guard !screen.hasSameContent(as: self.screen) else {
            return
        }
        var next = screen
        next.sequence = self.screen.sequence + 1
        next.shownAt = Date()
        self.screen = next
        for continuation in self.subscribers.values {
            continuation.yield(next)
        }
    }

    /// What a page that connects now is shown first.
    public var current: DisplayScreen { self.screen }

    /// The current screen followed by every change, newest-wins. Ending the iteration unsubscribes.
    public func subscribe() -> AsyncStream<DisplayScreen> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: DisplayScreen.self,
            bufferingPolicy: .bufferingNewest(1)
        )
        let id = self.makeID()
        continuation.onTermination = { [weak self] _ in
            // `onTermination` is a synchronous callback from the stream; hop onto the actor to forget the subscriber.
            Task { await self?.unsubscribe(id) }
        }
        self.subscribers[id] = continuation
        continuation.yield(self.screen)
        self.subscriberCountChanged()
        return stream
    }

    /// ``subscribe()``, unless `limit` subscribers are connected already: then nil (the display answers 503), so a
    /// crowd of event streams cannot grow without bound. Dropping the stream without reading it unsubscribes too.
    public func subscribe(limit: Int) -> AsyncStream<DisplayScreen>? {
        guard self.subscribers.count < limit else { return nil }
        return self.subscribe()
    }

    /// How many pages (or other listeners) are connected.
    public var subscriberCount: Int { self.subscribers.count }

    /// ``subscriberCount`` now and after every change (newest-wins), so health reporting can notice the kiosk
    /// page going away, and tests can wait for a page to connect or hang up instead of polling.
    public func subscriberCountUpdates() -> AsyncStream<Int> {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        let id = self.makeID()
        continuation.onTermination = { [weak self] _ in
            // Same bridge as in `subscribe()`: the callback is synchronous, the bookkeeping is on the actor.
            Task { await self?.removeCountWatcher(id) }
        }
        self.countWatchers[id] = continuation
        continuation.yield(self.subscribers.count)
        return stream
    }

    private func makeID() -> Int {
        defer { self.nextID += 1 }
        return self.nextID
    }

    private func unsubscribe(_ id: Int) {
        guard self.subscribers.removeValue(forKey: id) != nil else {
            return
        }
        self.subscriberCountChanged()
    }

    private func removeCountWatcher(_ id: Int) {
        self.countWatchers[id] = nil
    }

    private func subscriberCountChanged() {
        for continuation in self.countWatchers.values {
            continuation.yield(self.subscribers.count)
        }
    }
}
