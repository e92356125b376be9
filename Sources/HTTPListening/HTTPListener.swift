public import Hummingbird
import HummingbirdCore
public import Logging
public import NIOCore
import NIOPosix
import ServerSentEvents
import ServiceLifecycle

/// Where an HTTP server listens.
public enum ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// Bind this Unix socket path (the caller deals with a stale file and the mode).
    case unixPath(String)
    /// Bind this IP address (or `localhost`) and port; port 0 picks a free one.
    case tcp(host: String, port: Int)
    /// A listening socket handed over by systemd socket activation, already bound and owned by it.
    case inherited(fd: Int32)

    public var description: String {
        switch self {
        case .unixPath(let path): path
        case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .inherited(let fd): "socket-activated fd \(fd)"
        }
    }
}

/// What one listener allows a client, so that no client (or crowd of them) can use up the daemon's descriptors,
/// memory or time.
public struct ListenerLimits: Sendable, Hashable {
    /// Connections open at once; one more is closed as soon as it is accepted.
    public var maxConnections: Int
    /// How long a connection may sit without a request before it is closed.
    public var idleTimeout: Duration
    /// How long an answer may wait for a client that has stopped reading it (``StalledReaderHandler``).
    public var stalledReaderTimeout: Duration
    public var maxHeaderFieldSize: Int = 8 * 1024
    public var maxHeaderListSize: Int = 16 * 1024
    public var maxHeaderFieldCount: Int = 64
    /// Connections the kernel queues before they are accepted.
    public var backlog: Int32

    public init(maxConnections: Int, idleTimeout: Duration, stalledReaderTimeout: Duration, backlog: Int32 = 64) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.stalledReaderTimeout = stalledReaderTimeout
        self.backlog = backlog
    }
}

/// An HTTP/1 listener shared by the control socket, the customer display and the metrics endpoint: it binds a path or
/// an address itself, or serves a descriptor systemd passed, and gives each connection Hummingbird's HTTP/1 handling
/// with the ``ListenerLimits`` and, for TCP, the ``HostCheck``.
///
/// Every connection is its own child task, so a slow or stuck client only holds up itself. Graceful shutdown stops
/// accepting, lets requests in flight finish, closes idle connections and ends event streams.
public struct HTTPListener: Sendable {
    private typealias Connection = HTTP1Channel.Value
    private let listening: NIOAsyncChannel<Connection?, Never>
    private let http: HTTP1Channel
    private let logger: Logger
    /// Connections open now (tests and diagnostics).
    private let connections: ConnectionCounter

    /// The TCP port the listener serves (nil on a Unix socket).
    public var port: Int? { self.listening.channel.localAddress?.port }
    /// The address the listener serves.
    public var localAddress: SocketAddress? { self.listening.channel.localAddress }
    /// Connections open now.
    public var openConnections: Int { self.connections.current }

