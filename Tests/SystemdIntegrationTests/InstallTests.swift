import Foundation
import PaymentCore
import QRPayConfiguration
import TestSupport
import Testing

/// `make install` into a staging root (`DESTDIR`), as a package or kiosk image build runs it, and the example
/// configuration it installs.
@Suite(.timeLimit(.minutes(2)))
struct InstallTests {
    static func permissions(_ url: URL) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return try #require(attributes[.posixPermissions] as? Int)
    }

    @Test(arguments: ["/usr/local", "/usr"])
    func installPutsEverythingWhereTheUnitsAndTheConfigurationLook(prefix: String) async throws {
        let root = try await StagingRoot.install(prefix: prefix)

        for binary in ["bin/qrpayd", "bin/qrpayctl", "libexec/qrpayd/qrpayctl-commands"] {
            #expect(FileManager.default.isExecutableFile(atPath: root.file("\(prefix)/\(binary)").path))
        }
        // The installed qrpayctl finds the rest of itself in ../libexec/qrpayd, wherever the tree was put.
        let version = try await ExternalTool.launch(root.file("\(prefix)/bin/qrpayctl").path, ["--version"])
        #expect(version.status == 0, "\(version.standardError)")
        #expect(version.output.trimmingCharacters(in: .whitespacesAndNewlines) == QRPayBuild.version)
        // The installed units, catalog and configuration name where things really are.
        let readme = "\(prefix)/share/doc/qrpayd/README.md"
        #expect(FileManager.default.fileExists(atPath: root.file(readme).path))
        let service = try UnitFile(contentsOf: root.file("\(prefix)/lib/systemd/system/qrpayd.service"))
        #expect(service.value("Service", "ExecStart") == "\(prefix)/bin/qrpayd")
        #expect(service.value("Unit", "Documentation") == "file://\(readme)")
        #expect(FileManager.default.fileExists(atPath: root.file("\(prefix)/lib/systemd/system/qrpayd.socket").path))
        let catalog = try CatalogFile(contentsOf: root.file("/usr/lib/systemd/catalog/qrpayd.catalog"))
        #expect(catalog.entries.count == JournalEvent.allCases.count)
        for entry in catalog.entries.values {
            #expect(entry.headers["Support"] == "file://\(readme)", "\(entry.messageID)")
        }
        let configuration = root.file("/etc/qrpayd/qrpayd.json")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: configuration)) as? [String: Any]
        )
        let assets = try #require((json["display"] as? [String: Any])?["assetsDirectory"] as? String)
        #expect(assets == "\(prefix)/share/qrpayd/display")
        #expect(FileManager.default.fileExists(atPath: root.file("\(assets)/index.html").path))
        if prefix == "/usr" {
            // DisplaySettings.installedAssetsDirectory, the daemon's default when the key is absent.
            #expect(assets == "/usr/share/qrpayd/display")
        }

        // The secrets' directory is root's alone; the configuration holds no secret and is readable.
        #expect(try Self.permissions(root.file("/etc/qrpayd/credentials")) == 0o700)
        #expect(try Self.permissions(configuration) == 0o644)
        #expect(try Self.permissions(root.file("\(prefix)/lib/systemd/system/qrpayd.service")) == 0o644)

        // sysusers.d creates the till's groups from the installed file: the socket's, and the one that may refund.
        try await StagingRoot.run("systemd-sysusers", ["--root=\(root.path)"])
        let groups = try String(contentsOf: root.file("/etc/group"), encoding: .utf8)
        #expect(groups.split(separator: "\n").contains { $0.hasPrefix("qrpay:") })
        #expect(groups.split(separator: "\n").contains { $0.hasPrefix("qrpay-refund:") })
    }

    @Test func reinstallKeepsTheOperatorsConfigurationAndUninstallLeavesItAndTheSecrets() async throws {
        let root = try await StagingRoot.install()
        let configuration = root.file("/etc/qrpayd/qrpayd.json")
        let edited = Data(#"{"vipps": {"clientId": "edited by the operator"}}"#.utf8)
        try edited.write(to: configuration)
        let secret = root.file("/etc/qrpayd/credentials/vipps-client-secret")
        try Data("s3cret\n".utf8).write(to: secret)

        try await root.make("install")
        #expect(try Data(contentsOf: configuration) == edited)
        #expect(FileManager.default.fileExists(atPath: root.file("/etc/qrpayd/qrpayd.json.example").path))

        try await root.make("uninstall")
        let removed = [
            "/usr/local/bin/qrpayd", "/usr/local/bin/qrpayctl", "/usr/local/libexec/qrpayd",
            "/usr/local/lib/systemd/system/qrpayd.service",
            "/usr/local/lib/systemd/system/qrpayd.socket", "/usr/lib/systemd/catalog/qrpayd.catalog",
            "/usr/local/lib/sysusers.d/qrpayd.conf", "/usr/local/share/qrpayd", "/usr/local/share/doc/qrpayd",
        ]
        for path in removed {
            #expect(!FileManager.default.fileExists(atPath: root.file(path).path), "\(path) is left")
        }
        #expect(try Data(contentsOf: configuration) == edited)
        #expect(FileManager.default.fileExists(atPath: secret.path))
    }

    /// The installed `qrpayctl doctor` runs in `libexec/qrpayd`, yet asks the `qrpayd` in the same prefix's `bin`
    /// about the settings only the daemon checks, without looking on `PATH`.
    @Test func theInstalledDoctorAsksTheInstalledDaemon() async throws {
        let root = try await StagingRoot.install(prefix: "/usr")
        let directory = try TemporaryDirectory()
        var secretFiles: [String] = []
        for name in ["client-secret", "subscription-key"] {
            let file = directory.file(name)
            try Data("example\n".utf8).write(to: file)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
            secretFiles.append(file.path)
        }
        let doctor = try await StagingRoot.runAllowingFailure(
            "env",
            [
                "-i", "PATH=/nonexistent", "VIPPS_BASE_URL=http://127.0.0.1:9",
                "VIPPS_CLIENT_ID=2f7c1a6e-8d3b-4c55-9b61-0f4c2e7d9a10", "VIPPS_MERCHANT_SERIAL_NUMBER=123456",
                "VIPPS_CLIENT_SECRET_FILE=\(secretFiles[0])", "VIPPS_SUBSCRIPTION_KEY_FILE=\(secretFiles[1])",
                // Only the daemon checks the display's assets: this finding can come from qrpayd alone.
                "DISPLAY_ASSETS_DIRECTORY=\(directory.file("no-display").path)",
                root.file("/usr/bin/qrpayctl").path, "doctor", "--config", root.file("/etc/qrpayd/qrpayd.json").path,
            ]
        )
        #expect(doctor.status != 0)
        #expect(doctor.output.contains("no readable index.html"), "\(doctor.output)")
        #expect(!doctor.output.contains("were not checked"), "\(doctor.output)")
    }

    /// `make deb` names the package after the version the binaries report: the Makefile reads it from its one place.
    @Test func theMakefileReadsTheVersionTheBinariesReport() async throws {
        let result = try await ExternalTool.launch("make", ["-s", "-C", packageRoot.path, "version"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == QRPayBuild.version)
    }

    @Test func installBeforeABuildSaysWhatToDo() async throws {
        let directory = try TemporaryDirectory(prefix: "qrpayd-root")
        let result = try await StagingRoot.runAllowingFailure(
            "make",
            ["-C", packageRoot.path, "install", "DESTDIR=\(directory.path)", "BUILDDIR=\(directory.path)/nothing"]
        )
        #expect(result.status != 0)
        #expect(result.standardError.contains("run 'make' first"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("usr").path))
    }

    // MARK: The example configuration

    static let example = packageRoot.appendingPathComponent("config/qrpayd.example.json")

    /// Keys the example leaves out on purpose: the base URL follows vipps.environment, the state directory is
    /// systemd's `StateDirectory=` (`$STATE_DIRECTORY`), and the orderId prefix is each box's own (from
    /// `/etc/machine-id`): a prefix in the shipped file would be the same on every box.
    static let derivedKeys: Set<String> = ["vipps.baseURL", "state.directory", "payment.orderIdPrefix"]

    @Test func exampleConfigurationFixesNoOrderIdPrefix() throws {
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: Self.example)) as? [String: Any]
        )
        #expect(!Self.flattened(json).contains("payment.orderIdPrefix"))
    }

    static func flattened(_ object: [String: Any], prefix: String = "") -> Set<String> {
        var keys: Set<String> = []
        for (key, value) in object {
            if let nested = value as? [String: Any] {
                keys.formUnion(self.flattened(nested, prefix: "\(prefix)\(key)."))
            } else {
                keys.insert("\(prefix)\(key)")
            }
        }
        return keys
    }

    @Test func exampleConfigurationSetsEverySettingTheDaemonReads() throws {
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: Self.example)) as? [String: Any]
        )
        let exampleKeys = Self.flattened(json)
        // The keys the modules read (each reads its own settings through a SettingsReader called `read`), taken from
        // their sources so a new setting shows up here.
        let sources = try FileManager.default.subpathsOfDirectory(
            atPath: packageRoot.appendingPathComponent("Sources").path
        )
        .filter { $0.hasSuffix(".swift") && !$0.hasPrefix("VippsSimulator") }
        let source = try sources.map {
            try String(contentsOf: packageRoot.appendingPathComponent("Sources/\($0)"), encoding: .utf8)
        }.joined(separator: "\n")
        let pattern = try NSRegularExpression(pattern: #"read\.(?:string|int|bool|optionalInt)\("([A-Za-z.]+)""#)
        let matches = pattern.matches(in: source, range: NSRange(source.startIndex..., in: source))
        let readKeys = Set(matches.compactMap { Range($0.range(at: 1), in: source).map { String(source[$0]) } })
        #expect(readKeys.count > 20)

        #expect(exampleKeys.subtracting(readKeys).isEmpty, "unknown keys: \(exampleKeys.subtracting(readKeys))")
        let missing = readKeys.subtracting(exampleKeys).subtracting(Self.derivedKeys)
        #expect(missing.isEmpty, "settings missing from the example: \(missing)")
    }

    @Test func exampleConfigurationPassesTheDaemonsCheckOnceTheSalesUnitIsFilledIn() async throws {
        let directory = try TemporaryDirectory()
        var secretFiles: [String] = []
        for (name, value) in [("client-secret", "example-secret"), ("subscription-key", "example-key")] {
            let file = directory.file(name)
            try Data("\(value)\n".utf8).write(to: file)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
            secretFiles.append(file.path)
        }
        let check = [DaemonSetup.executable, "--check-config", "--config", Self.example.path]

        // As shipped, the placeholders stop the daemon with EX_CONFIG, which the unit does not restart on.
        let placeholders = try await StagingRoot.runAllowingFailure("env", ["-i", "PATH=/usr/bin:/bin"] + check)
        #expect(placeholders.status == 78)
        #expect(placeholders.standardError.contains("vipps.clientId"))

        // Filled in (here through the environment, which overrides the file), every other setting is accepted.
        let filledIn = try await StagingRoot.runAllowingFailure(
            "env",
            [
                "-i", "PATH=/usr/bin:/bin", "VIPPS_CLIENT_ID=2f7c1a6e-8d3b-4c55-9b61-0f4c2e7d9a10",
                "VIPPS_MERCHANT_SERIAL_NUMBER=123456", "VIPPS_CLIENT_SECRET_FILE=\(secretFiles[0])",
                "VIPPS_SUBSCRIPTION_KEY_FILE=\(secretFiles[1])",
                "DISPLAY_ASSETS_DIRECTORY=\(packageRoot.appendingPathComponent("assets/display").path)",
            ] + check
        )
        #expect(filledIn.status == 0, "\(filledIn.standardError)")
        #expect(filledIn.output.contains("Configuration OK (test (apitest.vipps.no), MSN 123456)"))
    }
}
