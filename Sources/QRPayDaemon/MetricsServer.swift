import ControlAPI
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `GET /metrics` on a TCP address for Prometheus (`metrics.listen`, loopback by default). Every other path is 404.
struct MetricsServer: Service {
    let host: String
    let port: Int
    let scrape: @Sendable () async -> String
    let logger: Logger
    let onListening: @Sendable (Int) async -> Void

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
        let logger = self.logger
        let onListening = self.onListening
        let configuredPort = self.port
        let host = self.host
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(self.host, port: self.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuredPort
                logger.notice(
                    "Metrics for Prometheus at http://\(host):\(port)/metrics",
                    metadata: ["metrics.port": "\(port)"]
                )
                await onListening(port)
            },
            logger: logger
        )
        try await app.run()
    }
}
