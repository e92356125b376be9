import Configuration
import Foundation
import PaymentCore
import QRPayConfiguration
import QRPayDaemon
import TestSupport
import Testing
import VippsAPI

/// qrpayd refuses to start on a bad setting, and the message names the setting.
@Suite struct ConfigurationTests {
    static let valid: [String: String] = [
        "vipps.environment": "test",
        "vipps.clientId": "2f7c1a6e-8d3b-4c55-9b61-0f4c2e7d9a10",
        "vipps.merchantSerialNumber": "123456",
        "display.enabled": "false",
    ]
    static let secrets = ["VIPPS_CLIENT_SECRET": "s3cret-value", "VIPPS_SUBSCRIPTION_KEY": "k3y-value"]

    static func load(
        _ settings: [String: String],
        environment: [String: String] = secrets
    ) async throws -> DaemonConfiguration {
        let reader = try await QRPayConfiguration.reader(
            file: nil,
            overrides: settings,
            environment: environment,
            readsFile: false
        )
        return try DaemonConfiguration(config: reader, environment: environment)
    }

    @Test func validSettingsLoadWithDefaults() async throws {
        let configuration = try await Self.load(Self.valid)
        #expect(configuration.vipps.credentials.merchantSerialNumber == "123456")
        #expect(configuration.engine.settlement == .auto)
        #expect(configuration.engine.qrMode == .qrAPI)
        #expect(configuration.engine.fallBackURL == "https://www.vipps.no/thankyoupage/")
        #expect(configuration.engine.pollInterval == .seconds(1))
        #expect(configuration.engine.minimumAmount == 100)
        #expect(configuration.service.controlSocketPath == "/run/qrpayd/control.sock")
        #expect(configuration.vipps.secretSources["vipps.clientSecret"] == .environment("VIPPS_CLIENT_SECRET"))
        #expect(!"\(configuration.vipps.credentials)".contains("s3cret-value"))
    }

    @Test(arguments: [
        ("vipps.merchantSerialNumber", "1234", "vipps.merchantSerialNumber"),
        ("vipps.merchantSerialNumber", "12345a", "vipps.merchantSerialNumber"),
        ("vipps.clientId", "not-a-guid", "vipps.clientId"),
        ("vipps.environment", "staging", "vipps.environment"),
        ("vipps.baseURL", "https://api.vipps.no", "vipps.baseURL"),
        ("vipps.baseURL", "http://vipps.example.com", "vipps.baseURL"),
        ("vipps.fallBackURL", "http://www.example.com/", "vipps.fallBackURL"),
        ("vipps.fallBackURL", "https://localhost/", "vipps.fallBackURL"),
        ("vipps.callbackPrefix", "myapp://callback", "vipps.callbackPrefix"),
        ("payment.settlement", "later", "payment.settlement"),
        ("payment.maximumAmount", "50", "payment.maximumAmount"),
        ("payment.minimumAmount", "99", "payment.minimumAmount"),
        ("payment.minimumAmount", "2000000", "payment.minimumAmount"),
        ("payment.pollIntervalMilliseconds", "100", "payment.pollIntervalMilliseconds"),
        ("payment.orderIdPrefix", "kiosk 7", "payment.orderIdPrefix"),
        ("payment.refunds.enabled", "perhaps", "payment.refunds.enabled"),
        ("qr.mode", "image", "qr.mode"),
        ("qr.errorCorrection", "Z", "qr.errorCorrection"),
        ("control.socketPath", "relative.sock", "control.socketPath"),
        ("control.socketMode", "0666", "control.socketMode"),
        ("log.level", "loud", "log.level"),
        ("metrics.listen", "9808", "metrics.listen"),
        ("metrics.listen", "example.com:9808", "metrics.listen"),
        ("metrics.listen", "127.0.0.1:99999", "metrics.listen"),
        ("metrics.enabled", "sometimes", "metrics.enabled"),
    ])
    func badSettingIsNamed(key: String, value: String, named: String) async throws {
        var settings = Self.valid
        settings[key] = value
        let error = await #expect(throws: ConfigurationError.self) { try await Self.load(settings) }
        #expect(error?.key == named, "\(String(describing: error))")
    }

