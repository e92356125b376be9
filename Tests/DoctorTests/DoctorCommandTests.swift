import Foundation
import TestSupport
import Testing
import VippsSimulator

@Suite("qrpayctl doctor", .serialized)
struct DoctorCommandTests {
    @Test("a healthy installation is all green and exits 0")
    func healthy() async throws {
        try await SimulatorHarness.run { simulator in
            var setup = try DoctorSetup(simulatorPort: simulator.port)
            let unit = VippsSimulatorConfiguration.demoSalesUnit
            let secretPath = try setup.secretFile("client-secret", unit.clientSecret, mode: 0o600)
            let keyPath = try setup.secretFile("subscription-key", unit.subscriptionKey, mode: 0o600)
            setup.environment = [:]
            setup.json["vipps"]?["clientSecretFile"] = secretPath
            setup.json["vipps"]?["subscriptionKeyFile"] = keyPath
            setup.json["display"] = [
                "enabled": true, "port": 0,
                "assetsDirectory": packageRoot.appendingPathComponent("assets/display").path,
            ]
            try setup.write()
            let daemon = try DaemonProcess(
                arguments: ["--config", setup.configPath],
                environment: DoctorSetup.cleanEnvironment([:]),
                socketPath: setup.socketPath
            )
            try await daemon.waitUntilReady()
            let run = try await setup.doctor()
            await daemon.stop(with: SIGTERM)

            #expect(run.status == 0, "\(run.output)\n\(run.errors)")
            #expect(run.ok == true)
            let expected = [
                "configuration", "credentials", "vipps", "clock", "access-token", "qr-api", "state-directory",
                "control-socket", "daemon", "display",
            ]
            for name in expected {
                #expect(run.status(of: name) == "ok", "\(name): \(run.detail(of: name)) \(run.fix(of: name))")
            }
            #expect(run.checks["dns"] == nil, "loopback is not looked up in DNS")
            #expect(run.detail(of: "credentials").contains("file \(secretPath)"))
            #expect(run.detail(of: "credentials").contains("file \(keyPath)"))
            #expect(!run.output.contains(unit.clientSecret) && !run.output.contains(unit.subscriptionKey))
        }
    }

    @Test("secrets from the credential files LoadCredential= reads are named by their source")
    func credentialsDirectory() async throws {
        try await SimulatorHarness.run { simulator in
            var setup = try DoctorSetup(simulatorPort: simulator.port)
            let unit = VippsSimulatorConfiguration.demoSalesUnit
            let credentials = setup.directory.file("credentials")
            try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
            try Data(unit.clientSecret.utf8).write(to: credentials.appendingPathComponent("vipps-client-secret"))
            try Data(unit.subscriptionKey.utf8).write(to: credentials.appendingPathComponent("vipps-subscription-key"))
            setup.environment = ["CREDENTIALS_DIRECTORY": credentials.path]
            let run = try await setup.doctor()
            #expect(run.status(of: "credentials") == "ok")
            #expect(run.detail(of: "credentials").contains("systemd credential vipps-client-secret"))
            #expect(run.detail(of: "credentials").contains("systemd credential vipps-subscription-key"))
            #expect(run.status(of: "access-token") == "ok", "\(run.output)")
        }
    }

    /// One misconfiguration doctor claims to find: how to make it, and what it must say.
    struct Misconfiguration: Sendable, CustomTestStringConvertible {
        var name: String
        var simulator: VippsSimulatorConfiguration = .demo
        var change: @Sendable (inout DoctorSetup) throws -> Void = { _ in }
        var check: String
        var says: String
        var fixSays: String? = nil

        var testDescription: String { self.name }
    }

