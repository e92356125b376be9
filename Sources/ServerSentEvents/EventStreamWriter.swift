package import NIOCore
import ServiceLifecycle
import Synchronization

/// Writes one client's `text/event-stream` response until its source ends, the client goes, or the server shuts down.
///
/// The source and a keep-alive timer only post into the client's ``Mailbox``; a single loop does the writing. A client
/// that stops reading therefore holds up nothing but its own loop, and it is disconnected when its queue overflows or
/// one write has waited longer than ``stalledWriteLimit``: it reconnects and catches up. A client that hangs up ends
/// its stream as soon as the connection closes or its input ends (with ``HangUpHandler`` in the pipeline). Graceful
/// shutdown ends the response after what is already posted, so the server can finish; the client reconnects to the
/// next one.
///
/// ```swift
/// ResponseBody { writer in
///     try await EventStreamWriter().run(source, on: channel, render: { ServerSentEvent(…) }) {
///         try await writer.write($0)
///     }
///     if channel.isActive { try await writer.finish(nil) }
/// }
/// ```
package struct EventStreamWriter: Sendable {
    /// What a client may have waiting.
    package enum Mailbox: Sendable {
        /// Every event in order, at most `limit` waiting; one more disconnects the client (it reconnects and
        /// catches up from its last id).
        case queue(limit: Int)
        /// Only the newest event: a newer one replaces one not yet written (a screen, where only the latest counts).
        case newestOnly
    }

    /// The `Content-Type` of the response.
    package static let contentType = "text/event-stream"

    package var mailbox: Mailbox
    /// How often a quiet stream carries a keep-alive comment.
    package var keepAliveInterval: Duration
    /// The `retry:` written first: how long a client waits before reconnecting when the stream ends.
    package var reconnectDelay: Duration
    /// A write that has waited this long means the client stopped reading (checked at each keep-alive tick).
    package var stalledWriteLimit: Duration

    package init(
        mailbox: Mailbox = .queue(limit: 256),
        keepAliveInterval: Duration = .seconds(15),
        reconnectDelay: Duration = .seconds(1),
        stalledWriteLimit: Duration? = nil
    ) {
        self.mailbox = mailbox
        self.keepAliveInterval = keepAliveInterval
        self.reconnectDelay = reconnectDelay
        self.stalledWriteLimit = stalledWriteLimit ?? keepAliveInterval * 2
    }

    /// Writes `source` to the client on `channel` through `write`, each element as `render` makes it.
    ///
    /// Returns when the stream is over; the caller then ends the response if `channel` is still active.
    /// - Throws: The error of `render` or `write` (a write fails once the client is gone or disconnected).
    package func run<Element: Sendable>(
        _ source: AsyncStream<Element>,
        on channel: any Channel,
        render: (Element) throws -> ServerSentEvent,
        write: (ByteBuffer) async throws -> Void
    ) async throws {
        let mailbox = EventMailbox<Element>(policy: self.mailbox)
        channel.closeFuture.whenComplete { _ in mailbox.close() }
        // The pipeline's HangUpHandler closes the connection when the client's side of it ends while this runs.
        channel.triggerUserOutboundEvent(HangUpHandler.StreamStarted(), promise: nil)
        defer { channel.triggerUserOutboundEvent(HangUpHandler.StreamEnded(), promise: nil) }
        let watch = StalledWriteWatch()
        let keepAliveInterval = self.keepAliveInterval
        let stalledWriteLimit = self.stalledWriteLimit

        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await element in source {
                        switch mailbox.post(element) {
                        case .accepted: continue
                        case .overflowed: Self.disconnect(channel, mailbox)
                        case .closed: break
                        }
                        return
                    }
                    // The source ended (the server is stopping, or it dropped this client): end the response once
                    // what is posted is written.
                    mailbox.close()
                }
                group.addTask {
                    while (try? await Task.sleep(for: keepAliveInterval)) != nil {
                        if watch.hasStalled(longerThan: stalledWriteLimit) {
                            Self.disconnect(channel, mailbox)
                            return
                        }
                        guard mailbox.postKeepAlive() else { return }
                    }
                }
                defer { group.cancelAll() }

                try await write(ServerSentEvent.reconnect(after: self.reconnectDelay).encoded())
                for await _ in mailbox.wakeups {
                    while let item = mailbox.take() {
                        let bytes =
                            switch item {
                            case .element(let element): try render(element).encoded()
                            case .keepAlive: ServerSentEvent.keepAlive.encoded()
                            }
                        watch.begin()
                        try await write(bytes)
                        watch.end()
                    }
                }
            }
        } onGracefulShutdown: {
            mailbox.close()
        }
    }

    /// The client has stopped reading: closing the connection fails the write stuck behind its full socket and frees
    /// everything the stream holds.
    private static func disconnect(_ channel: any Channel, _ mailbox: EventMailbox<some Sendable>) {
        mailbox.close()
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
