import Foundation
import TestSupport
import Testing

/// `qrpayd --demo`, the real binary with its output on a pipe, driven by the real `qrpayctl` as the README tells an
/// integrator to. Each test has its own `TMPDIR`, so its demo socket (`$TMPDIR/qrpayd-demo-<uid>/control.sock`) is its own.
@Suite(.timeLimit(.minutes(3)))
struct DemoModeTests {
    struct Demo: Sendable {
        let daemon: DaemonProcess
        let directory: TemporaryDirectory
        let socketPath: String
        var environment: [String: String?] { ["TMPDIR": self.directory.path, "QRPAYD_SOCKET": self.socketPath] }

        /// `qrpayctl` with `QRPAYD_SOCKET` as the banner says to export it.
        func qrpayctl(_ arguments: String...) async throws -> CLIProcess.Result {
            try await CLIProcess.run(arguments, environment: self.environment)
        }

        /// `qrpayctl status REFERENCE --json`, decoded.
        func status(_ reference: String) async throws -> [String: Any] {
            let result = try await self.qrpayctl("status", reference, "--json")
            #expect(result.status == 0, "\(result.standardError)")
            return try #require(try JSONSerialization.jsonObject(with: result.standardOutput) as? [String: Any])
        }
    }

    /// Starts a demo, waits for the banner's `export QRPAYD_SOCKET=` line on the pipe, runs `body`, stops it.
    static func withDemo(
        _ arguments: [String] = [],
        _ body: @Sendable (Demo) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory(prefix: "demo")
        let environment = DaemonProcess.demoEnvironment(temporaryDirectory: directory)
        let socketPath = directory.file("qrpayd-demo-\(getuid())/control.sock").path
        let daemon = try DaemonProcess(
            arguments: ["--demo", "--display-port", "0"] + arguments,
            environment: environment,
            socketPath: socketPath
        )
        // The banner comes through a pipe while the demo runs, not when it exits.
        let export = await daemon.waitForOutput(containing: "export QRPAYD_SOCKET=")
        guard let export else {
            throw DaemonProcess.DaemonDidNotStart(status: await daemon.waitForExit())
        }
        #expect(export.trimmingCharacters(in: .whitespaces) == "export QRPAYD_SOCKET=\(socketPath)")
        let demo = Demo(daemon: daemon, directory: directory, socketPath: socketPath)
        do {
            try await body(demo)
        } catch {
            await daemon.stop(with: SIGTERM)
            throw error
        }
        #expect(await daemon.stop(with: SIGINT) == 0)
    }

    @Test func theBannerArrivesThroughAPipeAndTheStateDirectoryGoesWithTheDemo() async throws {
        let directory = try TemporaryDirectory(prefix: "demo")
        // What a demo killed with SIGKILL leaves: a state directory of a process that is gone.
        let leftOver = directory.file("qrpayd-demo-\(getuid())/state-999999999").path
        try FileManager.default.createDirectory(
            atPath: directory.file("qrpayd-demo-\(getuid())").path,
            withIntermediateDirectories: false,
            attributes: [.posixPermissions: 0o700]
        )
        try FileManager.default.createDirectory(atPath: leftOver, withIntermediateDirectories: false)
        let daemon = try DaemonProcess(
            arguments: ["--demo", "--display-port", "0"],
            environment: DaemonProcess.demoEnvironment(temporaryDirectory: directory),
            socketPath: directory.file("qrpayd-demo-\(getuid())/control.sock").path
        )
        #expect(await daemon.waitForOutput(containing: "Customer screen:  http://127.0.0.1:") != nil)
        #expect(!FileManager.default.fileExists(atPath: leftOver))
        #expect(await daemon.waitForOutput(containing: "swift run qrpayctl pay demo-1 129.00kr --wait") != nil)
        let state = directory.file("qrpayd-demo-\(getuid())/state-\(daemon.processIdentifier)").path
        #expect(FileManager.default.fileExists(atPath: state))
        #expect(await daemon.stop(with: SIGINT) == 0)
        #expect(!FileManager.default.fileExists(atPath: state))
    }

