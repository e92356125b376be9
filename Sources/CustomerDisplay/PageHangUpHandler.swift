import NIOCore

/// Closes a page's connection as soon as the page hangs up (its end of the connection closes), so its `/events`
/// stream ends and `/v1/health` stops counting it at once, instead of at the next keep-alive write 15 s later.
///
/// Hummingbird allows half-closed connections and reads the next request only after the current answer, and an event
/// stream's answer never ends: without this the hang-up would wait unnoticed. Browsers never half-close a connection
/// to get an answer, so closing on it loses nothing.
final class PageHangUpHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
