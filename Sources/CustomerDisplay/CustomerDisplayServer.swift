import Hummingbird
public import Logging
import NIOCore
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
    /// - Throws: ``DisplaySettingsError`` for bad settings or missing page files, or the bind error.
    public func run() async throws {
        try self.settings.validate()
        let assets = try DisplayAssets.load(from: self.settings.assetsDirectory)
        let routes = DisplayRoutes(
            assets: assets,
            pageConfiguration: try PageConfiguration(self.settings).encoded(),
            events: ScreenEventStream(
                feed: self.feed,
                keepAliveInterval: self.keepAliveInterval,
                reconnectDelay: self.reconnectDelay
            ),
            qrImage: self.qrImage
        )
        let logger = self.logger
        let onListening = self.onListening
        let configuredPort = self.settings.port
        // A page whose writes wait as long as its stream's stall limit has stopped reading, whatever it asked for.
        let stalledReaderTimeout = TimeAmount(self.keepAliveInterval * 2)
        let app = Application(
            router: routes.makeRouter(),
            server: .http1(
                configuration: .init(additionalChannelHandlers: [
                    StalledReaderHandler(timeout: stalledReaderTimeout), HangUpHandler(),
                ])
            ),
            configuration: ApplicationConfiguration(
                address: .hostname(self.settings.host, port: self.settings.port),
                serverName: nil
            ),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuredPort
                logger.info("Customer display listening", metadata: ["display.port": "\(port)"])
                await onListening(port)
            },
            logger: logger
        )
        try await app.run()
    }
}
