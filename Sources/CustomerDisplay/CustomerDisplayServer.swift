public import HTTPListening
import Hummingbird
public import Logging
import NIOCore
import NIOPosix
import ServerSentEvents
public import ServiceLifecycle

/// Serves the kiosk page on loopback and streams ``DisplayFeed`` to it.
///
/// Run it in the daemon's `ServiceGroup` next to the payment services:
/// ```swift
/// let feed = DisplayFeed()
/// let display = CustomerDisplayServer(settings: settings, feed: feed, qrImage: { reference in
///     await payments.qrPNG(for: reference)
/// }, logger: logger)
/// ```
/// Graceful shutdown closes the listener and ends every `/events` stream, so the service returns promptly; the
/// page then shows idle and reconnects to the next daemon on its own.
///
/// The listener is ``HTTPListener``: a cap on connections and on `/events` streams (`display.maxScreens`), an idle
/// timeout, header limits, and only a loopback `Host` with the port served (DNS rebinding gets 421).
public struct CustomerDisplayServer: Service {
    /// Produces the QR PNG for a payment; `nil` answers 404.
    public typealias QRImageProvider = @Sendable (_ reference: String) async -> [UInt8]?

    public let settings: DisplaySettings
    public let feed: DisplayFeed
    private let qrImage: QRImageProvider
    private let logger: Logger
    private let onListening: @Sendable (_ port: Int) async -> Void

    /// How often an idle `/events` stream carries a keep-alive comment.
    public var keepAliveInterval: Duration = .seconds(15)
    /// The `retry:` the page's EventSource waits before reconnecting when a stream ends.
    public var reconnectDelay: Duration = .seconds(1)
    /// What to listen on instead of `settings.host`:`settings.port` (a socket systemd passed).
    public var listenAddress: ListenAddress?
    /// Connections open at once, pages and anything else on the box; one more is closed as soon as it is accepted.
    public var maxConnections = 64
    /// How long a connection may sit without a request.
    public var idleTimeout: Duration = .seconds(30)
    /// How binding is retried when the port cannot be had.
    public var retry = ListenerRetry()
    /// Told whether the page is served, each time that changes (or the reason it cannot be served does).
    public var onAvailability: @Sendable (ListenerAvailability) async -> Void = { _ in }

    /// - Parameters:
    ///   - settings: Checked by ``run()`` before anything is bound.
    ///   - feed: The screens to stream.
    ///   - qrImage: Called for `GET /qr/{reference}.png`.
    ///   - logger: Receives start-up and request failures.
    ///   - onListening: Called once with the bound port (useful with port 0).
    public init(
        settings: DisplaySettings,
        feed: DisplayFeed,
        qrImage: @escaping @Sendable (_ reference: String) async -> [UInt8]?,
        logger: Logger,
        onListening: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) {
        self.settings = settings
        self.feed = feed
        self.qrImage = qrImage
        self.logger = logger
        self.onListening = onListening
    }

    /// Validates the settings, loads the page files and serves until cancelled or shut down gracefully.
    ///
    /// A port that cannot be had (another process holds it) does not end the service: it is reported through
    /// ``onAvailability`` and tried again with a growing delay (``retry``), so the daemon keeps serving the till and
    /// the page comes back once the port is free.
    ///
    /// - Throws: ``DisplaySettingsError`` for bad settings or missing page files.
    public func run() async throws {
        try self.settings.validate()
        let assets = try DisplayAssets.load(from: self.settings.assetsDirectory)
        let routes = DisplayRoutes(
            assets: assets,
            pageConfiguration: try PageConfiguration(self.settings).encoded(),
            events: ScreenEventStream(
                feed: self.feed,
                keepAliveInterval: self.keepAliveInterval,
                reconnectDelay: self.reconnectDelay,
                maxScreens: self.settings.maxScreens
            ),
            qrImage: self.qrImage
        )
        let responder = routes.makeRouter().buildResponder()
        let address = self.listenAddress ?? .tcp(host: self.settings.host, port: self.settings.port)
        // A page whose writes wait as long as its stream's stall limit has stopped reading, whatever it asked for.
        let limits = ListenerLimits(
            maxConnections: self.maxConnections,
            idleTimeout: self.idleTimeout,
            stalledReaderTimeout: self.keepAliveInterval * 2,
            backlog: 128
        )
        let logger = self.logger
        let onListening = self.onListening
        let onAvailability = self.onAvailability
        let configuredPort = self.settings.port
        try await self.retry.run {
            try await HTTPListener.bind(
                address,
                responder: responder,
                limits: limits,
                hostCheck: HostCheck(),
                group: MultiThreadedEventLoopGroup.singleton,
                logger: logger
            )
        } report: { availability in
            switch availability {
            case .listening(let port):
                let port = port ?? configuredPort
                logger.info(
                    "Customer display listening",
                    metadata: ["display.port": "\(port)", "display.address": "\(address)"]
                )
                await onListening(port)
            case .unavailable(let reason):
                logger.debug("Customer display cannot listen", metadata: ["display.error": "\(reason)"])
            }
            await onAvailability(availability)
        }
    }
}