    @Test func aSecondDemoSaysSoPlainly() async throws {
        try await Self.withDemo { demo in
            let second = try DaemonProcess(
                arguments: ["--demo", "--display-port", "0"],
                environment: DaemonProcess.demoEnvironment(temporaryDirectory: demo.directory),
                socketPath: demo.socketPath
            )
            var errors: [String] = []
            for await line in second.lines { errors.append(line) }
            #expect(await second.waitForExit() == 1)
            let text = errors.joined(separator: "\n")
            #expect(text.contains("a qrpayd demo is already running on \(demo.socketPath)"), "\(text)")
            #expect(!text.contains("CancellationError"), "\(text)")
            #expect(!text.contains("token"), "\(text)")
            #expect(errors.count <= 2, "\(text)")
            // The first demo is unharmed.
            #expect(try await demo.qrpayctl("health").status == 0)
        }
    }

    @Test func qrpayctlWithoutTheSocketNamesTheDemos() async throws {
        try await Self.withDemo { demo in
            let result = try await CLIProcess.run(
                ["health"],
                environment: ["TMPDIR": demo.directory.path, "QRPAYD_SOCKET": nil]
            )
            #expect(result.status == 3)
            #expect(result.standardError.contains("export QRPAYD_SOCKET=\(demo.socketPath)"), "\(result.standardError)")
        }
    }

    /// Settlement `till`: authorize, capture in part and the rest, refund; authorize and void; cancel a scanned one.
    /// `examples/till.py`, the README's starting point for integrators, against the demo: a sale captured and partly
    /// refunded (each with its own Idempotency-Key), then a payment the till left approved when it "crashed",
    /// finished by its recovery.
    @Test func theExampleTillSellsSettlesAndRecovers() async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/till.py").path
        try await Self.withDemo(["--settlement", "till"]) { demo in
            let till: @Sendable ([String]) async throws -> CLIProcess.Result = { arguments in
                try await CLIProcess.run(
                    [script] + arguments,
                    environment: demo.environment,
                    executable: "/usr/bin/python3"
                )
            }
            let sale = try await till(["sale", "ex-1", "129.00", "--capture", "--refund", "20.00"])
            #expect(sale.status == 0, "\(sale.standardError)")
            let summary = try #require(
                try JSONSerialization.jsonObject(
                    with: Data((sale.output.split(separator: "\n").last ?? "").utf8)
                ) as? [String: Any]
            )
            #expect(summary["state"] as? String == "captured")
            #expect(summary["capturedAmount"] as? Int == 12900)
            #expect(summary["refundedAmount"] as? Int == 2000)
            let keys = try #require(try await demo.status("ex-1")["operations"] as? [[String: Any]]).compactMap {
                $0["idempotencyKey"] as? String
            }
            #expect(keys.count == 2 && Set(keys).count == 2)

            // The till takes a payment and stops before capturing it; after its restart it finishes the job.
            #expect(try await demo.qrpayctl("pay", "ex-2", "59.00kr", "--wait").status == 0)
            let recovered = try await till(["recover", "--capture"])
            #expect(recovered.status == 0, "\(recovered.standardError)")
            #expect(recovered.output.contains("ex-2: captured"))
            #expect(try await demo.status("ex-2")["capturedAmount"] as? Int == 5900)

            // A refusal is reported, not retried into money: more than was captured is refused locally.
            let tooMuch = try await till(["sale", "ex-1", "129.00", "--refund", "200.00"])
            #expect(tooMuch.status == 1)
            #expect(tooMuch.standardError.contains("refused"))
        }
    }

    @Test func theTillFlowsWithSettlementTill() async throws {
        try await Self.withDemo(["--settlement", "till"]) { demo in
            let paid = try await demo.qrpayctl("pay", "demo-1", "129.00kr", "--wait")
            #expect(paid.status == 0, "\(paid.standardError)")
            #expect(paid.output.contains("authorized"))
            #expect(try await demo.qrpayctl("capture", "demo-1", "--amount", "50.00kr").status == 0)
            #expect(try await demo.qrpayctl("capture", "demo-1").status == 0)
            #expect(try await demo.qrpayctl("refund", "demo-1", "--amount", "20.00kr").status == 0)
            let settled = try await demo.status("demo-1")
            #expect(settled["state"] as? String == "captured")
            #expect(settled["capturedAmount"] as? Int == 12900)
            #expect(settled["refundedAmount"] as? Int == 2000)

            #expect(try await demo.qrpayctl("pay", "demo-2", "129.00kr", "--wait").status == 0)
            #expect(try await demo.qrpayctl("cancel", "demo-2").status == 0)
            #expect(try await demo.status("demo-2")["state"] as? String == "voided")

            // ,05: the customer scans and waits, so the till can cancel.
            #expect(try await demo.qrpayctl("pay", "demo-3", "129.05kr").status == 0)
            #expect(try await demo.qrpayctl("cancel", "demo-3").status == 0)
            #expect(try await demo.status("demo-3")["state"] as? String == "cancelled")
        }
    }

    /// ,01 to ,03: the customer declines, or the card is refused (then another card, or giving up).
    @Test func theDemoCustomerActsByTheAmountsØre() async throws {
        try await Self.withDemo { demo in
            let declined = try await demo.qrpayctl("pay", "demo-11", "129.01kr", "--wait")
            #expect(declined.status == 4, "\(declined.standardError)")
            #expect(try await demo.status("demo-11")["state"] as? String == "rejected")

            let cardThenPaid = try await demo.qrpayctl("pay", "demo-12", "129.02kr", "--wait")
            #expect(cardThenPaid.status == 0, "\(cardThenPaid.standardError)")
            #expect(try await demo.status("demo-12")["state"] as? String == "captured")

            let cardRefused = try await demo.qrpayctl("pay", "demo-13", "129.03kr", "--wait")
            #expect(cardRefused.status == 4)
            let refused = try await demo.status("demo-13")
            #expect(refused["state"] as? String == "rejected")
            #expect((refused["error"] as? [String: Any])?["code"] as? String == "card-declined")
        }
    }

    /// ,04 and ,06: the customer walks away (expired), or Vipps is unreachable while they approve.
    @Test func theDemoCustomerWalksAwayOrVippsGoesAwayByTheAmountsØre() async throws {
        try await Self.withDemo { demo in
            let walkedAway = try await demo.qrpayctl("pay", "demo-14", "129.04kr", "--wait")
            #expect(walkedAway.status == 4)
            #expect(try await demo.status("demo-14")["state"] as? String == "expired")

            // Vipps goes away for a while: the daemon says so (and the screen), and the payment completes once it is
            // back.
            #expect(try await demo.qrpayctl("pay", "demo-15", "129.06kr").status == 0)
            #expect(await demo.daemon.waitForLine(containing: "Vipps cannot be reached") != nil)
            #expect(try await demo.qrpayctl("pay", "demo-15", "129.06kr", "--wait").status == 0)
            #expect(try await demo.status("demo-15")["state"] as? String == "captured")
        }
    }
}

