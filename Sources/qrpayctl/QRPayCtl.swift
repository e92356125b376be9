import ArgumentParser

/// The operator's and the till's command-line client for qrpayd.
@main
struct QRPayCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qrpayctl",
        abstract: "Talk to the qrpayd payment daemon, or draw a QR code by hand.",
        subcommands: [QRCommand.self]
    )
}
