import ArgumentParser
import NIOHTTP1

/// `qrpayctl health`.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Show whether the daemon, Vipps, the payment store and the customer screen are well."
    )

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await DaemonClient.with(socketPath: self.connection.socketPath) { client in
            let health = try await client.call(
                .GET,
                "/v1/health",
                as: WireHealth.self,
                printingJSON: self.connection.json
            )
            guard !self.connection.json else { return }
            let vipps = health.vipps
            Output.fields([
                ("status", health.status),
                ("version", health.version),
                (
                    "vipps",
                    (vipps.reachable ? "reachable" : "NOT reachable") + (vipps.environment.map { " (\($0))" } ?? "")
                ),
                ("last success", vipps.lastSuccess),
                (
                    "last error",
                    vipps.lastError.map { error in error.detail.map { "\(error.title): \($0)" } ?? error.title }
                ),
                ("hint", vipps.lastError?.hint),
                ("token until", vipps.tokenValidUntil),
                (
                    "active payment",
                    health.activePayment.map {
                        "\($0.reference)  \(Output.amount($0.amount, currency: $0.currency))  \($0.state)"
                    } ?? "none"
                ),
                (
                    "display",
                    health.display.map {
                        ($0.listening ? "listening" : "NOT listening") + ($0.url.map { " on \($0)" } ?? "")
                    }
                ),
                (
                    "store",
                    health.store.map {
                        ($0.writable ? "writable" : "NOT writable") + ($0.path.map { " (\($0))" } ?? "")
                    }
                ),
            ])
        }
    }
}
