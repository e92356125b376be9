import ArgumentParser
import Foundation
import QRPayConfiguration
import VippsAPI

/// `qrpayctl doctor`: checks an installation end to end and says what is wrong and how to fix it.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the configuration, the secrets, Vipps, the state directory, the daemon and the screen.",
        discussion: """
            Each finding is printed as ✔ (fine), ! (worth a look) or ✘ (must be fixed), with how to fix it. \
            Exits 0 when nothing must be fixed, 1 otherwise. Run it as the daemon's user (or root) so it can read \
            the same files. Outside systemd the secrets are read from \(DoctorCommand.installedCredentialsDirectory), \
            the files LoadCredential= loads.
            """
    )

    /// Where `make install` puts the secrets that the unit's `LoadCredential=` hands to qrpayd.
    static let installedCredentialsDirectory = "/etc/qrpayd/credentials"

    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "The configuration file (default: $QRPAYD_CONFIG, else \(QRPayConfiguration.defaultConfigFile)).",
            valueName: "path"
        )
    )
    var configFile: String?

    @OptionGroup var connection: ConnectionOptions

    /// The base URL of the other environment (test ↔ production), tried when the keys fail in the configured one.
    @Option(name: .customLong("other-environment-url"), help: .hidden)
    var otherEnvironmentURL: String?

    func run() async throws {
        var environment = ProcessInfo.processInfo.environment
        let credentialsInjected = environment["CREDENTIALS_DIRECTORY"]?.isEmpty ?? true
        if credentialsInjected {
            environment["CREDENTIALS_DIRECTORY"] = Self.installedCredentialsDirectory
        }
        var findings: [DoctorFinding] = []
        let configuration = await self.loadConfiguration(
            environment: environment,
            credentialsInjected: credentialsInjected,
            findings: &findings
        )
        if let configuration {
            findings += await DoctorVippsChecks(
                configuration: configuration,
                otherEnvironmentURL: self.otherEnvironmentURL
            ).run()
            findings.append(DoctorLocalChecks.stateDirectory(configuration.service.stateDirectory))
        }
        let socketPath =
            self.connection.socketOption ?? environment["QRPAYD_SOCKET"] ?? configuration?.service.controlSocketPath
            ?? ConnectionOptions.defaultSocketPath
        findings += await DoctorLocalChecks.daemon(socketPath: socketPath)

        let report = DoctorReport(checks: findings)
        if self.connection.json {
            report.printJSON()
        } else {
            report.printText()
        }
        if !report.ok { throw ExitStatus.problem }
    }

    /// Loads the settings qrpayctl shares with qrpayd (Vipps, secrets, the service), then has the installed `qrpayd`
    /// check the whole file exactly as it would at start-up; reports where the secrets came from, never their values.
    private func loadConfiguration(
        environment: [String: String],
        credentialsInjected: Bool,
        findings: inout [DoctorFinding]
    ) async -> QRPayConfiguration? {
        let path = self.configFile ?? environment["QRPAYD_CONFIG"] ?? QRPayConfiguration.defaultConfigFile
        let secretKeys: Set<String> = ["vipps.clientSecret", "vipps.subscriptionKey"]
        let fix = { (key: String) in
            "Correct \(key) in \(path) (or its environment variable), then run `qrpayd --check-config --config \(path)`."
        }
        do throws(ConfigurationError) {
            let reader = try await QRPayConfiguration.reader(file: self.configFile, environment: environment)
            let configuration = try QRPayConfiguration(config: reader, environment: environment)
            let summary =
                "Vipps \(configuration.vipps.environment), MSN \(configuration.vipps.credentials.merchantSerialNumber)"
            switch await DaemonConfigurationCheck.run(configFile: self.configFile, environment: environment) {
            case .valid(let warnings):
                findings.append(.ok("configuration", "\(path) is valid: \(summary)"))
                for warning in warnings {
                    let key = warning.split(separator: ":").first.map(String.init) ?? "the setting named"
                    findings.append(
                        .warning(
                            key == "payment.orderIdPrefix" ? "orderid-prefix" : "configuration-warning",
                            warning,
                            fix: "Remove \(key) from \(path), then restart qrpayd (open payments keep their orderId)."
                        )
                    )
                }
            case .invalid(let message):
                let key = message.split(separator: ":").first.map(String.init) ?? "the setting named"
                findings.append(.fail("configuration", message, fix: fix(key)))
            case .notChecked(let reason):
                findings.append(
                    .warning(
                        "configuration",
                        "\(path): the Vipps and service settings are valid (\(summary)); the payment, QR and display "
                            + "settings were not checked: \(reason)",
                        fix: "Run `qrpayd --check-config --config \(path)` where qrpayd is installed."
                    )
                )
            }
            let sources = secretKeys.sorted().map { key in
                let source = configuration.vipps.secretSources[key].map {
                    Self.describe($0, credentialsInjected: credentialsInjected)
                }
                return "\(key) from \(source ?? "an unknown source")"
            }
            findings.append(.ok("credentials", sources.joined(separator: "; ")))
            return configuration
        } catch {
            if secretKeys.contains(error.key) {
                findings.append(
                    .fail(
                        "credentials",
                        error.description,
                        fix: "Install the secret with `sudo install -m 0600 /dev/stdin "
                            + "\(Self.installedCredentialsDirectory)/<name>` (names vipps-client-secret and "
                            + "vipps-subscription-key), or fix the file named in the configuration."
                    )
                )
            } else {
                findings.append(.fail("configuration", error.description, fix: fix(error.key)))
            }
            return nil
        }
    }

    private static func describe(_ source: Secrets.Source, credentialsInjected: Bool) -> String {
        if case .credential(let name) = source, credentialsInjected {
            return "file \(self.installedCredentialsDirectory)/\(name) (what LoadCredential= loads)"
        }
        return "\(source)"
    }
}