    /// qrpayctl reads only the shared part (no payment engine, no display server linked): it must accept and refuse
    /// exactly what the daemon does for the keys it reads, and not trip over the keys it leaves to the daemon.
    @Test func theSharedPartJudgesItsKeysAsTheDaemonDoes() async throws {
        func shared(_ settings: [String: String]) async throws -> QRPayConfiguration {
            let reader = try await QRPayConfiguration.reader(
                file: nil,
                overrides: settings,
                environment: Self.secrets,
                readsFile: false
            )
            return try QRPayConfiguration(config: reader, environment: Self.secrets)
        }
        var settings = Self.valid
        settings["payment.currency"] = "dkk"
        settings["vipps.api"] = "epayment"
        settings["payment.settlement"] = "sometimes"  // the daemon's to judge, not qrpayctl's
        let configuration = try await shared(settings)
        #expect(configuration.vipps.currency == .dkk)
        #expect(configuration.vipps.api == .epayment)
        #expect(configuration.service.stateDirectory == "/var/lib/qrpayd")
        await #expect(throws: ConfigurationError.self) { try await Self.load(settings) }
        settings["vipps.api"] = "ecom"
        let error = await #expect(throws: ConfigurationError.self) { try await shared(settings) }
        #expect(error?.key == "payment.currency")
    }

    /// One definition of "this box": the display's listen address, a simulator's plain-http URL, doctor's DNS skip.
    @Test(arguments: [
        ("127.0.0.1", true, true), ("127.1.2.3", true, true), ("::1", true, true), ("[::1]", true, true),
        ("localhost", false, true), ("LOCALHOST", false, true), ("127.0.0.256", false, false),
        ("127.0.0", false, false), ("0.0.0.0", false, false), ("10.0.0.1", false, false),
        ("apitest.vipps.no", false, false), ("127.example.com", false, false),
    ])
    func loopbackIsDefinedOnce(host: String, isAddress: Bool, isHost: Bool) {
        #expect(Loopback.isAddress(host) == isAddress)
        #expect(Loopback.isHost(host) == isHost)
    }

    @Test func plainHTTPIsForASimulatorOnThisBoxOnly() async throws {
        for (url, allowed) in [
            ("http://127.0.0.1:8080", true), ("http://[::1]:8080", true), ("http://localhost:8080", true),
            ("http://192.168.1.5:8080", false),
        ] {
            var settings = Self.valid
            settings["vipps.baseURL"] = url
            if allowed {
                let configuration = try await Self.load(settings)
                #expect(configuration.vipps.environment.baseURL == url)
            } else {
                let error = await #expect(throws: ConfigurationError.self) { try await Self.load(settings) }
                #expect(error?.key == "vipps.baseURL")
            }
        }
    }

