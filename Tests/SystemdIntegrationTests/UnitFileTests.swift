import Foundation
import QRPayConfiguration
import QRPayDaemon
import TestSupport
import Testing

/// The unit files as systemd itself reads them: `systemd-analyze verify` on an installed copy, the sandbox rated by
/// `systemd-analyze security`, and the settings that must agree with what the daemon does.
@Suite(.timeLimit(.minutes(2)))
struct UnitFileTests {
    static let repositoryUnits = packageRoot.appendingPathComponent("systemd")

    /// The units `make install` puts in place; the kiosk unit is another team's and is checked when it is there.
    static var installedUnits: [String] {
        ["qrpayd.socket", "qrpayd-display.socket", "qrpayd-metrics.socket", "qrpayd.service", "qrpayd-kiosk.service"]
            .filter {
                FileManager.default.fileExists(atPath: Self.repositoryUnits.appendingPathComponent($0).path)
            }
    }

    @Test func systemdAnalyzeVerifiesTheInstalledUnitsWithoutAWarning() async throws {
        let root = try await StagingRoot.install()
        try await root.prepareForVerify(units: Self.installedUnits)
        // ExecStart names the binary this test run built, installed by make.
        #expect(FileManager.default.isExecutableFile(atPath: root.file("/usr/local/bin/qrpayd").path))

        let result = try await StagingRoot.runAllowingFailure(
            "systemd-analyze",
            ["verify", "--root=\(root.path)"] + Self.installedUnits
        )

        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.isEmpty, "systemd-analyze warned:\n\(result.standardError)")
    }

    /// The check above must be able to fail. A wrong value is only a warning (exit status 0), which is why the check
    /// above also requires silence; a missing binary fails outright.
    @Test func systemdAnalyzeCatchesAWrongValueAndAMissingBinary() async throws {
        let root = try await StagingRoot.install()
        try await root.prepareForVerify(units: ["qrpayd.service"])
        let unitDirectory = root.file("/usr/local/lib/systemd/system")
        let service = try String(contentsOf: unitDirectory.appendingPathComponent("qrpayd.service"), encoding: .utf8)
        let wrongValue = service.replacingOccurrences(of: "Type=notify\n", with: "Type=notiffy\n")
        let missingBinary = service.replacingOccurrences(of: "bin/qrpayd\n", with: "bin/qrpayd-gone\n")
        #expect(wrongValue != service && missingBinary != service)
        try Data(wrongValue.utf8).write(to: unitDirectory.appendingPathComponent("qrpayd-wrong.service"))
        try Data(missingBinary.utf8).write(to: unitDirectory.appendingPathComponent("qrpayd-gone.service"))

        let warned = try await StagingRoot.runAllowingFailure(
            "systemd-analyze",
            ["verify", "--root=\(root.path)", "qrpayd-wrong.service"]
        )
        let refused = try await StagingRoot.runAllowingFailure(
            "systemd-analyze",
            ["verify", "--root=\(root.path)", "qrpayd-gone.service"]
        )

        #expect(warned.standardError.contains("notiffy"))
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("qrpayd-gone"))
    }

    /// `systemd-analyze security`'s overall line ("→ Overall exposure level for qrpayd.service: 1.1 OK 🙂") and the
    /// settings it marks as exposed.
    private static func exposure(of unit: String) async throws -> (score: Double, verdict: String, exposed: [String]) {
        let root = try await StagingRoot.install()
        let result = try await StagingRoot.run(
            "systemd-analyze",
            ["security", "--offline=yes", "--root=\(root.path)", unit]
        )
        let lines = result.output.split(separator: "\n").map(String.init)
        let overall = try #require(lines.last { $0.contains("Overall exposure level") })
        let words = overall.split(separator: " ")
        let scoreIndex = try #require(words.firstIndex { Double($0) != nil })
        let score = try #require(Double(words[scoreIndex]))
        // Rows are "<mark> <setting> <description> <exposure>"; the mark is ✓ for settings that are fine.
        let rows: [[Substring]] = lines.map { $0.split(separator: " ") }
        let exposedRows: [[Substring]] = rows.filter { row in
            row.count > 2 && row[0] != "✓" && row[1].contains("=")
        }
        let exposed: [String] = exposedRows.map { row in String(row[1]) }
        let verdict: String = words.dropFirst(scoreIndex + 1).first.map(String.init) ?? ""
        return (score, verdict, exposed)
    }

    @Test func theDaemonsSandboxRatesAtMostOnePointFive() async throws {
        let (score, verdict, exposed) = try await Self.exposure(of: "qrpayd.service")
        #expect(score <= 1.5, "exposure \(score)")
        #expect(verdict == "OK")

        // What is left open is what the daemon needs: the network (Vipps has no fixed addresses), Unix sockets, the
        // real-time clock read access ProtectClock= leaves, and the host's user namespace, without which
        // SO_PEERCRED/SO_PEERGROUPS see every till as "nobody" (README, "Security"). Anything else exposed means
        // hardening was lost.
        let accepted = [
            "RootDirectory=/RootImage=", "RestrictAddressFamilies=~AF_UNIX", "RestrictAddressFamilies=~AF_(INET|INET6)",
            "PrivateNetwork=", "DeviceAllow=", "IPAddressDeny=", "PrivateUsers=",
        ]
        for setting in exposed {
            #expect(accepted.contains(setting), "newly exposed: \(setting)")
        }
    }

    @Test func theKioskBrowsersSandboxRatesAtMostFive() async throws {
        let (score, _, exposed) = try await Self.exposure(of: "qrpayd-kiosk.service")
        #expect(score <= 5.0, "exposure \(score)")
        // Loopback only, no home, no capabilities: the README's "Security" says what else stays open and why.
        for setting in ["ProtectHome=", "CapabilityBoundingSet=~CAP_SYS_ADMIN", "NoNewPrivileges=", "ProtectSystem="] {
            #expect(!exposed.contains(setting), "exposed: \(setting)")
        }
    }

    /// The settings that tie the units to the daemon's code and to each other.
    @Test func unitsAgreeWithTheDaemon() async throws {
        let socket = try UnitFile(contentsOf: Self.repositoryUnits.appendingPathComponent("qrpayd.socket"))
        let service = try UnitFile(contentsOf: Self.repositoryUnits.appendingPathComponent("qrpayd.service"))
        let sysusers = try String(
            contentsOf: Self.repositoryUnits.appendingPathComponent("qrpayd.conf"),
            encoding: .utf8
        )
        let environment = [
            "VIPPS_BASE_URL": "http://127.0.0.1:9", "VIPPS_CLIENT_ID": "unit-check",
            "VIPPS_MERCHANT_SERIAL_NUMBER": "123456",
            "VIPPS_CLIENT_SECRET": "x", "VIPPS_SUBSCRIPTION_KEY": "y", "DISPLAY_ENABLED": "false",
            "STATE_DIRECTORY": "/var/lib/qrpayd",
        ]
        let reader = try await QRPayConfiguration.reader(file: nil, environment: environment, readsFile: false)
        let defaults = try DaemonConfiguration(config: reader, environment: environment)

        // The socket is where the daemon (and qrpayctl) look by default, for the group sysusers creates.
        #expect(socket.value("Socket", "ListenStream") == defaults.service.controlSocketPath)
        #expect(
            socket.value("Socket", "SocketMode").flatMap { UInt32($0, radix: 8) } == defaults.service.controlSocketMode
        )
        #expect(socket.value("Socket", "Accept") == "no")
        #expect(socket.value("Socket", "RemoveOnStop") == "yes")
        let group = try #require(socket.value("Socket", "SocketGroup"))
        #expect(
            sysusers.split(separator: "\n").contains { $0.split(separator: " ").prefix(2) == ["g", Substring(group)] }
        )

        #expect(service.value("Service", "Type") == "notify")
        #expect(service.value("Service", "NotifyAccess") == "main")
        #expect(service.values("Unit", "Requires").joined(separator: " ").contains("qrpayd.socket"))
        #expect(service.values("Unit", "After").joined(separator: " ").contains("qrpayd.socket"))
        #expect(service.value("Service", "ExecStart") == "/usr/local/bin/qrpayd")
        #expect(
            service.values("Service", "Environment").contains("QRPAYD_CONFIG=\(QRPayConfiguration.defaultConfigFile)")
        )
        #expect(service.value("Service", "WatchdogSec") == "30s")
        #expect(service.value("Service", "DynamicUser") == "yes")
        #expect(service.value("Service", "StateDirectory") == "qrpayd")
        #expect(defaults.service.stateDirectory == "/var/lib/qrpayd")
        // The daemon exits 78 on a configuration error (tested with the binary in InstallTests) and 65 on a payment
        // database it cannot trust (NotifyProtocolTests, StoreDamageTests): no restart loop for either.
        let noRestart = service.value("Service", "RestartPreventExitStatus")?.split(separator: " ") ?? []
        #expect(noRestart.contains("78") && noRestart.contains("65"))
        // The credential names are the ones Secrets reads from $CREDENTIALS_DIRECTORY.
        let credentials = service.values("Service", "LoadCredential").map { $0.split(separator: ":").map(String.init) }
        #expect(
            credentials.map { $0.first ?? "" }.sorted()
                == [Secrets.clientSecretCredential, Secrets.subscriptionKeyCredential].sorted()
        )
        for credential in credentials {
            #expect(credential.last == "/etc/qrpayd/credentials/\(credential.first ?? "")")
        }
        // RuntimeDirectory=qrpayd would delete /run/qrpayd, the socket unit's directory, whenever the daemon stops.
        #expect(!service.values("Service", "RuntimeDirectory").contains { $0.split(separator: " ").contains("qrpayd") })
        #expect(service.values("Service", "RestrictAddressFamilies") == ["AF_UNIX AF_INET AF_INET6"])

        // Who asks must be visible to SO_PEERCRED: no private user namespace. No core dumps (they hold the secrets).
        #expect(service.value("Service", "PrivateUsers") == nil)
        #expect(service.value("Service", "LimitCORE") == "0")
        #expect(Int(service.value("Service", "LimitNOFILE") ?? "") ?? 0 >= 4096)
    }

    /// PID 1 owns every listener and passes it by name; the names and addresses are the ones the daemon looks for.
    @Test func everyListenerIsSystemdsAndNamed() throws {
        let socket = try UnitFile(contentsOf: Self.repositoryUnits.appendingPathComponent("qrpayd.socket"))
        let display = try UnitFile(contentsOf: Self.repositoryUnits.appendingPathComponent("qrpayd-display.socket"))
        let metrics = try UnitFile(contentsOf: Self.repositoryUnits.appendingPathComponent("qrpayd-metrics.socket"))
        let service = try UnitFile(contentsOf: Self.repositoryUnits.appendingPathComponent("qrpayd.service"))
        let kiosk = try UnitFile(contentsOf: Self.repositoryUnits.appendingPathComponent("qrpayd-kiosk.service"))

        #expect(socket.value("Socket", "FileDescriptorName") == "control")
        #expect(display.value("Socket", "FileDescriptorName") == "display")
        #expect(metrics.value("Socket", "FileDescriptorName") == "metrics")
        #expect(display.value("Socket", "ListenStream") == "127.0.0.1:8765")
        #expect(metrics.value("Socket", "ListenStream") == "127.0.0.1:9808")
        for unit in [display, metrics] {
            #expect(unit.value("Socket", "Service") == "qrpayd.service")
            #expect(unit.value("Socket", "Accept") == "no")
        }
        let sockets = service.values("Service", "Sockets").joined(separator: " ").split(separator: " ")
        #expect(sockets.contains("qrpayd.socket") && sockets.contains("qrpayd-display.socket"))
        // Metrics on TCP stay off until an operator enables their socket.
        #expect(!sockets.contains("qrpayd-metrics.socket"))
        #expect(service.values("Install", "Also").joined(separator: " ").contains("qrpayd-display.socket"))

        // The kiosk trusts qrpayd's socket, not whatever answers on the port.
        #expect(kiosk.values("Unit", "Requires").joined(separator: " ").contains("qrpayd-display.socket"))
        #expect(!kiosk.values("Service", "ExecStartPre").joined().contains("/dev/tcp"))
        #expect(kiosk.value("Service", "IPAddressDeny") == "any")
        #expect(kiosk.value("Service", "IPAddressAllow") == "localhost")
        #expect(kiosk.value("Service", "ProtectHome") == "yes")
        #expect(kiosk.values("Service", "ExecStart").joined().contains("http://127.0.0.1:8765/"))
    }
}
