import Foundation
import PaymentCore
import TestSupport
import Testing
import VippsSimulator

/// `qrpayctl health/watch`, and what it does when things go wrong.
@Suite struct DaemonCommandTests {
    @Test func healthReadably() async throws {
        try await DaemonHarness.run { daemon in
            let health = try await daemon.qrpayctl("health")
            #expect(health.status == 0, "\(health.standardError)")
            #expect(health.output.contains("status"))
            #expect(health.output.contains("ok"))
            #expect(health.output.contains("9.9.9-test"))
            #expect(health.output.contains("reachable (simulator)"))
            #expect(health.output.contains("none"))
        }
    }

    @Test func healthAsJSON() async throws {
        try await DaemonHarness.run { daemon in
            let health = try await daemon.qrpayctl("health", "--json")
            #expect(health.status == 0)
            let json = try PaymentCommandTests.object(health.standardOutput)
            #expect(json["status"] as? String == "ok")
            #expect(json["activePayment"] is NSNull)
        }
    }

    @Test func optionsMayComeBeforeTheSubcommand() async throws {
        try await DaemonHarness.run { daemon in
            let health = try await CLIProcess.run(["--socket", daemon.socketPath, "--json", "health"])
            #expect(health.status == 0, "\(health.standardError)")
            #expect(try PaymentCommandTests.object(health.standardOutput)["version"] as? String == "9.9.9-test")
        }
    }

    @Test func watchPrintsOneLinePerEvent() async throws {
        try await DaemonHarness.run { daemon in
            _ = try await daemon.qrpayctl("pay", "till9-000010", "12900")
            _ = try await daemon.qrpayctl("cancel", "till9-000010")

            // Four events: created, QR shown, the cancel stored (pending) before it went to Vipps, cancelled.
            let human = try await daemon.qrpayctl("watch", "--after", "0", "--count", "4")
            #expect(human.status == 0, "\(human.standardError)")
            let lines = human.output.split(separator: "\n")
            #expect(lines.count == 4)
            #expect(lines.allSatisfy { $0.contains("till9-000010") && $0.contains("129.00 NOK") })
            #expect(lines.last?.contains("cancelled") == true)

            let json = try await daemon.qrpayctl("watch", "--after", "0", "--count", "4", "--json")
            let states = try json.output.split(separator: "\n").map {
                try PaymentCommandTests.object(Data($0.utf8))["state"] as? String
            }
            #expect(states == ["initiating", "awaiting-scan", "awaiting-scan", "cancelled"])
        }
    }

    @Test func aProblemFromTheDaemonExitsOneWithItsTitleOnStandardError() async throws {
        try await DaemonHarness.run { daemon in
            let status = try await daemon.qrpayctl("status", "till9-404")
            #expect(status.status == 1)
            #expect(status.standardError.contains("error: No such payment: "))
            #expect(status.output.isEmpty)

            let tooHigh = try await daemon.qrpayctl("pay", "till9-000011", "99999999")
            #expect(tooHigh.status == 1)
            #expect(tooHigh.standardError.contains("error: Amount above the configured maximum"))
        }
    }

    @Test func aProblemWithJSONStillGoesToStandardErrorAndTheDocumentToStandardOutput() async throws {
        try await DaemonHarness.run { daemon in
            let status = try await daemon.qrpayctl("status", "till9-404", "--json")
            #expect(status.status == 1)
            #expect(
                try PaymentCommandTests.object(status.standardOutput)["type"] as? String == "urn:qrpayd:error:not-found"
            )
            #expect(status.standardError.contains("No such payment"))
        }
    }

    @Test func noDaemonExitsThreeAndSaysWhatToCheck() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("absent.sock").path
        let result = try await CLIProcess.run(["health", "--socket", path])
        #expect(result.status == 3)
        #expect(result.standardError.contains(path))
        #expect(result.standardError.contains("systemctl status qrpayd.socket"))
        #expect(result.standardError.contains("group"))
    }

    @Test(arguments: [
        ["pay", "till9-1"],
        ["pay", "till9-1", "lots"],
        ["status", "bad ref"],
        ["refund", "till9-1"],
        ["watch", "--count", "0"],
        ["frobnicate"],
    ])
    func usageErrorsExitTwo(arguments: [String]) async throws {
        let result = try await CLIProcess.run(arguments + ["--socket", "/nonexistent/control.sock"])
        #expect(result.status == 2, "\(result.standardError)")
        #expect(!result.standardError.isEmpty)
    }
}
