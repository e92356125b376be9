import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
import NIOPosix
public import PaymentCore
import ServerSentEvents
public import ServiceLifecycle

/// The till's HTTP API on the control socket (shared/design/CONTROL-API.md).
///
/// Hummingbird's `Application` can only bind addresses itself, and under systemd the socket unit binds the control
/// socket and hands it over; so the listener is built on swift-nio here, and each connection gets Hummingbird's HTTP/1
/// handling and router. Every connection is its own child task, so a slow or stuck till only holds up itself.
///
/// Graceful shutdown stops accepting, lets requests in flight finish, closes idle connections and ends `/v1/events`
/// streams; the socket file (when this server made it) is removed on the way out.
public struct ControlServer: Service {
    /// Where the till connects.
    public enum Listener: Sendable {
        /// Bind this path, replacing a stale socket, and give the file `mode` (the till's group gets in by it).
        case path(String, mode: UInt32 = 0o660)
        /// A listening socket handed over by systemd socket activation (`LISTEN_FDS`), already bound and owned by it.
        case inherited(fd: Int32)
    }

    /// How long a connection may sit between requests before it is closed; also how long an answer may wait for a
    /// till that has stopped reading it (see ``StalledReaderHandler``).
    public var idleTimeout: Duration = .seconds(30)
    /// How often an idle `/v1/events` stream carries a keep-alive comment.
    public var keepAliveInterval: Duration = .seconds(15)
    /// The Prometheus text for `GET /metrics` (the daemon's registry); a comment alone (valid, empty exposition)
    /// unless set.
    public var metrics: @Sendable () async -> String = { "# No metrics registry is attached to this server.\n" }

    private let listener: Listener
    private let engine: PaymentEngine
    private let health: @Sendable () async -> HealthReport
    private let version: String
    private let logger: Logger
    private let onListening: @Sendable () async -> Void

    /// - Parameters:
    ///   - listener: The socket path to bind, or the descriptor systemd handed over.
    ///   - engine: Does the work of every request.
    ///   - health: Builds the `/v1/health` answer; called once per request.
    ///   - version: The daemon's version, for the `Server` header and the OpenAPI document.
    ///   - logger: Receives one debug line per request and the server's own troubles; never a till's input unescaped.
    ///   - onListening: Called once the socket accepts connections (sd_notify READY=1, tests).
    public init(
        listener: Listener,
        engine: PaymentEngine,
        health: @escaping @Sendable () async -> HealthReport,
        version: String,
        logger: Logger,
        onListening: @escaping @Sendable () async -> Void = {}
    ) {
        self.listener = listener
        self.engine = engine
        self.health = health
        self.version = version
        self.logger = logger
        self.onListening = onListening
    }

    /// Listens and serves until cancelled or shut down gracefully.
    ///
    /// - Throws: ``ControlServerError`` when the socket cannot be set up, or the listener's I/O error.
    public func run() async throws {
        let routes = ControlRoutes(
            engine: self.engine,
            health: self.health,
            events: PaymentEventStream(hub: await self.engine.events, keepAliveInterval: self.keepAliveInterval),
            metrics: self.metrics,
            version: self.version,
            logger: self.logger,
            openAPIDocument: try OpenAPIDocument.served(version: self.version)
        )
        let http = self.makeHTTPChannel(responder: routes.makeRouter().buildResponder())
        let logger = self.logger
        let stalledReaderTimeout = TimeAmount(self.idleTimeout)
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .childChannelOption(.allowRemoteHalfClosure, value: true)

        let (listening, socketFile) = try await self.bind(bootstrap) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandlers(
                    StalledReaderHandler(timeout: stalledReaderTimeout),
                    HangUpHandler()
                )
            }.flatMap {
                http.setup(channel: channel, logger: logger)
            }
        }
        defer {
            if case .path(let path, _) = self.listener {
                SocketFile.remove(path, ifStill: socketFile)
            }
        }
        await self.onListening()

        try await withGracefulShutdownHandler {
            // Each connection is a child task of a discarding group, so finished ones do not pile up; the handler
            // catches its own errors, so one broken connection never takes the server down.
            try await withThrowingDiscardingTaskGroup { group in
                try await listening.executeThenClose { connections in
                    for try await connection in connections {
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
        logger.debug("Control server stopped")
    }

    // MARK: Listening

    private typealias Listening = NIOAsyncChannel<HTTP1Channel.Value, Never>

    private func bind(
        _ bootstrap: ServerBootstrap,
        childChannelInitializer: @escaping @Sendable (any Channel) -> EventLoopFuture<HTTP1Channel.Value>
    ) async throws -> (Listening, SocketFile.Identity?) {
        switch self.listener {
        case .path(let path, let mode):
            try SocketFile.removeStale(at: path)
            let listening: Listening
            do {
                listening = try await bootstrap.bind(
                    unixDomainSocketPath: path,
                    cleanupExistingSocketFile: false,
                    childChannelInitializer: childChannelInitializer
                )
            } catch {
                throw ControlServerError(code: .socketSetupFailed, message: "Cannot listen on \(path): \(error).")
            }
            let identity = SocketFile.identity(of: path)
            do {
                try SocketFile.setMode(mode, at: path)
            } catch {
                try? await listening.channel.close()
                SocketFile.remove(path, ifStill: identity)
                throw error
            }
            self.logger.info(
                "Control socket listening",
                metadata: ["control.socket": "\(path)", "control.mode": "\(String(mode, radix: 8))"]
            )
            return (listening, identity)

        case .inherited(let fd):
            try SocketFile.checkInherited(fd)
            let listening = try await bootstrap.bind(fd, childChannelInitializer: childChannelInitializer)
            self.logger.info("Control socket listening (socket activation)", metadata: ["control.fd": "\(fd)"])
            return (listening, nil)
        }
    }

    // MARK: Connections

    private func makeHTTPChannel(responder: some HTTPResponder<ControlRequestContext>) -> HTTP1Channel {
        let logger = self.logger
        return HTTP1Channel(
            responder: { request, responseWriter, channel in
                let context = ControlRequestContext(source: .init(channel: channel, logger: logger))
                let response: Response
                do {
                    response = try await responder.respond(to: request, context: context)
                } catch {
                    // ProblemMiddleware answers every error; this is the last resort if the middleware itself threw.
                    response = Response(status: .internalServerError)
                }
                try await responseWriter.write(response: response.head, body: response.body)
            },
            configuration: HTTP1Channel.Configuration(
                idleTimeout: TimeAmount(self.idleTimeout),
                httpDecoderConfiguration: .init(
                    maxHeaderFieldSize: 8 * 1024,
                    maxHeaderListSize: 16 * 1024,
                    maxHeaderFieldCount: 64
                )
            )
        )
    }

    /// Serves one connection until the till closes it, it idles out, or the server shuts down.
    private static func serve(_ connection: HTTP1Channel.Value, http: HTTP1Channel, logger: Logger) async {
        await withGracefulShutdownHandler {
            await http.handle(value: connection, logger: logger)
        } onGracefulShutdown: {
            // Hummingbird's connection handler closes an idle connection at once on this event, and a busy one as soon
            // as its response is written.
            connection.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }
}
