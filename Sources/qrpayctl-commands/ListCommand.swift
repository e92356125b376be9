import ArgumentParser
import NIOHTTP1

/// `qrpayctl list [--all]`.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List payments that need the till (approved and not captured, or still open).",
        discussion: "With --all, list the newest payments whatever their state."
    )

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "List the newest payments, not only those that need the till.")
    var all = false

    @Option(help: "With --all: how many payments (1-500).")
    var limit: Int = 50

    func run() async throws {
        let path = self.all ? "/v1/payments?limit=\(self.limit)" : "/v1/payments?unsettled=true"
        try await DaemonClient.with(socketPath: self.connection.socketPath) { client in
            let list = try await client.call(.GET, path, as: WirePaymentList.self, printingJSON: self.connection.json)
            guard !self.connection.json else { return }
            if list.payments.isEmpty {
                Output.line(self.all ? "No payments." : "No payments need the till.")
            } else {
                Output.table(list.payments.map(Output.paymentRow))
            }
        }
    }
}
