import Foundation
import TestSupport
import Testing

/// The shipped alert rules as an operator loads them: `promtool` accepts them, and its unit tests fire every alert
/// from series shaped like qrpayd's and none on a healthy box.
@Suite(.timeLimit(.minutes(1)))
struct AlertRulesTests {
    static let directory = packageRoot.appendingPathComponent("contrib/prometheus")
    static let promtool = "/usr/bin/promtool"

    static func promtool(_ arguments: [String]) async throws -> (status: Int32?, output: String) {
        #expect(FileManager.default.isExecutableFile(atPath: Self.promtool), "apt-get install prometheus")
        let process = try SpawnedProcess(
            Self.promtool,
            arguments,
            environment: ProcessInfo.processInfo.environment,
            standardOutput: .collected,
            standardError: .collected
        )
        let status = await process.waitForExit()?.status
        let output = await process.output() + process.errorOutput()
        return (status, String(decoding: output, as: UTF8.self))
    }

    @Test func promtoolAcceptsTheRules() async throws {
        let result = try await Self.promtool([
            "check", "rules", Self.directory.appendingPathComponent("qrpayd.rules.yml").path,
        ])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("SUCCESS: 11 rules found"), "\(result.output)")
    }

    @Test func everyAlertFiresFromItsSeriesAndNoneOnAHealthyBox() async throws {
        let result = try await Self.promtool([
            "test", "rules", Self.directory.appendingPathComponent("qrpayd.rules.test.yml").path,
        ])
        #expect(result.status == 0, "\(result.output)")
        // Every alert of the rules file has a test that expects it to fire.
        let rules = try String(contentsOf: Self.directory.appendingPathComponent("qrpayd.rules.yml"), encoding: .utf8)
        let tests = try String(
            contentsOf: Self.directory.appendingPathComponent("qrpayd.rules.test.yml"),
            encoding: .utf8
        )
        let alerts = rules.matches(of: /- alert: (\w+)/).map { String($0.output.1) }
        #expect(alerts.count == 11)
        for alert in alerts {
            #expect(tests.contains("alertname: \(alert)\n        exp_alerts:\n"), "\(alert) is never shown to fire")
        }
    }
}
