import CustomerDisplay
import Foundation
import Logging
import ServiceLifecycle
import SystemdSupport
import VippsSimulator

/// `qrpayd --demo`: the daemon, the customer display and an embedded Vipps simulator whose customer scans and approves
/// every payment by itself, in a temporary state directory. One command on a fresh machine shows the whole flow.
public enum DemoMode {
    public static func run(overrides: [String: String]) async throws {
        LoggingBootstrap.bootstrap(identifier: "qrpayd-demo", logLevel: .info)
        let logger = Logger(label: "qrpayd.demo")
        // A fixed socket path so the README's commands work as written; a fresh database each run.
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("qrpayd-demo").path
        let stateDirectory =
            overrides["state.directory"] ?? (base as NSString).appendingPathComponent("state-\(getpid())")
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let socket = overrides["control.socketPath"] ?? (base as NSString).appendingPathComponent("control.sock")

        var simulatorConfiguration = VippsSimulatorConfiguration.demo
        simulatorConfiguration.autoCustomer = .init(openAfter: .seconds(4), approveAfter: .seconds(8))
        // The simulator logs every poll at info; the demo shows the daemon's story instead.
        var simulatorLogger = Logger(label: "vipps-sim")
        simulatorLogger.logLevel = .warning
        let simulator = VippsSimulator(configuration: simulatorConfiguration, logger: simulatorLogger)
        let unit = VippsSimulatorConfiguration.demoSalesUnit
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)

        // The simulator in a ServiceGroup of its own, stopped gracefully once the daemon has stopped.
        let simulatorGroup = ServiceGroup(
            configuration: .init(
                services: [simulator.makeService(host: "127.0.0.1", port: 0) { port in continuation.yield(port) }],
                logger: simulatorLogger
            )
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await simulatorGroup.run()
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { return }
            let assets = Self.displayAssets()
            var settings = [
                "vipps.environment": "test",
                "vipps.baseURL": "http://127.0.0.1:\(port)",
                "vipps.clientId": unit.clientID,
                "vipps.merchantSerialNumber": unit.msn,
                "payment.orderIdPrefix": "demo-",
                "state.directory": stateDirectory,
                "control.socketPath": socket,
                "display.shopName": "qrpayd demo",
            ]
            if let assets {
                settings["display.assetsDirectory"] = assets
            } else {
                settings["display.enabled"] = "false"
                logger.warning("The customer display's page files were not found; running without the display")
            }
            let environment = [
                "VIPPS_CLIENT_SECRET": unit.clientSecret,
                "VIPPS_SUBSCRIPTION_KEY": unit.subscriptionKey,
            ]
            let reader = try await DaemonConfiguration.reader(
                file: nil,
                overrides: settings,
                environment: environment,
                readsFile: false
            )
            let configuration = try DaemonConfiguration(config: reader, environment: environment)
            let options = Daemon.Options(
                configuration: configuration,
                onReady: {
                    print(
                        """

                        qrpayd demo is running against a built-in Vipps simulator (no real money).
                          Customer screen:  http://127.0.0.1:\(configuration.display.port)/
                          Take a payment:   swift run qrpayctl --socket \(socket) pay demo-1 12900 --wait
                          Follow events:    swift run qrpayctl --socket \(socket) watch
                          Or with curl:     curl --unix-socket \(socket) http://localhost/v1/health
                        The simulated customer scans after 4 s and approves after 8 s. Stop with Ctrl-C.

                        """
                    )
                }
            )
            try await Daemon.run(options, logger: logger)
            await simulatorGroup.triggerGracefulShutdown()
        }
    }

    /// The page files: the checkout's `assets/display` (from the working directory, or above a `swift build`
    /// binary), else the installed copy.
    static func displayAssets() -> String? {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var candidates = [FileManager.default.currentDirectoryPath + "/assets/display"]
        var directory = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            directory.deleteLastPathComponent()
            candidates.append(directory.appendingPathComponent("assets/display").path)
        }
        candidates.append(DisplaySettings.installedAssetsDirectory)
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/index.html") }
    }
}