    /// Plain http carries the secrets and the access token in clear: only `environment: test` takes it (a
    /// simulator on this box), never production, not even on loopback.
    @Test(arguments: ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"])
    func plainHTTPIsRefusedInProduction(url: String) async throws {
        var settings = Self.valid
        settings["vipps.environment"] = "production"
        settings["vipps.baseURL"] = url
        let error = await #expect(throws: ConfigurationError.self) { try await Self.load(settings) }
        #expect(error?.key == "vipps.baseURL")
        #expect(error?.message.contains("only vipps.environment 'test'") == true, "\(String(describing: error))")
        settings["vipps.baseURL"] = "https://api.vipps.no"
        #expect(try await Self.load(settings).vipps.environment.isTest == false)
    }

    /// Under systemd (`INVOCATION_ID` set) a secret from the environment is refused, naming the credentials
    /// directory; outside systemd, and from the credentials directory under systemd, it is accepted.
    @Test func secretsFromTheEnvironmentAreRefusedUnderSystemd() async throws {
        var environment = Self.secrets
        environment["INVOCATION_ID"] = "5c2b0a7e1f3d4e6a8b9c0d1e2f3a4b5c"
        let error = await #expect(throws: ConfigurationError.self) {
            try await Self.load(Self.valid, environment: environment)
        }
        #expect(error?.key == "vipps.clientSecret")
        let message = error?.message ?? ""
        #expect(message.contains("VIPPS_CLIENT_SECRET"))
        #expect(message.contains("/etc/qrpayd/credentials/vipps-client-secret"))
        #expect(message.contains("LoadCredential="))
        #expect(!message.contains("s3cret-value"))

        // The same secrets as systemd credentials: accepted, and they win over the environment.
        let directory = try TemporaryDirectory()
        try "from-credential".write(to: directory.file("vipps-client-secret"), atomically: true, encoding: .utf8)
        try "key-from-credential".write(to: directory.file("vipps-subscription-key"), atomically: true, encoding: .utf8)
        environment["CREDENTIALS_DIRECTORY"] = directory.path
        let configuration = try await Self.load(Self.valid, environment: environment)
        #expect(configuration.vipps.secretSources["vipps.subscriptionKey"] == .credential("vipps-subscription-key"))

        // Only one of them in the credentials directory: the other, from the environment, is still refused.
        try FileManager.default.removeItem(at: directory.file("vipps-subscription-key"))
        let partial = await #expect(throws: ConfigurationError.self) {
            try await Self.load(Self.valid, environment: environment)
        }
        #expect(partial?.key == "vipps.subscriptionKey")
        #expect(partial?.message.contains("/etc/qrpayd/credentials/vipps-subscription-key") == true)
    }

    /// `qrpayd --check-config`, the real binary: under systemd it refuses environment secrets with the same words;
    /// outside it accepts them and notes that the service would not.
    @Test func checkConfigSaysTheSameAboutEnvironmentSecrets() async throws {
        let directory = try TemporaryDirectory()
        let file = directory.file("qrpayd.json")
        try #"""
        {"vipps": {"clientId": "2f7c1a6e-8d3b-4c55-9b61-0f4c2e7d9a10", "merchantSerialNumber": "123456"},
         "display": {"enabled": false}}
        """#
        .write(to: file, atomically: true, encoding: .utf8)
        var environment = Self.secrets
        environment["PATH"] = "/usr/bin:/bin"
        let outside = try await Self.checkConfig(file.path, environment: environment)
        #expect(outside.status == 0, "\(outside.standardError)")
        #expect(outside.output.contains("Note: vipps.clientSecret comes from VIPPS_CLIENT_SECRET"))
        #expect(outside.output.contains("refuses under systemd; install it in /etc/qrpayd/credentials"))
        environment["INVOCATION_ID"] = "5c2b0a7e1f3d4e6a8b9c0d1e2f3a4b5c"
        let underSystemd = try await Self.checkConfig(file.path, environment: environment)
        #expect(underSystemd.status == 78)
        #expect(underSystemd.standardError.contains("/etc/qrpayd/credentials/vipps-client-secret"))
        #expect(!underSystemd.standardError.contains("s3cret-value"))
    }

    /// `qrpayd --check-config --config file` with exactly `environment`.
    static func checkConfig(
        _ file: String,
        environment: [String: String]
    ) async throws -> (status: Int32, output: String, standardError: String) {
        let child = try SpawnedProcess(
            productPath("qrpayd"),
            ["--config", file, "--check-config"],
            environment: environment,
            standardOutput: .collected,
            standardError: .collected
        )
        let termination = await child.waitForExit()
        return (
            termination?.status ?? -1,
            String(decoding: await child.output(), as: UTF8.self),
            String(decoding: await child.errorOutput(), as: UTF8.self)
        )
    }

    @Test func metricsAreOffUntilConfiguredAndListenOnLoopbackByDefault() async throws {
        #expect(try await Self.load(Self.valid).service.metricsListen == nil)
        var enabled = Self.valid
        enabled["metrics.enabled"] = "true"
        #expect(try await Self.load(enabled).service.metricsListen?.description == "127.0.0.1:9808")
        var listen = Self.valid
        listen["metrics.listen"] = "[::1]:9100"
        let address = try #require(try await Self.load(listen).service.metricsListen)
        #expect(address.host == "::1")
        #expect(address.port == 9100)
        #expect(address.description == "[::1]:9100")
        listen["metrics.enabled"] = "false"
        #expect(try await Self.load(listen).service.metricsListen == nil)
    }

    @Test func testEnvironmentPointedAtProductionIsCaught() async throws {
        var settings = Self.valid
        settings["vipps.baseURL"] = "https://api.vipps.no"
        let error = await #expect(throws: ConfigurationError.self) { try await Self.load(settings) }
        #expect(error?.message.contains("production") == true)
    }

    @Test func missingSecretsSayWhereToPutThem() async throws {
        let error = await #expect(throws: ConfigurationError.self) { try await Self.load(Self.valid, environment: [:]) }
        #expect(error?.key == "vipps.clientSecret")
        #expect(error?.message.contains("vipps-client-secret") == true)
    }

    @Test func secretsComeFromSystemdCredentialsFirst() async throws {
        let directory = try TemporaryDirectory()
        try "from-credential\n".write(to: directory.file("vipps-client-secret"), atomically: true, encoding: .utf8)
        try "key-from-credential".write(to: directory.file("vipps-subscription-key"), atomically: true, encoding: .utf8)
        var environment = Self.secrets
        environment["CREDENTIALS_DIRECTORY"] = directory.path
        let configuration = try await Self.load(Self.valid, environment: environment)
        #expect(configuration.vipps.credentials.clientSecret == "from-credential")
        #expect(configuration.vipps.credentials.subscriptionKey == "key-from-credential")
        #expect(configuration.vipps.secretSources["vipps.clientSecret"] == .credential("vipps-client-secret"))
    }

    @Test func secretFilesReadableByOthersAreRefused() async throws {
        let directory = try TemporaryDirectory()
        let file = directory.file("secret")
        try "value".write(to: file, atomically: true, encoding: .utf8)
        chmod(file.path, 0o644)
        var settings = Self.valid
        settings["vipps.clientSecretFile"] = file.path
        let error = await #expect(throws: ConfigurationError.self) { try await Self.load(settings, environment: [:]) }
        #expect(error?.message.contains("chmod 600") == true)
        #expect(error?.message.contains("value") == false)
        chmod(file.path, 0o600)
        settings["vipps.subscriptionKeyFile"] = file.path
        #expect(try await Self.load(settings, environment: [:]).vipps.credentials.clientSecret == "value")
    }

    /// A prefix fixed in the file makes every box given the file send the same orderIds: `--check-config` accepts
    /// it (exit 0) but warns; without it, the box's own prefix is used and nothing is said.
    @Test func checkConfigWarnsAboutAFixedOrderIdPrefix() async throws {
        let directory = try TemporaryDirectory()
        let file = directory.file("qrpayd.json")
        var environment = Self.secrets
        environment["PATH"] = "/usr/bin:/bin"
        try
            #"{"vipps": {"clientId": "2f7c1a6e-8d3b-4c55-9b61-0f4c2e7d9a10", "merchantSerialNumber": "123456"}, "display": {"enabled": false}, "payment": {"orderIdPrefix": "kiosk1-"}}"#
            .write(to: file, atomically: true, encoding: .utf8)
        let fixed = try await Self.checkConfig(file.path, environment: environment)
        #expect(fixed.status == 0, "\(fixed.standardError)")
        #expect(
            fixed.standardError.contains(
                "qrpayd: warning: payment.orderIdPrefix: 'kiosk1-' is fixed in the configuration"
            )
        )

        try
            #"{"vipps": {"clientId": "2f7c1a6e-8d3b-4c55-9b61-0f4c2e7d9a10", "merchantSerialNumber": "123456"}, "display": {"enabled": false}}"#
            .write(to: file, atomically: true, encoding: .utf8)
        let own = try await Self.checkConfig(file.path, environment: environment)
        #expect(own.status == 0, "\(own.standardError)")
        #expect(!own.standardError.contains("orderIdPrefix"))
    }

    @Test func retentionIsDaysAndDefaultsTo400() async throws {
        #expect(try await Self.load(Self.valid).engine.retention == .seconds(400 * 86_400))
        var settings = Self.valid
        settings["state.retention"] = "30"
        #expect(try await Self.load(settings).engine.retention == .seconds(30 * 86_400))
        settings["state.retention"] = "0"
        let error = await #expect(throws: ConfigurationError.self) { try await Self.load(settings) }
        #expect(error?.key == "state.retention")
    }

    @Test func theRealBinaryExitsWith78OnABadSetting() async throws {
        let directory = try TemporaryDirectory()
        let file = directory.file("qrpayd.json")
        try #"{"vipps": {"clientId": "2f7c1a6e-8d3b-4c55-9b61-0f4c2e7d9a10", "merchantSerialNumber": "12"}}"#
            .write(to: file, atomically: true, encoding: .utf8)
        let result = try await ExternalTool.launch(productPath("qrpayd"), ["--config", file.path, "--check-config"])
        #expect(result.status == 78)
        #expect(result.standardError.contains("vipps.merchantSerialNumber"))
    }
}
