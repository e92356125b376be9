import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

/// Writes one page's `/events` response: the current screen at once, every change after it, and a keep-alive
/// comment while nothing changes.
///
/// The feed subscription and the keep-alive timer only *post* into a one-screen mailbox; a single loop does all
/// the writing. So a page whose socket is stuck blocks nothing but its own loop, and when it drains it gets the
/// newest screen, not a backlog.
struct ScreenEventStream: Sendable {
    var feed: DisplayFeed
    var keepAliveInterval: Duration
    var reconnectDelay: Duration

    private enum Wakeup: Sendable {
        case screen
        case keepAlive
    }

    /// Writes until the server shuts down or `connection` closes (the page went away: its subscription ends at once).
    func write(to writer: inout any ResponseBodyWriter, connection: any Channel) async throws {
        let screens = await self.feed.subscribe()
        let mailbox = ScreenMailbox()
        let (wakeups, wake) = AsyncStream.makeStream(of: Wakeup.self, bufferingPolicy: .bufferingNewest(1))
        let encoder = DisplayScreen.makeJSONEncoder()
        let keepAliveInterval = self.keepAliveInterval
        connection.closeFuture.whenComplete { _ in wake.finish() }

        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await screen in screens {
                        mailbox.post(screen)
                        wake.yield(.screen)
                    }
                    wake.finish()
                }
                group.addTask {
                    while (try? await Task.sleep(for: keepAliveInterval)) != nil {
                        wake.yield(.keepAlive)
                    }
                }

                try await writer.write(ServerSentEvents.reconnectDelay(self.reconnectDelay))
                for await wakeup in wakeups {
                    if let screen = mailbox.take() {
                        try await writer.write(ServerSentEvents.screenEvent(screen, encoder: encoder))
                    } else if case .keepAlive = wakeup {
                        try await writer.write(ServerSentEvents.keepAlive)
                    }
                }
                // Ending the subscription's iteration also removes it from the feed.
                group.cancelAll()
            }
        } onGracefulShutdown: {
            // Ending the response lets the server finish its graceful shutdown; the page reconnects to the next one.
            wake.finish()
        }
        // A page that hung up has no connection to finish the response on.
        guard connection.isActive else { return }
        try await writer.finish(nil)
    }
}

/// Holds the newest screen not yet written; a newer one replaces it.
private final class ScreenMailbox: Sendable {
    private let slot = Mutex<DisplayScreen?>(nil)

    func post(_ screen: DisplayScreen) {
        self.slot.withLock { $0 = screen }
    }

    func take() -> DisplayScreen? {
        self.slot.withLock { slot in
            defer { slot = nil }
            return slot
        }
    }
}
