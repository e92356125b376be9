import ArgumentParser
import Foundation
import QRPayConfiguration

/// The operator's and the till's command-line client for qrpayd.
@main
struct QRPayCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qrpayctl",
        abstract: "Talk to the qrpayd payment daemon, or draw a QR code by hand.",
        discussion: """
            Every daemon command talks to the control socket /run/qrpayd/control.sock; --socket PATH (before or after \
            the subcommand) or the environment variable QRPAYD_SOCKET names another one. For `qrpayd --demo`: \
            export QRPAYD_SOCKET=\(DemoLocation.socketPath)

            Amounts carry their unit: 129.00kr, "129,00 kr" or 12900øre.

            \(ExitStatus.summary)
            """,
        version: QRPayBuild.version,
        subcommands: [
            PayCommand.self,
            StatusCommand.self,
            ListCommand.self,
            CancelCommand.self,
            CaptureCommand.self,
            RefundCommand.self,
            WatchCommand.self,
            HealthCommand.self,
            QRCommand.self,
            DoctorCommand.self,
        ]
    )

    /// Lets `--socket` and `--json` come before the subcommand too (`qrpayctl --socket PATH pay ...`): ArgumentParser
    /// hands options parsed here to a subcommand that declares the same group.
    @OptionGroup(visibility: .hidden) var connection: ConnectionOptions

    /// ArgumentParser's own `main`, except that usage errors exit with 2 (as documented) rather than 64.
    static func main() async {
        do {
            var command = try self.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if self.exitCode(for: error) == .validationFailure {
                Output.error(self.fullMessage(for: error))
                self.exit(withError: ExitStatus.usage)
            }
            self.exit(withError: error)
        }
    }
}
