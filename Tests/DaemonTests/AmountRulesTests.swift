import AsyncHTTPClient
import Foundation
import NIOHTTP1
import TestSupport
import Testing
import VippsSimulator

/// Amounts are integer øre. A till that sends kroner (`129.00`, `1.29e2`) is refused with what it probably meant,
/// through the real daemon's socket, and `payment.minimumAmount` raises the floor. Nothing reaches Vipps.
@Suite(.timeLimit(.minutes(2)))
struct AmountRulesTests {
    static func withDaemon(
        settlement: String = "auto",
        extra: [String: Int] = [:],
        _ body: @Sendable (SimulatorHarness, TillClient) async throws -> Void
    ) async throws {
        try await SimulatorHarness.run { harness in
            let directory = try TemporaryDirectory()
            let setup = try DaemonProcess.configuration(
                simulatorPort: harness.port,
                directory: directory,
                settlement: settlement,
                extra: extra
            )
            let daemon = try DaemonProcess(
                arguments: setup.arguments,
                environment: setup.environment,
                socketPath: setup.socketPath
            )
            try await daemon.waitUntilReady()
            let till = TillClient(socketPath: setup.socketPath, httpClient: harness.httpClient)
            do {
                try await body(harness, till)
            } catch {
                await daemon.stop(with: SIGTERM)
                throw error
            }
            #expect(await daemon.stop(with: SIGTERM) == 0)
        }
    }

    @Test(arguments: [
        ("129.00", "129.00 looks like kroner; send 12900"),
        ("129.5", "129.5 looks like kroner; send 12950"),
        ("1.29e2", "1.29e2 looks like kroner; send 12900"),
        ("12900.0", "12900.0 looks like kroner; send 1290000"),
        ("129e0", "129e0 is 129 øre or 129e0 kr; send 129 or 12900"),
        ("0.001", "0.001 is not a whole number of øre"),
    ])
    func aNumberWithAFractionOrExponentIsRefusedWithWhatWasMeant(literal: String, says: String) async throws {
        try await Self.withDaemon { harness, till in
            let answer = try await till.send(
                .POST,
                "/v1/payments",
                json: #"{"reference":"kr-1","amount":\#(literal)}"#
            )
            #expect(answer.status == 400)
            #expect(answer.json["type"] as? String == "urn:qrpayd:error:invalid-request")
            let detail = answer.json["detail"] as? String ?? ""
            #expect(detail.contains("amount is in øre"), "\(detail)")
            #expect(detail.contains(says), "\(detail)")
            #expect(try await till.send(.GET, "/v1/payments/kr-1").status == 404)
            #expect(await harness.simulator.payments().isEmpty)
        }
    }

    @Test func aWholeNumberIsStillØre() async throws {
        try await Self.withDaemon { _, till in
            let answer = try await till.send(.POST, "/v1/payments", json: #"{"reference":"ore-1","amount":12900}"#)
            #expect(answer.status == 201)
            #expect(answer.json["amount"] as? Int == 12900)
        }
    }

    @Test func captureAndRefundAmountsFollowTheSameRule() async throws {
        try await Self.withDaemon(settlement: "till") { harness, till in
            let created = try await till.send(.POST, "/v1/payments", json: #"{"reference":"cap-1","amount":12900}"#)
            #expect(created.status == 201)
            try await harness.simulator.approve(orderId: "kiosk7-cap-1")
            _ = try await till.waitForState("cap-1", "authorized")
            let capture = try await till.send(.POST, "/v1/payments/cap-1/capture", json: #"{"amount":50.00}"#)
            #expect(capture.status == 400)
            #expect((capture.json["detail"] as? String)?.contains("50.00 looks like kroner; send 5000") == true)
            let refund = try await till.send(.POST, "/v1/payments/cap-1/refund", json: #"{"amount":2e1}"#)
            #expect(refund.status == 400)
            #expect((refund.json["detail"] as? String)?.contains("amount is in øre") == true)
            let truth = try #require(await harness.simulator.payment(orderId: "kiosk7-cap-1"))
            #expect(truth.capturedAmount == 0)
        }
    }

    @Test func theConfiguredMinimumRefusesSmallerAmounts() async throws {
        try await Self.withDaemon(extra: ["minimumAmount": 5000]) { harness, till in
            let small = try await till.send(.POST, "/v1/payments", json: #"{"reference":"min-1","amount":129}"#)
            #expect(small.status == 400)
            let detail = small.json["detail"] as? String ?? ""
            #expect(detail.contains("payment.minimumAmount"), "\(detail)")
            #expect(detail.contains("5000"), "\(detail)")
            #expect(await harness.simulator.payments().isEmpty)
            let enough = try await till.send(.POST, "/v1/payments", json: #"{"reference":"min-2","amount":5000}"#)
            #expect(enough.status == 201)
        }
    }
}
