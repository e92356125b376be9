import ArgumentParser
import NIOHTTP1

/// `qrpayctl list [--all | --unsettled]`.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List payments that need the till (approved and not captured, or still open).",
        discussion: """
            With --all, list the newest payments whatever their state. With --unsettled, list every unsettled \
            payment one a line: its reference and state, the amount still reserved, the amount captured, and the \
            captures, refunds and cancels still pending (what a package's prerm shows before removal).
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "List the newest payments, not only those that need the till.")
    var all = false

    @Flag(help: "One line per unsettled payment: reference, state, reserved, captured and pending operations.")
    var unsettled = false

    @Option(help: "With --all: how many payments (1-500).")
    var limit: Int = 50

    func validate() throws {
        if self.all && self.unsettled {
            throw ValidationError("--all and --unsettled cannot be used together.")
        }
    }

    func run() async throws {
        let path = self.all ? "/v1/payments?limit=\(self.limit)" : "/v1/payments?unsettled=true"
        try await DaemonClient.with(socketPath: self.connection.socketPath) { client in
            let list = try await client.call(.GET, path, as: WirePaymentList.self, printingJSON: self.connection.json)
            guard !self.connection.json else { return }
            if list.payments.isEmpty {
                Output.line(
                    self.all ? "No payments." : self.unsettled ? "No unsettled payments." : "No payments need the till."
                )
            } else if self.unsettled {
                for payment in list.payments { Output.line(Self.unsettledLine(payment)) }
            } else {
                Output.table(list.payments.map(Output.paymentRow))
            }
        }
    }

    /// `REFERENCE STATE reserved 45.00 NOK captured 0.00 NOK pending capture 40.00 NOK, refund 10.00 NOK`.
    static func unsettledLine(_ payment: WirePayment) -> String {
        let amount = { (ore: Int) in Output.amount(ore, currency: payment.currency) }
        let pending = (payment.operations ?? []).filter { $0.state == "pending" }.map { operation in
            operation.kind + (operation.amount.map { " " + amount($0) } ?? "")
        }
        return [
            payment.reference,
            payment.state,
            "reserved " + amount(payment.reservedAmount ?? 0),
            "captured " + amount(payment.capturedAmount ?? 0),
            "pending " + (pending.isEmpty ? "none" : pending.joined(separator: ", ")),
        ].joined(separator: "  ")
    }
}
