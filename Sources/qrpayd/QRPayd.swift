import ArgumentParser
import ControlAPI
import Foundation
import Logging
import PaymentCore
import QRPayConfiguration
import QRPayDaemon
import SystemdSupport
import VippsAPI

/// The payment daemon. Under systemd it is started by `qrpayd.service` (socket-activated by `qrpayd.socket`);
/// `qrpayd --demo` runs the whole product on one machine against an embedded Vipps simulator.
@main
struct QRPayd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qrpayd",
        abstract: "Vipps QR payment daemon for a customer-facing point-of-sale box.",
        version: QRPayBuild.version
    )

    @Option(help: "The JSON configuration file (default /etc/qrpayd/qrpayd.json, or $QRPAYD_CONFIG).")
    var config: String?

    @Option(help: "Bind the till's control socket at this path (instead of control.socketPath).")
    var controlSocket: String?

    @Option(help: "Keep the payment database in this directory (instead of state.directory).")
    var stateDirectory: String?

    @Option(help: "Serve the customer screen on this port (instead of display.port; 0 picks a free one).")
    var displayPort: Int?

    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics (instead of metrics.listen).")
    var metricsListen: String?

    @Option(
        help:
            "Who captures: 'auto' (qrpayd, as soon as the customer approves) or 'till' (instead of payment.settlement)."
    )
    var settlement: String?

    @Option(help: "The Vipps API for new payments: 'ecom' or 'epayment' (instead of vipps.api).")
    var api: String?

    @Option(help: "The currency: NOK, or DKK or EUR with the ePayment API (instead of payment.currency).")
    var currency: String?

    @Option(help: "The customer screen's brand: 'vipps' or 'mobilepay' (instead of display.brand).")
    var brand: String?

    @Option(help: "The customer screen's language: nb, da, fi or en (instead of display.language).")
    var language: String?

    @Flag(
        help: """
            Run against an embedded Vipps simulator with a temporary state directory: no keys needed. The simulated \
            customer acts by the amount's øre: ,00 approves, ,01 declines, ,02 card refused then another card, ,03 \
            card refused, ,04 walks away, ,05 scans and waits, ,06 approves while Vipps is unreachable.
            """
    )
    var demo = false

    @Flag(help: "Check the configuration and exit.")
    var checkConfig = false

    func run() async throws {
        // Taken before anything else can spawn a child that would inherit them.
        // By FileDescriptorName=: control (or the first unnamed Unix socket, old units), display, metrics.
        let activated = ActivatedSockets(try SocketActivation.listeningFileDescriptors())
        SocketActivation.unsetEnvironment()
        var environment = ProcessInfo.processInfo.environment
        var overrides: [String: String] = [:]
        if let controlSocket { overrides["control.socketPath"] = controlSocket }
        if let stateDirectory { overrides["state.directory"] = stateDirectory }
        if let displayPort { overrides["display.port"] = String(displayPort) }
        if let settlement { overrides["payment.settlement"] = settlement }
        if let metricsListen { overrides["metrics.listen"] = metricsListen }
        if let api { overrides["vipps.api"] = api }
        if let currency { overrides["payment.currency"] = currency }
        if let brand { overrides["display.brand"] = brand }
        if let language { overrides["display.language"] = language }

        if self.demo {
            do {
                try await DemoMode.run(overrides: overrides)
            } catch let error as DemoMode.AlreadyRunning {
                FileHandle.standardError.write(Data("qrpayd: \(error)\n".utf8))
                throw ExitCode.failure
            } catch let error as ConfigurationError {
                FileHandle.standardError.write(Data("qrpayd: configuration error: \(error)\n".utf8))
                throw ExitCode(78)
            }
            return
        }
        environment["QRPAYD_CONFIG"] = environment["QRPAYD_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let configuration: DaemonConfiguration
        do {
            let reader = try await QRPayConfiguration.reader(
                file: self.config,
                overrides: overrides,
                environment: environment
            )
            configuration = try DaemonConfiguration(config: reader, environment: environment)
        } catch {
            FileHandle.standardError.write(Data("qrpayd: configuration error: \(error)\n".utf8))
            // EX_CONFIG: the unit does not restart on it (RestartPreventExitStatus=78).
            throw ExitCode(78)
        }
        if self.checkConfig {
            // Running, the daemon logs them (to the journal under systemd) instead.
            for warning in configuration.warnings {
                FileHandle.standardError.write(Data("qrpayd: warning: \(warning)\n".utf8))
            }
            print(
                "Configuration OK (\(configuration.vipps.environment), MSN \(configuration.vipps.credentials.merchantSerialNumber))."
            )
            for (key, source) in configuration.vipps.secretSources.sorted(by: { $0.key < $1.key }) {
                guard case .environment(let name) = source else { continue }
                // Allowed outside systemd; the service refuses it (see Secrets).
                print(
                    "Note: \(key) comes from \(name), which qrpayd refuses under systemd; install it in "
                        + "\(Secrets.credentialsDirectory) (LoadCredential=)."
                )
            }
            return
        }
        LoggingBootstrap.bootstrap(
            identifier: "qrpayd",
            logLevel: Logger.Level(rawValue: configuration.service.logLevel) ?? .info
        )
        let logger = Logger(label: "qrpayd")
        for warning in configuration.warnings {
            logger.warning("Configuration: \(warning)")
        }
        let listener: ControlServer.Listener? = activated.control.map { .inherited(fd: $0.fd) }
        for socket in activated.unclaimed {
            logger.warning(
                "Ignoring a socket systemd passed that no part of qrpayd serves",
                metadata: ["fd": "\(socket.fd)", "fd.name": "\(socket.name ?? "")"]
            )
        }
        var options = Daemon.Options(
            configuration: configuration,
            listener: self.controlSocket == nil ? listener : nil
        )
        options.displaySocket = self.displayPort == nil ? activated.display?.fd : nil
        if let display = activated.display, !configuration.displayEnabled {
            logger.warning(
                "systemd passed the display's port but display.enabled is false: nothing answers there",
                metadata: ["fd": "\(display.fd)"]
            )
        }
        options.metricsSocket = self.metricsListen == nil ? activated.metrics?.fd : nil
        do {
            try await Daemon.run(
                options,
                logger: logger
            )
        } catch is StoreError {
            // EX_DATAERR: a damaged or missing payment database is not fixed by restarting (RestartPreventExitStatus);
            // the daemon has already said what is wrong and what to do.
            throw ExitCode(65)
        } catch {
            logger.critical("qrpayd stopped", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}
