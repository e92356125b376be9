import Foundation
import TestSupport
import VippsSimulator

/// How the tests run the real `qrpayd`: configured only through its environment (as a drop-in's `Environment=`
/// would), against a simulator on loopback, with its state and control socket in the test's own directory.
struct DaemonSetup {
    let directory: TemporaryDirectory
    let environment: [String: String]
    let arguments: [String]

    var stateDirectory: String { self.directory.file("state").path }
    var controlSocket: String { self.directory.file("control.sock").path }
    var standardError: URL { self.directory.file("qrpayd.stderr") }

    static let executable = productPath("qrpayd")

    /// - Parameters:
    ///   - simulatorPort: Where the simulator listens.
    ///   - bindsControlSocket: Pass `--control-socket` (false under socket activation, which it would override).
    ///   - extra: More environment, e.g. `NOTIFY_SOCKET`.
    init(
        simulatorPort: Int,
        directory: TemporaryDirectory,
        bindsControlSocket: Bool = true,
        extra: [String: String] = [:]
    ) throws {
        self.directory = directory
        // systemd creates StateDirectory= before the daemon starts; the daemon expects it to exist.
        try FileManager.default.createDirectory(at: directory.file("state"), withIntermediateDirectories: true)
        // An empty configuration file of the test's own, so a /etc/qrpayd/qrpayd.json on the machine cannot leak in.
        let configFile = directory.file("qrpayd.json")
        try Data("{}\n".utf8).write(to: configFile)
        let unit = VippsSimulatorConfiguration.demoSalesUnit
        var environment = [
            "PATH": "/usr/bin:/bin",
            "QRPAYD_CONFIG": configFile.path,
            "VIPPS_ENVIRONMENT": "test",
            "VIPPS_BASE_URL": "http://127.0.0.1:\(simulatorPort)",
            "VIPPS_CLIENT_ID": unit.clientID,
            "VIPPS_MERCHANT_SERIAL_NUMBER": unit.msn,
            "VIPPS_CLIENT_SECRET": unit.clientSecret,
            "VIPPS_SUBSCRIPTION_KEY": unit.subscriptionKey,
            "PAYMENT_ORDER_ID_PREFIX": "sdtest-",
            "PAYMENT_POLL_INTERVAL_MILLISECONDS": "500",
            "DISPLAY_ENABLED": "false",
        ]
        environment.merge(extra) { $1 }
        self.environment = environment
        var arguments = ["--state-directory", directory.file("state").path]
        if bindsControlSocket { arguments += ["--control-socket", directory.file("control.sock").path] }
        self.arguments = arguments
    }
}
