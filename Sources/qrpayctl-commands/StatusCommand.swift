import ArgumentParser
import NIOHTTP1

/// `qrpayctl status REFERENCE`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show one payment: its state, amounts and what went wrong, if anything."
    )

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The payment's reference.")
    var reference: String

    func validate() throws {
        _ = try PathReference.check(self.reference)
    }

    func run() async throws {
        try await DaemonClient.with(socketPath: self.connection.socketPath) { client in
            let payment = try await client.call(
                .GET,
                "/v1/payments/\(try PathReference.check(self.reference))",
                as: WirePayment.self,
                printingJSON: self.connection.json
            )
            if !self.connection.json { Output.payment(payment) }
        }
    }
}

/// References go into URL paths: anything but the allowed characters is refused here, before it is sent.
enum PathReference {
    static func check(_ reference: String) throws -> String {
        let valid =
            (1...40).contains(reference.count)
            && reference.unicodeScalars.allSatisfy { scalar in
                ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                    || scalar == "-"
            }
        guard valid else {
            throw ValidationError("REFERENCE must be 1-40 characters of A-Z, a-z, 0-9 and '-'.")
        }
        return reference
    }
}
