import NIOCore

/// Closes a connection whose till has stopped reading its answers.
///
/// Hummingbird's idle timeout does not run while an answer is being written, so a till that sends requests and never
/// reads the answers (a hung process, a bug) would otherwise keep its connection, and the answers queued for it, for as
/// long as it lives. Once the channel has stayed unwritable (the socket is full and the server's own buffer is past
/// its high-water mark) for `timeout`, the connection is closed: the write in progress fails and everything it holds
/// is freed. A till that reads, however slowly, makes the channel writable again and restarts the clock.
///
/// It sits first in the pipeline and only watches writability; the bytes pass through untouched.
final class StalledReaderHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let timeout: TimeAmount
    private var closing: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            self.cancel()
        } else if self.closing == nil {
            self.closing = context.eventLoop.assumeIsolated().scheduleTask(in: self.timeout) {
                context.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.cancel()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.cancel()
    }

    private func cancel() {
        self.closing?.cancel()
        self.closing = nil
    }
}

@available(*, unavailable)
extension StalledReaderHandler: Sendable {}
