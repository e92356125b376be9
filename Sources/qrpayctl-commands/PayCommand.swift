import ArgumentParser
import NIOHTTP1

/// `qrpayctl pay REFERENCE AMOUNT`: what a till does, from a shell.
struct PayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pay",
        abstract: "Start a payment: the QR code goes on the customer screen.",
        discussion: """
            AMOUNT carries its unit: 129.00kr, 129,00kr, "129,00 kr", 129kr or 12900øre (all 129.00 NOK). A bare \
            number is refused, because 129 could be kroner or øre. The same REFERENCE and AMOUNT again returns the \
            same payment (a retry after a lost answer never charges twice).
            With --wait, qrpayctl follows the payment until the customer has paid (exit 0: authorized or captured) \
            or it ended otherwise (exit 4).
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The till's reference for the payment: 1-40 characters of A-Z, a-z, 0-9 and '-'.")
    var reference: String

    @Argument(help: "The amount with its unit: 129.00kr, \"129,00 kr\" or 12900øre.")
    var amount: String

    @Option(help: "The text shown in the customer's app.")
    var text: String?

    @Flag(help: "Follow the payment until the customer has paid or it is over.")
    var wait = false

    func validate() throws {
        _ = try AmountArgument(parsing: self.amount, name: "AMOUNT")
    }

    func run() async throws {
        try await DaemonClient.with(socketPath: self.connection.socketPath) { client in
            // Subscribe before creating, so no change between the answer and the subscription is missed.
            var events = self.wait ? try await client.events(lastEventID: nil) : nil
            let reply = try await client.send(.POST, "/v1/payments", json: try self.body())
            var payment = try client.decode(reply, as: WirePayment.self, printingJSON: self.connection.json)
            if !self.connection.json { Output.payment(payment) }
            guard var stream = events else { return }
            events = nil
            payment = try await self.follow(payment, events: &stream, client: client)
            if !payment.isPaid {
                let reason = payment.error.map { ": \($0.title)" } ?? ""
                Output.error("error: payment \(payment.reference) ended \(payment.state)\(reason)")
                throw ExitStatus.notPaid
            }
        }
    }

    /// Waits on the event stream until the payment is paid or over; reconnects if the daemon restarts meanwhile.
    private func follow(
        _ payment: WirePayment,
        events: inout EventStreamReader,
        client: DaemonClient
    ) async throws -> WirePayment {
        var payment = payment
        var lastEventID: Int64?
        while !payment.isSettledForTill {
            guard let event = try await events.next() else {
                // The daemon ended the stream (restart): read the payment back and carry on from the last event.
                payment = try await client.call(
                    .GET,
                    "/v1/payments/\(self.reference)",
                    as: WirePayment.self,
                    printingJSON: false
                )
                if !payment.isSettledForTill {
                    events = try await client.events(lastEventID: lastEventID ?? 0)
                }
                continue
            }
            lastEventID = event.id
            let changed = try event.payment()
            // Other payments, and the steps the answer to the POST already showed, are not news.
            guard changed.reference == payment.reference, changed.state != "initiating", changed.state != payment.state
            else { continue }
            payment = changed
            if self.connection.json {
                Output.line(event.data)
            } else {
                Output.line("\(payment.updatedAt ?? "")  \(payment.reference)  \(payment.state)")
            }
        }
        return payment
    }

    private func body() throws -> String {
        let amount = try AmountArgument(parsing: self.amount, name: "AMOUNT").ore
        var fields = [#""reference":\#(JSONText.quote(self.reference))"#, #""amount":\#(amount)"#]
        if let text = self.text { fields.append(#""text":\#(JSONText.quote(text))"#) }
        return "{" + fields.joined(separator: ",") + "}"
    }
}
