import AsyncHTTPClient
import Foundation
import NIOHTTP1
import TestSupport
import Testing
import VippsSimulator

/// A box with open eCom payments is stopped hard and started again with `vipps.api = epayment`: ePayment reads,
/// captures, refunds and cancels what eCom created, and each payment still says which API created it.
@Suite(.timeLimit(.minutes(2)))
struct ApiSwitchTests {
    @Test func openEcomPaymentsAreFinishedAfterSwitchingToEpayment() async throws {
        try await SimulatorHarness.run { harness in
            let directory = try TemporaryDirectory()
            let setup = try DaemonProcess.configuration(
                simulatorPort: harness.port,
                directory: directory,
                settlement: "till"
            )
            let till = TillClient(socketPath: setup.socketPath, httpClient: harness.httpClient)
            let first = try DaemonProcess(
                arguments: setup.arguments,
                environment: setup.environment,
                socketPath: setup.socketPath
            )
            try await first.waitUntilReady()
            // One approved and waiting for the till's capture, one with the customer, one approved the till will cancel.
            for reference in ["switch-a", "switch-c", "switch-b"] {
                let created = try await till.send(
                    .POST,
                    "/v1/payments",
                    json: #"{"reference":"\#(reference)","amount":10000,"text":"Kaffe"}"#
                )
                #expect(created.status == 201)
                #expect(created.json["api"] as? String == "ecom")
                if reference != "switch-b" {
                    try await harness.simulator.approve(orderId: "kiosk7-\(reference)")
                    _ = try await till.waitForState(reference, "authorized")
                }
            }
            await first.stop(with: SIGKILL)
            #expect(await harness.simulator.requests().allSatisfy { !$0.path.hasPrefix("/epayment/") })

            var environment = setup.environment
            environment["VIPPS_API"] = "epayment"
            let second = try DaemonProcess(
                arguments: setup.arguments,
                environment: environment,
                socketPath: setup.socketPath
            )
            try await second.waitUntilReady()
            // The customer approves the open one after the switch; ePayment sees it.
            try await harness.simulator.approve(orderId: "kiosk7-switch-b")
            _ = try await till.waitForState("switch-b", "authorized")

            let captured = try await till.send(.POST, "/v1/payments/switch-a/capture", json: #"{"amount":6000}"#)
            #expect(captured.status == 200)
            #expect(captured.json["capturedAmount"] as? Int == 6000)
            #expect(captured.json["api"] as? String == "ecom")
            let refunded = try await till.send(
                .POST,
                "/v1/payments/switch-a/refund",
                json: #"{"amount":1000}"#,
                headers: [("Idempotency-Key", "refund-switch-a-1")]
            )
            #expect(refunded.status == 200)
            #expect(refunded.json["refundedAmount"] as? Int == 1000)
            let full = try await till.send(.POST, "/v1/payments/switch-b/capture", json: "{}")
            #expect(full.json["capturedAmount"] as? Int == 10000)
            let voided = try await till.send(.POST, "/v1/payments/switch-c/cancel", json: "{}")
            #expect(voided.json["state"] as? String == "voided")

            let a = try #require(await harness.simulator.payment(orderId: "kiosk7-switch-a"))
            #expect(a.capturedAmount == 6000 && a.refundedAmount == 1000 && a.successfulCaptures == 1)
            #expect(a.api == .ecom)
            let b = try #require(await harness.simulator.payment(orderId: "kiosk7-switch-b"))
            #expect(b.capturedAmount == 10000 && b.successfulCaptures == 1)
            let c = try #require(await harness.simulator.payment(orderId: "kiosk7-switch-c"))
            #expect(c.state == .voided && c.capturedAmount == 0)
            // After the switch every call went to ePayment.
            let after = await harness.simulator.requests().filter { $0.path.contains("/payments/kiosk7-switch") }
            let moneyCalls = after.filter { $0.method == "POST" }
            #expect(moneyCalls.contains { $0.path.hasPrefix("/epayment/v1/payments/kiosk7-switch-a/capture") })
            #expect(!moneyCalls.contains { $0.path.hasPrefix("/ecomm/") && $0.path.hasSuffix("/capture") })
            #expect(await second.stop(with: SIGTERM) == 0)
        }
    }
}