    static let misconfigurations: [Misconfiguration] = [
        Misconfiguration(
            name: "wrong subscription key",
            change: { $0.environment["VIPPS_SUBSCRIPTION_KEY"] = "not-the-key" },
            check: "access-token",
            says: "The subscription key is not valid here",
            fixSays: "Test and production are separate"
        ),
        Misconfiguration(
            name: "wrong client secret",
            change: { $0.environment["VIPPS_CLIENT_SECRET"] = "not-the-secret" },
            check: "access-token",
            says: "client_id or client_secret is wrong",
            fixSays: "same sales unit"
        ),
        Misconfiguration(
            name: "login-only sales unit",
            simulator: VippsSimulatorConfiguration(salesUnits: [
                Self.demoUnit { $0.loginOnly = true }
            ]),
            check: "qr-api",
            says: "This sales unit may not take payments",
            fixSays: "Vipps på nett"
        ),
        Misconfiguration(
            name: "deactivated merchant",
            simulator: VippsSimulatorConfiguration(salesUnits: [
                Self.demoUnit { $0.deactivated = true }
            ]),
            check: "qr-api",
            says: "The sales unit is deactivated or blocked",
            fixSays: "Brønnøysundregistrene"
        ),
        Misconfiguration(
            name: "missing secret",
            change: { setup in
                setup.environment["VIPPS_CLIENT_SECRET"] = nil
                setup.json["vipps"]?["clientSecretFile"] = setup.directory.file("no-such-secret").path
            },
            check: "credentials",
            says: "vipps.clientSecret: cannot read"
        ),
        Misconfiguration(
            name: "secret readable by others",
            change: { setup in
                setup.environment["VIPPS_SUBSCRIPTION_KEY"] = nil
                let path = try setup.secretFile(
                    "subscription-key",
                    VippsSimulatorConfiguration.demoSalesUnit.subscriptionKey,
                    mode: 0o644
                )
                setup.json["vipps"]?["subscriptionKeyFile"] = path
            },
            check: "credentials",
            says: "readable by group or others"
        ),
        Misconfiguration(
            name: "no secret at all",
            change: { $0.environment = [:] },
            check: "credentials",
            says: "vipps.clientSecret: is not set"
        ),
        Misconfiguration(
            name: "bad configuration value",
            change: { $0.json["payment"]?["settlement"] = "sometimes" },
            check: "configuration",
            says: "payment.settlement: 'sometimes' must be 'auto' or 'till'",
            fixSays: "qrpayd --check-config"
        ),
        Misconfiguration(
            name: "state directory not writable",
            change: { $0.json["state"] = ["directory": "/proc"] },
            check: "state-directory",
            says: "/proc is not writable"
        ),
        Misconfiguration(
            name: "state directory missing",
            change: { setup in setup.json["state"] = ["directory": setup.directory.file("gone").path] },
            check: "state-directory",
            says: "does not exist"
        ),
        Misconfiguration(
            name: "daemon not running",
            check: "control-socket",
            says: "there is no socket at",
            fixSays: "systemctl enable --now qrpayd.socket"
        ),
    ]

    static func demoUnit(_ change: (inout VippsSimulatorConfiguration.SalesUnit) -> Void)
        -> VippsSimulatorConfiguration.SalesUnit
    {
        var unit = VippsSimulatorConfiguration.demoSalesUnit
        change(&unit)
        return unit
    }

    @Test("each misconfiguration is found, explained, and exits 1", arguments: Self.misconfigurations)
    func misconfiguration(_ misconfiguration: Misconfiguration) async throws {
        try await SimulatorHarness.run(misconfiguration.simulator) { simulator in
            var setup = try DoctorSetup(simulatorPort: simulator.port)
            try misconfiguration.change(&setup)
            let run = try await setup.doctor()
            #expect(run.status == 1, "\(run.output)\n\(run.errors)")
            #expect(run.ok == false)
            let check = misconfiguration.check
            #expect(run.status(of: check) == "fail", "\(check): \(run.output)")
            #expect(run.detail(of: check).contains(misconfiguration.says), "\(run.detail(of: check))")
            if let fixSays = misconfiguration.fixSays {
                #expect(run.fix(of: check).contains(fixSays), "\(run.fix(of: check))")
            }
            // Only the daemon is missing in these setups; nothing else may be blamed.
            let blamed = run.checks.filter { _, value in value["status"] as? String == "fail" }.keys
            #expect(Set(blamed).subtracting([check, "control-socket"]).isEmpty, "\(run.output)")
        }
    }

