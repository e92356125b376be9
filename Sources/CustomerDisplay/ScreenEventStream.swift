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

    /// Pages that may hold the stream open at once (`display.maxScreens`).
    var maxScreens: Int

    /// How long a page turned away (all ``maxScreens`` streams taken) is asked to wait.
    static let retryAfterSeconds = 5

    /// The stream's answer, or `503` with `Retry-After` when ``maxScreens`` pages hold it already.
    func response(connection: any Channel) async -> Response {
        guard let screens = await self.feed.subscribe(limit: self.maxScreens) else {
            return Response(
                status: .serviceUnavailable,
                headers: [
                    .contentType: "text/plain; charset=utf-8", .cacheControl: "no-store",
                    .retryAfter: String(Self.retryAfterSeconds),
                ],
                body: ResponseBody(
                    byteBuffer: ByteBuffer(
                        string: "All \(self.maxScreens) screen streams are taken; try again later.\n"
                    )
                )
            )
        }
        return Response(
            status: .ok,
            headers: [.contentType: EventStreamWriter.contentType, .cacheControl: "no-store"],
            body: self.makeBody(screens, connection: connection)
        )
    }

    /// Writes until the server shuts down or `connection` closes (the page went away: its subscription ends at once).
    private func makeBody(_ screens: AsyncStream<DisplayScreen>, connection: any Channel) -> ResponseBody {
        let writer = EventStreamWriter(
            mailbox: .newestOnly,
            keepAliveInterval: self.keepAliveInterval,
            reconnectDelay: self.reconnectDelay
        )
        return ResponseBody { body in
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