    /// Binds (or takes over) `address`; ``run()`` then serves it.
    ///
    /// - Parameters:
    ///   - address: What to listen on.
    ///   - responder: Answers every request that passes the checks; its errors become a bare 500.
    ///   - limits: Connections, idle time, header sizes.
    ///   - hostCheck: The `Host` names a TCP listener answers; nil for a Unix socket.
    ///   - group: The event loops that accept and serve the connections.
    ///   - logger: For the connections' troubles.
    /// - Throws: The bind error (address in use, no such address, a descriptor that is no socket).
    public static func bind<Responder: HTTPResponder>(
        _ address: ListenAddress,
        responder: Responder,
        limits: ListenerLimits,
        hostCheck: HostCheck?,
        group: any EventLoopGroup,
        logger: Logger
    ) async throws -> HTTPListener
    where Responder.Context: RequestContext, Responder.Context.Source == ApplicationRequestContextSource {
        let http = HTTP1Channel(
            responder: { request, responseWriter, channel in
                let response: Response
                if let hostCheck, let refusal = hostCheck.refusal(for: request, servingPort: channel.localAddress?.port)
                {
                    response = refusal
                } else {
                    let context = Responder.Context(source: .init(channel: channel, logger: logger))
                    do {
                        response = try await responder.respond(to: request, context: context)
                    } catch {
                        // The routers answer their own errors; this is the last resort.
                        response = Response(status: .internalServerError)
                    }
                }
                try await responseWriter.write(response: response.head, body: response.body)
            },
            configuration: HTTP1Channel.Configuration(
                idleTimeout: TimeAmount(limits.idleTimeout),
                httpDecoderConfiguration: .init(
                    maxHeaderFieldSize: limits.maxHeaderFieldSize,
                    maxHeaderListSize: limits.maxHeaderListSize,
                    maxHeaderFieldCount: limits.maxHeaderFieldCount
                )
            )
        )
        let connections = ConnectionCounter(limit: limits.maxConnections)
        let stalledReaderTimeout = TimeAmount(limits.stalledReaderTimeout)
        let initializer: @Sendable (any Channel) -> EventLoopFuture<Connection?> = { channel in
            guard connections.admit() else {
                // Over the cap: the descriptor goes back at once (after NIO has finished handing the channel over).
                channel.eventLoop.execute { channel.close(promise: nil) }
                return channel.eventLoop.makeSucceededFuture(nil)
            }
            channel.closeFuture.whenComplete { _ in connections.release() }
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandlers(
                    StalledReaderHandler(timeout: stalledReaderTimeout),
                    HangUpHandler()
                )
            }.flatMap {
                http.setup(channel: channel, logger: logger)
            }.map { Optional($0) }
        }
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: limits.backlog)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
        let listening: NIOAsyncChannel<Connection?, Never>
        switch address {
        case .unixPath(let path):
            listening = try await bootstrap.bind(
                unixDomainSocketPath: path,
                cleanupExistingSocketFile: false,
                childChannelInitializer: initializer
            )
        case .tcp(let host, let port):
            // A restarted daemon may bind while old connections linger in TIME_WAIT; a live listener still refuses.
            bootstrap = bootstrap.serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            listening = try await bootstrap.bind(host: host, port: port, childChannelInitializer: initializer)
        case .inherited(let fd):
            listening = try await bootstrap.bind(fd, childChannelInitializer: initializer)
        }
        return HTTPListener(listening: listening, http: http, logger: logger, connections: connections)
    }

    /// Serves until cancelled or shut down gracefully; the listener is closed on the way out.
    public func run() async throws {
        let http = self.http
        let logger = self.logger
        let listening = self.listening
        try await withGracefulShutdownHandler {
            // Each connection is a child task of a discarding group, so finished ones do not pile up; the handler
            // catches its own errors, so one broken connection never takes the server down.
            try await withThrowingDiscardingTaskGroup { group in
                try await listening.executeThenClose { connections in
                    for try await connection in connections {
                        guard let connection else { continue }
                        group.addTask {
                            await Self.serve(connection, http: http, logger: logger)
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            // Closing the listener ends the accept loop; the connections quiesce themselves (see `serve`).
            listening.channel.close(promise: nil)
        }
    }

    /// Closes the listener without serving it (a caller that cannot go on after binding).
    public func close() async {
        do {
            try await self.listening.channel.close()
        } catch {
            self.logger.debug("Closing an unused listener failed", metadata: ["error": "\(error)"])
        }
    }

    /// Serves one connection until the client closes it, it idles out, or the server shuts down.
    private static func serve(_ connection: Connection, http: HTTP1Channel, logger: Logger) async {
        await withGracefulShutdownHandler {
            await http.handle(value: connection, logger: logger)
        } onGracefulShutdown: {
            // Hummingbird's connection handler closes an idle connection at once on this event, and a busy one as soon
            // as its response is written.
            connection.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }
}