    @Test("keys of the other environment are recognised as such")
    func otherEnvironmentKeys() async throws {
        let productionUnit = VippsSimulatorConfiguration.SalesUnit(
            msn: "654321",
            clientID: "prod-client-id",
            clientSecret: "prod-client-secret",
            subscriptionKey: "prod-subscription-key"
        )
        let production = VippsSimulatorConfiguration(environment: .production, salesUnits: [productionUnit])
        let test = VippsSimulatorConfiguration(otherEnvironmentSubscriptionKeys: [productionUnit.subscriptionKey])
        try await SimulatorHarness.run(production) { productionSimulator in
            try await SimulatorHarness.run(test) { testSimulator in
                var setup = try DoctorSetup(simulatorPort: testSimulator.port)
                setup.json["vipps"]?["clientId"] = productionUnit.clientID
                setup.json["vipps"]?["merchantSerialNumber"] = productionUnit.msn
                setup.environment = [
                    "VIPPS_CLIENT_SECRET": productionUnit.clientSecret,
                    "VIPPS_SUBSCRIPTION_KEY": productionUnit.subscriptionKey,
                ]
                let run = try await setup.doctor(["--other-environment-url", productionSimulator.baseURL])
                #expect(run.status == 1)
                #expect(run.status(of: "access-token") == "fail")
                #expect(run.detail(of: "access-token").contains("The subscription key is not valid here"))
                #expect(run.detail(of: "access-token").contains("these keys look like production keys"))
                #expect(run.fix(of: "access-token").contains("vipps.environment to \"production\""))
            }
        }
    }
}

extension DoctorCommandTests {
    @Test("with vipps.api epayment the doctor checks the ePayment API and the currency, not the QR API")
    func epayment() async throws {
        try await SimulatorHarness.run { simulator in
            var setup = try DoctorSetup(simulatorPort: simulator.port)
            setup.json["vipps"]?["api"] = "epayment"
            setup.json["payment"] = ["currency": "DKK", "orderIdPrefix": "kiosk7-"]
            try setup.write()
            let run = try await setup.doctor()
            #expect(run.status(of: "epayment-api") == "ok", "\(run.output)\n\(run.errors)")
            #expect(run.detail(of: "epayment-api").contains("accepts these keys"))
            #expect(run.checks["qr-api"] == nil)
            #expect(run.status(of: "currency") == "warning")
            #expect(run.fix(of: "currency").contains("DKK"))
            let ePaymentCalls = await simulator.simulator.requests().filter { $0.path.hasPrefix("/epayment/") }
            #expect(ePaymentCalls.count == 1)
        }
    }

    @Test("keys that ePayment refuses fail the epayment-api check")
    func epaymentRefused() async throws {
        try await SimulatorHarness.run { simulator in
            var setup = try DoctorSetup(simulatorPort: simulator.port)
            setup.json["vipps"]?["api"] = "epayment"
            try setup.write()
            await simulator.simulator.inject(
                .status(403, bodyShape: .responseInfo, count: 1, pathPrefix: "/epayment/")
            )
            let run = try await setup.doctor()
            #expect(run.status(of: "epayment-api") == "fail")
            #expect(run.status == 1)
        }
    }
}

extension DoctorCommandTests {
    /// A prefix fixed in the configuration is the same on every box given the file: the doctor warns (through
    /// `qrpayd --check-config`), and says nothing when the box's own prefix is used.
    @Test("a fixed payment.orderIdPrefix is warned about")
    func fixedOrderIdPrefix() async throws {
        try await SimulatorHarness.run { simulator in
            var setup = try DoctorSetup(simulatorPort: simulator.port)
            let fixed = try await setup.doctor()
            #expect(fixed.status(of: "orderid-prefix") == "warning", "\(fixed.output)\n\(fixed.errors)")
            #expect(fixed.detail(of: "orderid-prefix").contains("'kiosk7-' is fixed in the configuration"))
            #expect(fixed.detail(of: "orderid-prefix").contains("collide"))
            #expect(fixed.fix(of: "orderid-prefix").contains("Remove payment.orderIdPrefix from \(setup.configPath)"))
            #expect(fixed.status(of: "configuration") == "ok")

            setup.json["payment"]?["orderIdPrefix"] = nil
            let own = try await setup.doctor()
            #expect(own.checks["orderid-prefix"] == nil, "\(own.output)")
            #expect(own.status(of: "configuration") == "ok", "\(own.output)")
        }
    }
}
