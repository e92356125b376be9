import Configuration
import Foundation
import PaymentCore
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
        let reader = try await DaemonConfiguration.reader(
            file: nil,
            overrides: settings,
            environment: environment,
            readsFile: false
        )
        return try DaemonConfiguration(config: reader, environment: environment)
    }

    @Test func validSettingsLoadWithDefaults() async throws {
        let configuration = try await Self.load(Self.valid)
        #expect(configuration.credentials.merchantSerialNumber == "123456")
        #expect(configuration.engine.settlement == .auto)
        #expect(configuration.engine.qrMode == .qrAPI)
        #expect(configuration.engine.fallBackURL == "https://www.vipps.no/thankyoupage/")
        #expect(configuration.engine.pollInterval == .seconds(1))
        #expect(configuration.engine.minimumAmount == 100)
        #expect(configuration.controlSocketPath == "/run/qrpayd/control.sock")
        #expect(configuration.secretSources["vipps.clientSecret"] == .environment("VIPPS_CLIENT_SECRET"))
        #expect(!"\(configuration.credentials)".contains("s3cret-value"))
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

    @Test func metricsAreOffUntilConfiguredAndListenOnLoopbackByDefault() async throws {
        #expect(try await Self.load(Self.valid).metricsListen == nil)
        var enabled = Self.valid
        enabled["metrics.enabled"] = "true"
        #expect(try await Self.load(enabled).metricsListen?.description == "127.0.0.1:9808")
        var listen = Self.valid
        listen["metrics.listen"] = "[::1]:9100"
        let address = try #require(try await Self.load(listen).metricsListen)
        #expect(address.host == "::1")
        #expect(address.port == 9100)
        #expect(address.description == "[::1]:9100")
        listen["metrics.enabled"] = "false"
        #expect(try await Self.load(listen).metricsListen == nil)
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
        #expect(configuration.credentials.clientSecret == "from-credential")
        #expect(configuration.credentials.subscriptionKey == "key-from-credential")
        #expect(configuration.secretSources["vipps.clientSecret"] == .credential("vipps-client-secret"))
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
        #expect(try await Self.load(settings, environment: [:]).credentials.clientSecret == "value")
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
