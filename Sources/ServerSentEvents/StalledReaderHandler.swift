package import NIOCore

/// Closes a connection whose client has stopped reading its answers.
///
/// Hummingbird's idle timeout does not run while an answer is being written, so a client that sends requests and never
/// reads the answers (a hung process, a bug) would otherwise keep its connection, and the answers queued for it, for as
/// long as it lives. The handler counts the writes that have not reached the socket yet; once some have been waiting
/// for `timeout` without any of them completing, the connection is closed: the writes in progress fail and
/// everything they hold is freed. A client that reads, however slowly, lets writes complete and restarts the clock.
///
/// Counting writes rather than watching writability also catches an answer that is stuck with only a few bytes left
/// (below any write-buffer water mark), which a loaded machine produced now and then.
///
/// It may sit anywhere in the pipeline (counting bytes or HTTP parts comes to the same); what it sees passes through
/// untouched.
package final class StalledReaderHandler: ChannelDuplexHandler, RemovableChannelHandler {
    package typealias InboundIn = NIOAny
    package typealias OutboundIn = NIOAny

    private let timeout: TimeAmount
    private var closing: Scheduled<Void>?
    /// Writes passed on and not yet completed (written to the socket, or failed).
    private var outstanding = 0

    package init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    package func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let promise = promise ?? context.eventLoop.makePromise(of: Void.self)
        self.outstanding += 1
        promise.futureResult.assumeIsolated().whenComplete { _ in
            self.outstanding -= 1
            // Progress: the clock starts again for what is still waiting, if anything.
            self.cancel()
            self.watch(context)
        }
        context.write(data, promise: promise)
    }

    package func flush(context: ChannelHandlerContext) {
        context.flush()
        // Writes the socket took at once have completed by now; what is left waits for the reader.
        self.watch(context)
    }

    package func channelInactive(context: ChannelHandlerContext) {
        self.cancel()
        context.fireChannelInactive()
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        self.cancel()
    }

    private func watch(_ context: ChannelHandlerContext) {
        guard self.outstanding > 0, self.closing == nil, context.channel.isActive else { return }
        self.closing = context.eventLoop.assumeIsolated().scheduleTask(in: self.timeout) {
            context.close(promise: nil)
        }
    }

    private func cancel() {
        self.closing?.cancel()
        self.closing = nil
    }
}

@available(*, unavailable)
extension StalledReaderHandler: Sendable {}
