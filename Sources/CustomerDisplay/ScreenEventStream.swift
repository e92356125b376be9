import Foundation
import Hummingbird
import NIOCore
import ServerSentEvents

/// One page's `/events` response: the current screen at once, every change after it, and a keep-alive comment while
/// nothing changes.
///
/// Only the newest screen counts: a page whose socket is stuck gets the newest screen when it drains, not a backlog
/// (``EventStreamWriter`` with a ``EventStreamWriter/Mailbox/newestOnly`` mailbox does the writing, keep-alives,
/// disconnecting and shutdown).
struct ScreenEventStream: Sendable {
    var feed: DisplayFeed
    var keepAliveInterval: Duration
    var reconnectDelay: Duration

    /// Writes until the server shuts down or `connection` closes (the page went away: its subscription ends at once).
    func makeBody(connection: any Channel) -> ResponseBody {
        let writer = EventStreamWriter(
            mailbox: .newestOnly,
            keepAliveInterval: self.keepAliveInterval,
            reconnectDelay: self.reconnectDelay
        )
        return ResponseBody { body in
            let screens = await self.feed.subscribe()
            let encoder = DisplayScreen.makeJSONEncoder()
            try await writer.run(screens, on: connection, render: { try Self.render($0, encoder: encoder) }) { bytes in
                try await body.write(bytes)
            }
            // A page that hung up has no connection to finish the response on.
            if connection.isActive { try await body.finish(nil) }
        }
    }

    /// `event: screen`, the sequence as `id:`, and the screen as one line of JSON (the encoder writes no newlines;
    /// strings escape theirs).
    static func render(_ screen: DisplayScreen, encoder: JSONEncoder) throws -> ServerSentEvent {
        ServerSentEvent(
            event: "screen",
            id: String(screen.sequence),
            data: String(decoding: try encoder.encode(screen), as: UTF8.self)
        )
    }
}
