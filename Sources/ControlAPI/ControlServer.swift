import HTTPListening
import Hummingbird
public import Logging
import NIOCore
import NIOPosix
public import PaymentCore
import ServerSentEvents
public import ServiceLifecycle

/// The till's HTTP API on the control socket (shared/design/CONTROL-API.md).
///
/// Hummingbird's `Application` can only bind addresses itself, and under systemd the socket unit binds the control
/// socket and hands it over; so the listener is ``HTTPListener`` (shared with the display and metrics servers), with
/// Hummingbird's HTTP/1 handling and router. Every connection is its own child task, so a slow or stuck till only
/// holds up itself.
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

    /// Connections the till may hold open at once; one more is closed as soon as it is accepted.
    public var maxConnections = 128

    /// Listens and serves until cancelled or shut down gracefully.
    ///
    /// The server runs on an event loop of its own, so a crowd on the display or metrics listeners (which share
    /// the process's other loops) never delays the till.
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
        try await self.serve(routes.makeRouter().buildResponder(), on: Self.tillEventLoopGroup)
    }

    /// The till's event loop: one thread of its own, shared by every control server in the process and, like NIO's
    /// singletons, never shut down. The display's and metrics' connections run on the process's other loops, so a
    /// crowd there never delays the till; and no loop is made and torn down per server (a daemon restarted in
    /// process, or a test suite starting hundreds).
    static let tillEventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    private func serve(_ responder: some HTTPResponder<ControlRequestContext>, on group: any EventLoopGroup)
        async throws
    {
        let limits = ListenerLimits(
            maxConnections: self.maxConnections,
            idleTimeout: self.idleTimeout,
            stalledReaderTimeout: self.idleTimeout
        )
        let (listening, socketFile) = try await self.bind(responder: responder, limits: limits, group: group)
        defer {
            if case .path(let path, _) = self.listener {
                SocketFile.remove(path, ifStill: socketFile)
            }
        }
        await self.onListening()
        try await listening.run()
        self.logger.debug("Control server stopped")
    }

    // MARK: Listening

    private func bind(
        responder: some HTTPResponder<ControlRequestContext>,
        limits: ListenerLimits,
        group: any EventLoopGroup
    ) async throws -> (HTTPListener, SocketFile.Identity?) {
        func bind(_ address: ListenAddress) async throws -> HTTPListener {
            try await HTTPListener.bind(
                address,
                responder: responder,
                limits: limits,
                hostCheck: nil,
                group: group,
                logger: self.logger
            )
        }
        switch self.listener {
        case .path(let path, let mode):
            try SocketFile.removeStale(at: path)
            let listening: HTTPListener
            do {
                listening = try await bind(.unixPath(path))
            } catch {
                throw ControlServerError(code: .socketSetupFailed, message: "Cannot listen on \(path): \(error).")
            }
            let identity = SocketFile.identity(of: path)
            do {
                try SocketFile.setMode(mode, at: path)
            } catch {
                await listening.close()
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
            let listening = try await bind(.inherited(fd: fd))
            self.logger.info("Control socket listening (socket activation)", metadata: ["control.fd": "\(fd)"])
            return (listening, nil)
        }
    }
}
