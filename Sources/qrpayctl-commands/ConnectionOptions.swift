import ArgumentParser
import Foundation

/// The options every daemon command takes.
struct ConnectionOptions: ParsableArguments {
    static let defaultSocketPath = "/run/qrpayd/control.sock"

    @Option(
        name: .customLong("socket"),
        help: ArgumentHelp(
            "The daemon's control socket (default: $QRPAYD_SOCKET, else \(defaultSocketPath)).",
            valueName: "path"
        )
    )
    var socketOption: String?

    @Flag(help: "Print the daemon's JSON as it is, instead of readable lines.")
    var json = false

    var socketPath: String {
        self.socketOption ?? ProcessInfo.processInfo.environment["QRPAYD_SOCKET"] ?? Self.defaultSocketPath
    }
}
