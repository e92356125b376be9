import ControlAPI
import CustomerDisplay
import Foundation
import Logging
import PaymentCore
import QRPayConfiguration
import ServiceLifecycle
import Synchronization
import SystemdSupport
import VippsAPI
import VippsSimulator

/// `qrpayd --demo`: the daemon, the customer display and an embedded Vipps simulator whose customer scans and approves
/// every payment by itself (or, by the amount's øre, declines, has the card refused, or walks away), in a temporary
/// state directory. One command on a fresh machine shows the whole flow.
package enum DemoMode {
    /// Another demo (or daemon) already listens on the socket this demo would use.
    package struct AlreadyRunning: Error, CustomStringConvertible {
        package var socketPath: String
        package var description: String {
            "a qrpayd demo is already running on \(self.socketPath). Use it (export QRPAYD_SOCKET=\(self.socketPath)), "
                + "stop it with Ctrl-C in its terminal, or start a second one with --control-socket PATH --display-port 0."
        }
    }

    /// The demo customer's behaviour by amount, one line each, for the banner and the README.
    package static var customerGuide: String {
        VippsSimulatorConfiguration.AutoCustomer.Behaviour.allCases.map { behaviour in
            "  ,\(String(format: "%02d", behaviour.rawValue)) (e.g. 129.\(String(format: "%02d", behaviour.rawValue))kr): "
                + behaviour.summary
        }.joined(separator: "\n")
    }

    package static func run(overrides: [String: String]) async throws {
        let base = DemoLocation.directory
        let socket = overrides["control.socketPath"] ?? DemoLocation.socketPath
        // Before anything starts: a second demo says so at once, without the noise of a half-started daemon.
        if UnixSocketProbe.isListening(socket) { throw AlreadyRunning(socketPath: socket) }
        LoggingBootstrap.bootstrap(identifier: "qrpayd-demo", logLevel: .info)
        let logger = Logger(label: "qrpayd.demo")
        try DemoLocation.prepareDirectory(at: base)
        Self.removeStaleStateDirectories(in: base)
        // A fresh database each run, removed when the demo stops (unless the caller chose the directory).
        let ownStateDirectory = overrides["state.directory"] == nil
        let stateDirectory =
            overrides["state.directory"] ?? (base as NSString).appendingPathComponent("state-\(getpid())")
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        defer {
            if ownStateDirectory { try? FileManager.default.removeItem(atPath: stateDirectory) }
        }

        var simulatorConfiguration = VippsSimulatorConfiguration.demo
        simulatorConfiguration.autoCustomer = .init(
            openAfter: .seconds(4),
            approveAfter: .seconds(8),
            actsByAmount: true
        )
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
            for key in [
                "payment.settlement", "display.port", "metrics.listen", "vipps.api", "payment.currency",
                "display.brand", "display.language",
            ] {
                if let value = overrides[key] { settings[key] = value }
            }
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
            let reader = try await QRPayConfiguration.reader(
                file: nil,
                overrides: settings,
                environment: environment,
                readsFile: false
            )
            let configuration = try DaemonConfiguration(config: reader, environment: environment)
            // The banner needs the customer screen's port and a ready daemon, whichever comes last.
            let banner = Mutex(BannerState(displayEnabled: configuration.displayEnabled))
            let settlement = configuration.engine.settlement
            let api = configuration.engine.api
            let show: @Sendable () -> Void = {
                let text = banner.withLock { state in
                    state.text(socket: socket, settlement: settlement, api: api)
                }
                if let text { FileHandle.standardOutput.write(Data(text.utf8)) }
            }
            let options = Daemon.Options(
                configuration: configuration,
                onReady: {
                    banner.withLock { $0.ready = true }
                    show()
                },
                onDisplayListening: { port in
                    banner.withLock { $0.displayPort = port }
                    show()
                }
            )
            try await Daemon.run(options, logger: logger)
            await simulatorGroup.triggerGracefulShutdown()
        }
    }

    /// What the banner is waiting for. It is written straight to standard output (not through `print`'s buffer), so
    /// that it appears at once when the output goes to a pipe or a file.
    struct BannerState: Sendable {
        var displayEnabled: Bool
        var ready = false
        var displayPort: Int?
        var printed = false

        /// The banner, once (nil until the daemon is ready and the screen listens, and after it was printed).
        mutating func text(socket: String, settlement: Settlement, api: VippsAPIKind = .ecom) -> String? {
            guard self.ready, !self.printed, !self.displayEnabled || self.displayPort != nil else { return nil }
            self.printed = true
            let screen = self.displayPort.map { "http://127.0.0.1:\($0)/" } ?? "off (the page files were not found)"
            let settlementLines =
                settlement == .till
                ? [
                    "Settlement 'till': an approved payment waits at 'authorized' until the till acts:",
                    "  qrpayctl capture demo-1 --amount 50.00kr   (without --amount: all that is reserved)",
                    "  qrpayctl refund demo-1 --amount 20.00kr    (after a capture)",
                    "  qrpayctl cancel demo-1                     (instead of a capture: voids the reservation)",
                ]
                : [
                    "Settlement 'auto': qrpayd captures as soon as the customer approves",
                    "(qrpayd --demo --settlement till lets the till capture, void and refund).",
                ]
            let lines =
                [
                    "",
                    "qrpayd demo is running against a built-in Vipps simulator (no real money), "
                        + (api == .epayment ? "on the ePayment API." : "on the eCom API."),
                    "  Customer screen:  \(screen)",
                    "  Control socket:   \(socket)",
                    "In another terminal:",
                    "  export QRPAYD_SOCKET=\(socket)",
                    "  swift run qrpayctl pay demo-1 129.00kr --wait    # take a payment",
                    "  swift run qrpayctl watch                         # follow events",
                    "  curl --unix-socket \(socket) http://localhost/v1/health",
                ] + settlementLines + [
                    "The simulated customer scans after 4 s and decides after 8 s, by the amount's øre:",
                    DemoMode.customerGuide,
                    "Stop with Ctrl-C.",
                    "",
                    "",
                ]
            return lines.joined(separator: "\n")
        }
    }

    /// Removes the state directories of demos that are gone (killed before they could clean up).
    static func removeStaleStateDirectories(in base: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: base) else { return }
        for name in names where name.hasPrefix("state-") {
            guard let pid = pid_t(name.dropFirst("state-".count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: (base as NSString).appendingPathComponent(name))
            }
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
