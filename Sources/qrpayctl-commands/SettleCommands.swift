import ArgumentParser
import Foundation
import NIOHTTP1

/// `qrpayctl cancel REFERENCE`.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Make sure the customer is not charged: cancel before approval, release the money after it."
    )

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var operation: OperationArguments

    func run() async throws {
        try await SettleRequest(
            connection: self.connection,
            operation: self.operation,
            action: "cancel",
            body: nil
        )
        .run()
    }
}

/// `qrpayctl capture REFERENCE [--amount N]`.
struct CaptureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Capture an approved payment (settlement 'till'): all that is reserved, or --amount."
    )

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var operation: OperationArguments

    func validate() throws {
        if let amount { _ = try AmountArgument(parsing: amount, name: "--amount") }
    }

    @Option(help: "How much to capture, with its unit (50.00kr or 5000øre); the rest of the reservation if left out.")
    var amount: String?

    func run() async throws {
        let body = try self.amount.map { #"{"amount":\#(try AmountArgument(parsing: $0, name: "--amount").ore)}"# }
        try await SettleRequest(
            connection: self.connection,
            operation: self.operation,
            action: "capture",
            body: body
        )
        .run()
    }
}

/// `qrpayctl refund REFERENCE --amount N`.
struct RefundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refund",
        abstract: "Send captured money back to the customer."
    )

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var operation: OperationArguments

    func validate() throws {
        _ = try AmountArgument(parsing: self.amount, name: "--amount")
    }

    @Option(help: "How much to refund, with its unit (20.00kr or 2000øre).")
    var amount: String

    func run() async throws {
        let body = #"{"amount":\#(try AmountArgument(parsing: self.amount, name: "--amount").ore)}"#
        try await SettleRequest(
            connection: self.connection,
            operation: self.operation,
            action: "refund",
            body: body
        )
        .run()
    }
}

/// What cancel, capture and refund all take: the payment, and the key that makes asking again safe.
struct OperationArguments: ParsableArguments {
    @Argument(help: "The payment's reference.")
    var reference: String

    @Option(
        help: """
            Sent as Idempotency-Key; the same key again returns the same operation, never a second one. \
            A new one per command when left out.
            """
    )
    var idempotencyKey: String?

    func validate() throws {
        _ = try PathReference.check(self.reference)
    }
}

/// `POST /v1/payments/{reference}/{action}` with an `Idempotency-Key`, and the payment it answers with. A `202`
/// (Vipps has not answered yet) prints the payment, says so on standard error and exits 5.
private struct SettleRequest {
    var connection: ConnectionOptions
    var operation: OperationArguments
    var action: String
    var body: String?

    func run() async throws {
        let path = "/v1/payments/\(try PathReference.check(self.operation.reference))/\(self.action)"
        let key = self.operation.idempotencyKey ?? UUID().uuidString
        let pending = try await DaemonClient.with(socketPath: self.connection.socketPath) { client in
            let reply = try await client.send(.POST, path, json: self.body, headers: [("Idempotency-Key", key)])
            let payment = try client.decode(reply, as: WirePayment.self, printingJSON: self.connection.json)
            if !self.connection.json { Output.payment(payment) }
            return reply.status == 202
        }
        if pending {
            Output.error(
                "pending: Vipps has not confirmed the \(self.action) yet; qrpayd finishes it (qrpayctl status "
                    + "\(self.operation.reference) or qrpayctl watch shows how it ends). To ask again, use "
                    + "--idempotency-key \(key)."
            )
            throw ExitStatus.pending
        }
    }
}
