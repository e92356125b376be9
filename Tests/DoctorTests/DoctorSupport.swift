import Foundation
import Synchronization
import TestSupport
import VippsSimulator

/// What one run of the real `qrpayctl doctor --json` printed and how it ended.
struct DoctorRun {
    var status: Int32
    var output: String
    var errors: String

    /// The `checks` of the JSON report, by name.
    var checks: [String: [String: Any]] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(self.output.utf8)) as? [String: Any],
            let checks = object["checks"] as? [[String: Any]]
        else { return [:] }
        var byName: [String: [String: Any]] = [:]
        for check in checks {
            if let name = check["name"] as? String { byName[name] = check }
        }
        return byName
    }

    var ok: Bool? {
        (try? JSONSerialization.jsonObject(with: Data(self.output.utf8)) as? [String: Any])?["ok"] as? Bool
    }

    func status(of name: String) -> String? { self.checks[name]?["status"] as? String }
    func detail(of name: String) -> String { self.checks[name]?["detail"] as? String ?? "" }
    func fix(of name: String) -> String { self.checks[name]?["fix"] as? String ?? "" }
}

/// A configuration file for the simulator's demo sales unit, changed as a test needs.
struct DoctorSetup {
    let directory: TemporaryDirectory
    var json: [String: [String: Any]]
    /// The secrets, as environment variables, unless a case takes them away.
    var environment: [String: String]

    var configPath: String { self.directory.file("qrpayd.json").path }
    var socketPath: String { self.directory.file("control.sock").path }
    var statePath: String { self.directory.file("state").path }

    init(simulatorPort: Int) throws {
        self.directory = try TemporaryDirectory(prefix: "qrpayd-doctor")
        let unit = VippsSimulatorConfiguration.demoSalesUnit
        self.json = [
            "vipps": [
                "environment": "test",
                "baseURL": "http://127.0.0.1:\(simulatorPort)",
                "clientId": unit.clientID,
                "merchantSerialNumber": unit.msn,
                "requestTimeoutSeconds": 30,
            ],
            "payment": ["orderIdPrefix": "kiosk7-", "pollIntervalMilliseconds": 500],
            "display": ["enabled": false],
            "state": ["directory": self.directory.file("state").path],
            "control": ["socketPath": self.directory.file("control.sock").path],
            "log": ["level": "info"],
        ]
        self.environment = [
            "VIPPS_CLIENT_SECRET": unit.clientSecret,
            "VIPPS_SUBSCRIPTION_KEY": unit.subscriptionKey,
        ]
        try FileManager.default.createDirectory(atPath: self.statePath, withIntermediateDirectories: true)
    }

    /// Writes `value` to `name` in the temporary directory with `mode`, and returns its path.
    func secretFile(_ name: String, _ value: String, mode: Int) throws -> String {
        let path = self.directory.file(name).path
        try Data((value + "\n").utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    func write() throws {
        try JSONSerialization.data(withJSONObject: self.json, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: self.configPath))
    }

    /// The process environment without anything that would change what qrpayd or qrpayctl read, plus `extra`.
    static func cleanEnvironment(_ extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { key, _ in
            !key.hasPrefix("VIPPS_") && !key.hasPrefix("QRPAYD_") && !key.hasPrefix("VIPPS.")
        }
        for key in [
            "CREDENTIALS_DIRECTORY", "STATE_DIRECTORY", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS",
            "LISTEN_PID", "JOURNAL_STREAM",
        ] {
            environment[key] = nil
        }
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    /// Runs the real `qrpayctl doctor --json` with this setup's configuration file.
    func doctor(_ arguments: [String] = [], environment extra: [String: String] = [:]) async throws -> DoctorRun {
        try self.write()
        var environment = Self.cleanEnvironment(self.environment)
        for (key, value) in extra { environment[key] = value }
        return try await runProcess(
            productPath("qrpayctl"),
            ["doctor", "--config", self.configPath, "--json"] + arguments,
            environment: environment
        )
    }
}

/// Runs a program to completion and returns what it printed.
func runProcess(_ path: String, _ arguments: [String], environment: [String: String]) async throws -> DoctorRun {
    let child = try SpawnedProcess(
        path,
        arguments,
        environment: environment,
        standardOutput: .collected,
        standardError: .collected
    )
    let termination = await child.waitForExit()
    return DoctorRun(
        status: termination?.status ?? -1,
        output: String(decoding: await child.output(), as: UTF8.self),
        errors: String(decoding: await child.errorOutput(), as: UTF8.self)
    )
}
