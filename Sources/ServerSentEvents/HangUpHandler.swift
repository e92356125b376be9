package import NIOCore

/// Closes a connection whose client hangs up (its end of the connection closes) while an event stream runs on it, so
/// the stream ends at once instead of at the next keep-alive write.
///
/// Servers allow half-closed connections and read the next request only after the current answer, and an event
/// stream's answer never ends: without this the hang-up would go unnoticed. Outside a stream the end of the input is
/// passed on untouched, so a client that half-closes after its request still gets its answer.
/// ``EventStreamWriter`` says when its stream starts and ends with outbound user events.
package final class HangUpHandler: ChannelDuplexHandler, RemovableChannelHandler {
    package typealias InboundIn = Any
    package typealias OutboundIn = Any

    /// Sent by ``EventStreamWriter`` when it starts writing on this connection.
    struct StreamStarted: Sendable {}
    /// Sent by ``EventStreamWriter`` when its stream is over.
    struct StreamEnded: Sendable {}

    private var streams = 0
    private var inputClosed = false

    package init() {}

    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            self.inputClosed = true
            if self.streams > 0 { context.close(promise: nil) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    package func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?)
    {
        switch event {
        case is StreamStarted:
            self.streams += 1
            promise?.succeed()
            if self.inputClosed { context.close(promise: nil) }
        case is StreamEnded:
            self.streams -= 1
            promise?.succeed()
        default:
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }
}

@available(*, unavailable)
extension HangUpHandler: Sendable {}
