import ControlAPI
import HTTPListening
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// `GET /metrics` on a TCP address for Prometheus (`metrics.listen`, loopback by default, or the socket
/// `qrpayd-metrics.socket` passes). Every other path is 404.
///
/// The listener is ``HTTPListener``: a few connections at once, an idle timeout, header limits, and a `Host` that is
/// a loopback name or one of `metrics.allowedHosts`, with the port served (421 otherwise). A port that cannot be had
/// is tried again with a growing delay; the daemon serves the till meanwhile.
struct MetricsServer: Service {
    let address: ListenAddress
    let allowedHosts: [String]
    let scrape: @Sendable () async -> String
    let logger: Logger
    let onAvailability: @Sendable (ListenerAvailability) async -> Void
    /// Scrapes open at once; a fleet's Prometheus needs one or two.
    var maxConnections = 16
    var retry = ListenerRetry()

    func run() async throws {
        let router = Router()
        let scrape = self.scrape
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: MetricsExposition.contentType, .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: await scrape()))
            )
        }
        let responder = router.buildResponder()
        let logger = self.logger
        let address = self.address
        let onAvailability = self.onAvailability
        let limits = ListenerLimits(
            maxConnections: self.maxConnections,
            idleTimeout: .seconds(60),
            stalledReaderTimeout: .seconds(30)
        )
        let hostCheck = HostCheck(alsoAllowed: self.allowedHosts)
        try await self.retry.run {
            try await HTTPListener.bind(
                address,
                responder: responder,
                limits: limits,
                hostCheck: hostCheck,
                group: MultiThreadedEventLoopGroup.singleton,
                logger: logger
            )
        } report: { availability in
            if case .listening(let port) = availability {
                let served: String
                switch (address, port) {
                case (.tcp(let host, _), .some(let port)): served = "\(ListenAddress.tcp(host: host, port: port))"
                default: served = "\(address)"
                }
                logger.notice(
                    "Metrics for Prometheus at http://\(served)/metrics",
                    metadata: ["metrics.port": "\(port.map(String.init) ?? "?")"]
                )
            }
            await onAvailability(availability)
        }
    }
}