extension DemoModeTests {
    /// `qrpayd --demo --api epayment` in DKK on a Danish MobilePay screen, settled by the till: the whole flow on the
    /// ePayment API, as the README shows it.
    @Test func theEpaymentDemoTakesDKKOnAMobilePayScreen() async throws {
        let arguments = [
            "--api", "epayment", "--currency", "DKK", "--brand", "mobilepay", "--language", "da", "--settlement",
            "till",
        ]
        try await Self.withDemo(arguments) { demo in
            let paid = try await demo.qrpayctl("pay", "dk-1", "129.00kr", "--wait")
            #expect(paid.status == 0, "\(paid.standardError)")
            #expect(try await demo.qrpayctl("capture", "dk-1", "--amount", "50.00kr").status == 0)
            #expect(try await demo.qrpayctl("capture", "dk-1").status == 0)
            #expect(try await demo.qrpayctl("refund", "dk-1", "--amount", "20.00kr").status == 0)
            let settled = try await demo.status("dk-1")
            #expect(settled["state"] as? String == "captured")
            #expect(settled["currency"] as? String == "DKK")
            #expect(settled["api"] as? String == "epayment")
            #expect(settled["capturedAmount"] as? Int == 12900)
            #expect(settled["refundedAmount"] as? Int == 2000)
            // ePayment has no "scanned": the payment went from the QR code straight to approved.
            #expect(try await demo.qrpayctl("pay", "dk-2", "129.00kr", "--wait").status == 0)
            #expect(try await demo.qrpayctl("cancel", "dk-2").status == 0)
            #expect(try await demo.status("dk-2")["state"] as? String == "voided")
        }
    }
}
