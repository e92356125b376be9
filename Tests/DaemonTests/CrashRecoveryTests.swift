import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
import VippsSimulator

/// The real daemon killed with SIGKILL at each step of a payment and started again on the same state directory:
/// the payment must end right, be captured exactly once, and the till must be able to read the outcome.
@Suite(.timeLimit(.minutes(2)))
struct CrashRecoveryTests {
    /// A simulator and a directory for one test; the daemon is started (and restarted) inside `body`.
    static func scenario(
        settlement: String = "auto",
        _ body:
            @Sendable (SimulatorHarness, _ start: @Sendable () async throws -> DaemonProcess, TillClient) async throws
            -> Void
    ) async throws {
        try await SimulatorHarness.run { harness in
            let directory = try TemporaryDirectory()
            let setup = try DaemonProcess.configuration(
                simulatorPort: harness.port,
                directory: directory,
                settlement: settlement
            )
            let till = TillClient(socketPath: setup.socketPath, httpClient: harness.httpClient)
            try await body(
                harness,
                {
                    let daemon = try DaemonProcess(
                        arguments: setup.arguments,
                        environment: setup.environment,
                        socketPath: setup.socketPath
                    )
                    try await daemon.waitUntilReady()
                    return daemon
                },
                till
            )
        }
    }

    static let create = #"{"reference":"crash-1","amount":12900,"text":"Kaffe"}"#

    @Test func killedAfterInitiateThenApprovedWhileDown() async throws {
        try await Self.scenario { harness, start, till in
            let first = try await start()
            let created = try await till.send(.POST, "/v1/payments", json: Self.create)
            #expect(created.status == 201)
            #expect(created.json["state"] as? String == "awaiting-scan")
            await first.stop(with: SIGKILL)

            // The customer pays while the daemon is down.
            try await harness.simulator.open(orderId: "kiosk7-crash-1")
            try await harness.simulator.approve(orderId: "kiosk7-crash-1")

            let second = try await start()
            // Recovery reconciled before READY; the poll loop captures.
            _ = try await harness.simulator.waitForPayment(orderId: "kiosk7-crash-1") { $0.capturedAmount == 12900 }
            let outcome = try await till.waitForState("crash-1", "captured")
            #expect(outcome["capturedAmount"] as? Int == 12900)
            let truth = try #require(await harness.simulator.payment(orderId: "kiosk7-crash-1"))
            #expect(truth.successfulCaptures == 1)
            #expect(await second.stop(with: SIGTERM) == 0)
        }
    }

    @Test func killedWhileVippsWasCreatingThePayment() async throws {
        try await Self.scenario { harness, start, till in
            let first = try await start()
            await harness.simulator.inject(
                .latency(.seconds(30), count: 1, method: "POST", pathPrefix: "/ecomm/v2/payments")
            )
            let post = Task { try? await till.send(.POST, "/v1/payments", json: Self.create) }
            // Vipps has created the payment and is "slow" to answer: kill the daemon now.
            _ = try await harness.simulator.waitForRequest { $0.method == "POST" && $0.path == "/ecomm/v2/payments" }
            await first.stop(with: SIGKILL)
            _ = await post.value
            await harness.simulator.clearFaults()

            let second = try await start()
            // The URL was lost, so the customer never saw a code: qrpayd cancels it at Vipps and reports failed.
            let outcome = try await till.waitForState("crash-1", "failed")
            #expect((outcome["error"] as? [String: Any])?["code"] as? String == "interrupted-during-creation")
            _ = try await harness.simulator.waitForPayment(orderId: "kiosk7-crash-1") { $0.successfulCancels == 1 }
            #expect(try #require(await harness.simulator.payment(orderId: "kiosk7-crash-1")).capturedAmount == 0)
            await second.stop(with: SIGTERM)
        }
    }

    @Test func killedAfterApprovalInTillSettlementThenCapturedOnce() async throws {
        try await Self.scenario(settlement: "till") { harness, start, till in
            let first = try await start()
            _ = try await till.send(.POST, "/v1/payments", json: Self.create)
            try await harness.simulator.open(orderId: "kiosk7-crash-1")
            try await harness.simulator.approve(orderId: "kiosk7-crash-1")
            _ = try await till.waitForState("crash-1", "authorized")
            await first.stop(with: SIGKILL)

            let second = try await start()
            let unsettled = try await till.send(.GET, "/v1/payments?unsettled=true")
            #expect(unsettled.body.count > 2)
            #expect(String(decoding: unsettled.body, as: UTF8.self).contains("crash-1"))
            let captured = try await till.send(.POST, "/v1/payments/crash-1/capture", json: "{}")
            #expect(captured.status == 200)
            #expect(captured.json["state"] as? String == "captured")
            #expect(try #require(await harness.simulator.payment(orderId: "kiosk7-crash-1")).successfulCaptures == 1)
            await second.stop(with: SIGTERM)
        }
    }

    @Test func killedDuringCaptureIsCapturedExactlyOnce() async throws {
        try await Self.scenario { harness, start, till in
            let first = try await start()
            _ = try await till.send(.POST, "/v1/payments", json: Self.create)
            // The capture reaches Vipps and is carried out, but the answer is held back: kill the daemon meanwhile.
            await harness.simulator.inject(
                .latency(
                    .seconds(30),
                    count: 1,
                    method: "POST",
                    pathPrefix: "/ecomm/v2/payments/kiosk7-crash-1/capture"
                )
            )
            try await harness.simulator.open(orderId: "kiosk7-crash-1")
            try await harness.simulator.approve(orderId: "kiosk7-crash-1")
            _ = try await harness.simulator.waitForRequest { $0.path.hasSuffix("/capture") }
            await first.stop(with: SIGKILL)
            await harness.simulator.clearFaults()

            let second = try await start()
            let outcome = try await till.waitForState("crash-1", "captured")
            #expect(outcome["capturedAmount"] as? Int == 12900)
            let truth = try #require(await harness.simulator.payment(orderId: "kiosk7-crash-1"))
            #expect(truth.successfulCaptures == 1)
            #expect(truth.capturedAmount == 12900)
            // The retry used the same X-Request-Id as the capture that was cut off.
            let captures = await harness.simulator.requests().filter { $0.path.hasSuffix("/capture") }
            #expect(Set(captures.compactMap(\.requestId)).count == 1)
            await second.stop(with: SIGTERM)
        }
    }

    @Test func sigtermShutsDownCleanlyAndTheNextStartServesTheSamePayment() async throws {
        try await Self.scenario { harness, start, till in
            let first = try await start()
            let created = try await till.send(.POST, "/v1/payments", json: Self.create)
            #expect(await first.stop(with: SIGTERM) == 0)
            let second = try await start()
            let read = try await till.send(.GET, "/v1/payments/crash-1")
            #expect(read.status == 200)
            #expect(read.json["qrText"] as? String == created.json["qrText"] as? String)
            #expect(read.json["state"] as? String == "awaiting-scan")
            await second.stop(with: SIGTERM)
        }
    }
}
