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
            _ = try await daemon.qrpayctl("pay", "till9-000010", "129.00kr")
            _ = try await daemon.qrpayctl("cancel", "till9-000010")

            // Four events: created, QR shown, the cancel stored (pending) before it went to Vipps, cancelled.
            let human = try await daemon.qrpayctl("watch", "--after", "0", "--count", "4")
            #expect(human.status == 0, "\(human.standardError)")
            let lines = human.output.split(separator: "\n")
            #expect(lines.count == 4)
            #expect(lines.allSatisfy { $0.contains("till9-000010") && $0.contains("129.00 NOK") })
            #expect(lines.last?.contains("cancelled") == true)
            // The columns line up: the amount ends, and the state and the time start, at the same place on every line.
            let columns = lines.map { line -> [Int] in
                let text = String(line)
                let offset = { (range: Range<String.Index>?) in
                    range.map { text.distance(from: text.startIndex, to: $0.lowerBound) } ?? -1
                }
                return [
                    offset(text.range(of: " NOK")),
                    offset(text.range(of: #"(initiating|awaiting-scan|cancelled)"#, options: .regularExpression)),
                    offset(text.range(of: #"\d{4}-\d{2}-\d{2}T"#, options: .regularExpression)),
                ]
            }
            #expect(Set(columns).count == 1, "\(human.output)")
            #expect(columns.first?.allSatisfy { $0 > 0 } == true, "\(human.output)")

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

            let tooHigh = try await daemon.qrpayctl("pay", "till9-000011", "99999999øre")
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
        // No demo in this TMPDIR, so the hint is the service's.
        let result = try await CLIProcess.run(["health", "--socket", path], environment: ["TMPDIR": directory.path])
        #expect(result.status == 3)
        #expect(result.standardError.contains(path))
        #expect(result.standardError.contains("systemctl status qrpayd.socket"))
        #expect(result.standardError.contains("group"))
    }

    @Test func aBareAmountIsRefusedWithTheUnitsItCouldHaveMeant() async throws {
        let result = try await CLIProcess.run(["pay", "till9-1", "12900", "--socket", "/nonexistent/control.sock"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("12900kr or 12900øre"), "\(result.standardError)")
        let kroner = try await CLIProcess.run(["pay", "till9-1", "129.00", "--socket", "/nonexistent/control.sock"])
        #expect(kroner.standardError.contains("write 129.00kr"), "\(kroner.standardError)")
    }

    @Test func helpSaysHowToWriteAnAmountAndWhereTheSocketIs() async throws {
        let pay = try await CLIProcess.run(["pay", "--help"])
        #expect(pay.status == 0)
        #expect(pay.output.contains("129.00kr"))
        #expect(pay.output.contains("12900øre"))
        #expect(pay.output.contains("bare"))
        let top = try await CLIProcess.run(["--help"])
        #expect(top.status == 0)
        #expect(top.output.contains("--socket"))
        #expect(top.output.contains("QRPAYD_SOCKET"))
    }

    @Test(arguments: [
        ["pay", "till9-1"],
        ["pay", "till9-1", "lots"],
        ["pay", "till9-1", "12900"],
        ["pay", "till9-1", "129.00"],
        ["pay", "till9-1", "129.005kr"],
        ["pay", "till9-1", "129.5øre"],
        ["capture", "till9-1", "--amount", "4000"],
        ["refund", "till9-1", "--amount", "20"],
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
