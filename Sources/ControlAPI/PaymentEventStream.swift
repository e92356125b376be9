import Foundation
import Hummingbird
import NIOCore
import PaymentCore
import ServiceLifecycle
import Synchronization

/// Writes one till's `/v1/events` response: a `retry:` hint, then every payment event (the missed ones first when the
/// till sent `Last-Event-ID`), and a keep-alive comment every ``keepAliveInterval``.
///
/// The engine's events and the keep-alive timer only post into a bounded backlog; a single loop does the writing.
/// A till that stops reading therefore holds up nothing but its own loop, and once its backlog is full, or one write
/// has waited for two keep-alive intervals, its connection is closed: the till reconnects with its last id and
/// catches up from the store. A till that hangs up ends its stream as soon as the connection closes.
struct PaymentEventStream: Sendable {
    var hub: EventHub
    var keepAliveInterval: Duration = .seconds(15)
    var reconnectDelay: Duration = .seconds(1)
    /// Events and keep-alives a till may have waiting before it counts as stuck.
    var backlogLimit = 256

    private enum Item: Sendable {
        case event(PaymentEvent)
        case keepAlive
    }

    /// Subscribes at once, so that the till misses nothing between its request and the first write.
    func makeBody(after lastEventID: Int64?, channel: any Channel) async -> ResponseBody {
        let events = await self.hub.subscribe(after: lastEventID)
        return ResponseBody { writer in
            try await self.write(events, to: &writer, channel: channel)
        }
    }

    private func write(
        _ events: AsyncStream<PaymentEvent>,
        to writer: inout any ResponseBodyWriter,
        channel: any Channel
    ) async throws {
        let (backlog, post) = AsyncStream.makeStream(
            of: Item.self,
            bufferingPolicy: .bufferingOldest(self.backlogLimit)
        )
        // A till that hangs up ends its stream now, not at the next keep-alive (the first write to fail): a till that
        // reconnects in a loop must not pile up streams, each holding its subscription and buffers meanwhile.
        channel.closeFuture.whenComplete { _ in post.finish() }
        let watch = StalledWriteWatch()
        let encoder = WireJSON.makeEncoder()
        let keepAliveInterval = self.keepAliveInterval

        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await event in events {
                        guard Self.post(.event(event), to: post, channel: channel) else { return }
                    }
                    // The engine ended the stream (it is stopping, or this till fell too far behind): finish the
                    // response once the backlog is written, and let the till reconnect.
                    post.finish()
                }
                group.addTask {
                    while (try? await Task.sleep(for: keepAliveInterval)) != nil {
                        if watch.hasStalled(longerThan: keepAliveInterval * 2) {
                            Self.drop(channel, post)
                            return
                        }
                        guard Self.post(.keepAlive, to: post, channel: channel) else { return }
                    }
                }
                defer { group.cancelAll() }

                try await writer.write(EventStreamFormat.retry(after: self.reconnectDelay))
                for await item in backlog {
                    let bytes =
                        switch item {
                        case .event(let event): try EventStreamFormat.paymentEvent(event, encoder: encoder)
                        case .keepAlive: EventStreamFormat.keepAlive
                        }
                    watch.begin()
                    try await writer.write(bytes)
                    watch.end()
                }
            }
        } onGracefulShutdown: {
            // Ending the response lets the server finish its graceful shutdown; the till reconnects to the next run.
            post.finish()
        }
        try await writer.finish(nil)
    }

    /// Queues `item`; false when the stream is over.
    private static func post(_ item: Item, to post: AsyncStream<Item>.Continuation, channel: any Channel) -> Bool {
        switch post.yield(item) {
        case .enqueued:
            return true
        case .dropped:
            self.drop(channel, post)
            return false
        case .terminated:
            return false
        @unknown default:
            return false
        }
    }

    /// The till has stopped reading and a write is stuck behind its full socket: closing the connection fails that
    /// write and frees everything the stream holds.
    private static func drop(_ channel: any Channel, _ post: AsyncStream<Item>.Continuation) {
        post.finish()
        channel.close(promise: nil)
    }
}

/// When the write in progress started, so the keep-alive timer can tell a stuck reader from a quiet stream.
private final class StalledWriteWatch: Sendable {
    private let startedAt = Mutex<ContinuousClock.Instant?>(nil)

    func begin() {
        self.startedAt.withLock { $0 = .now }
    }

    func end() {
        self.startedAt.withLock { $0 = nil }
    }

    func hasStalled(longerThan limit: Duration) -> Bool {
        self.startedAt.withLock { started in
            guard let started else { return false }
            return ContinuousClock.now - started > limit
        }
    }
}
