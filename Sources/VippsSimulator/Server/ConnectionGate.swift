import NIOCore

/// Sits in every connection's pipeline and closes it while an `unreachable` fault is in force: new
/// connections as soon as they open, kept-alive ones on their next request. This has to happen below the
/// HTTP handlers, which only ever see complete requests.
final class ConnectionGate: ChannelInboundHandler, RemovableChannelHandler {
    /// The parts are passed on untouched, so their type does not matter here.
    typealias InboundIn = NIOAny

    private let faults: FaultBoard

    init(faults: FaultBoard) {
        self.faults = faults
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive && self.faults.isUnreachable {
            context.close(promise: nil)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        if self.faults.isUnreachable {
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.faults.isUnreachable else {
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
    }
}
