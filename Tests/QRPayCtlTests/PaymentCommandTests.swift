import Foundation
import PaymentCore
import TestSupport
import Testing
import VippsSimulator

/// `qrpayctl pay/status/list/cancel/capture/refund`, the real binary against a real server on a socket.
@Suite struct PaymentCommandTests {
    @Test func payPrintsThePaymentAndStatusReadsItBack() async throws {
        try await DaemonHarness.run { daemon in
            let pay = try await daemon.qrpayctl("pay", "till9-000001", "129,00 kr", "--text", "Kaffe og bolle")
            #expect(pay.status == 0, "\(pay.standardError)")
            #expect(pay.output.contains("till9-000001"))
            #expect(pay.output.contains("129.00 NOK"))
            #expect(pay.output.contains("awaiting-scan"))
            #expect(pay.output.contains("Kaffe og bolle"))

            let status = try await daemon.qrpayctl("status", "till9-000001")
            #expect(status.status == 0)
            #expect(status.output.contains("kiosk9-till9-000001"))
            #expect(status.output.contains("awaiting-scan"))
        }
    }

    @Test func jsonPrintsTheDaemonsJSON() async throws {
        try await DaemonHarness.run { daemon in
            let pay = try await daemon.qrpayctl("pay", "till9-000002", "12900øre", "--json")
            #expect(pay.status == 0, "\(pay.standardError)")
            let created = try Self.object(pay.standardOutput)
            #expect(created["state"] as? String == "awaiting-scan")
            #expect(created["amount"] as? Int == 12900)

            let status = try await daemon.qrpayctl("status", "till9-000002", "--json")
            #expect(try Self.object(status.standardOutput)["orderId"] as? String == "kiosk9-till9-000002")

            let list = try await daemon.qrpayctl("list", "--all", "--json")
            let payments = try #require(try Self.object(list.standardOutput)["payments"] as? [[String: Any]])
            #expect(payments.map { $0["reference"] as? String } == ["till9-000002"])
        }
    }

    @Test func listShowsWhatNeedsTheTill() async throws {
        try await DaemonHarness.run(settlement: .till) { daemon in
            let empty = try await daemon.qrpayctl("list")
            #expect(empty.status == 0)
            #expect(empty.output.contains("No payments need the till."))

            _ = try await daemon.approvedPayment("till9-000003", amount: 4500, until: .authorized)
            let list = try await daemon.qrpayctl("list")
            #expect(list.status == 0)
            let row = try #require(list.output.split(separator: "\n").first { $0.contains("till9-000003") })
            #expect(row.contains("45.00 NOK"))
            #expect(row.contains("authorized"))
        }
    }

    /// What a package's prerm shows before removal: every unsettled payment, one a line, with what is reserved, what
    /// was captured and what is pending; a settled payment is not listed.
    @Test func listUnsettledPrintsOneLinePerPaymentWithReservedCapturedAndPending() async throws {
        try await DaemonHarness.run(settlement: .till) { daemon in
            let empty = try await daemon.qrpayctl("list", "--unsettled")
            #expect(empty.status == 0)
            #expect(empty.output == "No unsettled payments.\n")

            _ = try await daemon.approvedPayment("till9-000020", amount: 10000, until: .authorized)
            _ = try await daemon.engine.capture(reference: "till9-000020", amount: 4000)
            // A refund Vipps does not answer stays pending.
            _ = try await daemon.approvedPayment("till9-000021", amount: 5000, until: .authorized)
            _ = try await daemon.engine.capture(reference: "till9-000021", amount: nil)
            await daemon.simulator.inject(
                .status(
                    503,
                    count: 100_000,
                    method: "POST",
                    pathPrefix: "/ecomm/v2/payments/kiosk9-till9-000021/refund"
                )
            )
            _ = try await daemon.engine.refund(reference: "till9-000021", amount: 1000)
            // Settled: captured in full, nothing pending.
            _ = try await daemon.approvedPayment("till9-000022", amount: 3000, until: .authorized)
            _ = try await daemon.engine.capture(reference: "till9-000022", amount: nil)

            let list = try await daemon.qrpayctl("list", "--unsettled")
            #expect(list.status == 0, "\(list.standardError)")
            let lines = list.output.split(separator: "\n").map(String.init)
            #expect(lines.count == 2, "\(lines)")
            #expect(
                lines.first { $0.hasPrefix("till9-000020") }
                    == "till9-000020  captured  reserved 60.00 NOK  captured 40.00 NOK  pending none"
            )
            #expect(
                lines.first { $0.hasPrefix("till9-000021") }
                    == "till9-000021  captured  reserved 0.00 NOK  captured 50.00 NOK  pending refund 10.00 NOK"
            )
            let both = try await daemon.qrpayctl("list", "--all", "--unsettled")
            #expect(both.status != 0)
        }
    }

    @Test func cancelStopsThePayment() async throws {
        try await DaemonHarness.run { daemon in
            _ = try await daemon.qrpayctl("pay", "till9-000004", "129kr")
            let cancel = try await daemon.qrpayctl("cancel", "till9-000004")
            #expect(cancel.status == 0, "\(cancel.standardError)")
            #expect(cancel.output.contains("cancelled (final)"))
        }
    }

    @Test func captureInPartsThenRefund() async throws {
        try await DaemonHarness.run(settlement: .till) { daemon in
            _ = try await daemon.approvedPayment("till9-000005", amount: 10000, until: .authorized)

            let part = try await daemon.qrpayctl("capture", "till9-000005", "--amount", "40.00kr")
            #expect(part.status == 0, "\(part.standardError)")
            #expect(part.output.contains("40.00 NOK"))
            #expect(part.output.contains("captured"))
            #expect(
                part.output.split(separator: "\n").contains { $0.hasPrefix("reserved") && $0.contains("60.00 NOK") }
            )

            let rest = try await daemon.qrpayctl("capture", "till9-000005", "--json")
            #expect(try Self.object(rest.standardOutput)["capturedAmount"] as? Int == 10000)

            let refund = try await daemon.qrpayctl("refund", "till9-000005", "--amount", "2500øre")
            #expect(refund.status == 0, "\(refund.standardError)")
            let refunded = try #require(refund.output.split(separator: "\n").first { $0.hasPrefix("refunded") })
            #expect(refunded.contains("25.00 NOK"))
            // Each capture and refund is one line, with its amount and outcome.
            let operations = refund.output.split(separator: "\n").filter { $0.hasPrefix("operation") }
            #expect(operations.count == 3, "\(refund.output)")
            #expect(operations.first?.contains("capture 40.00 NOK succeeded") == true)
            #expect(operations.last?.contains("refund 25.00 NOK succeeded") == true)
        }
    }

    /// Vipps does not answer the capture: qrpayctl says it is pending and exits 5; the same key again is the same
    /// operation, and once Vipps answers it is captured once.
    @Test func aPendingCaptureExitsFiveAndTheSameKeyIsTheSameOperation() async throws {
        try await DaemonHarness.run(settlement: .till) { daemon in
            _ = try await daemon.approvedPayment("till9-000015", amount: 10000, until: .authorized)
            await daemon.simulator.inject(
                .status(503, count: 1000, method: "POST", pathPrefix: "/ecomm/v2/payments/kiosk9-till9-000015/capture")
            )
            let first = try await daemon.qrpayctl("capture", "till9-000015", "--idempotency-key", "press-1", "--json")
            #expect(first.status == 5, "\(first.standardError)")
            #expect(first.standardError.contains("pending"))
            let operation = try #require(try Self.object(first.standardOutput)["operation"] as? [String: Any])
            #expect(operation["state"] as? String == "pending")

            let again = try await daemon.qrpayctl("capture", "till9-000015", "--idempotency-key", "press-1", "--json")
            #expect(again.status == 5)
            let same = try #require(try Self.object(again.standardOutput)["operation"] as? [String: Any])
            #expect(same["id"] as? String == operation["id"] as? String)

            let events = await daemon.engine.events.subscribe(after: nil)
            await daemon.simulator.clearFaults()
            _ = try await DaemonHarness.wait(for: "till9-000015", to: .captured, in: events)
            let done = try await daemon.qrpayctl("capture", "till9-000015", "--idempotency-key", "press-1")
            #expect(done.status == 0, "\(done.standardError)")
            #expect(
                try #require(await daemon.simulator.payment(orderId: daemon.orderId("till9-000015"))).successfulCaptures
                    == 1
            )
        }
    }

    @Test func payWaitExitsZeroOnceTheCustomerHasPaid() async throws {
        try await DaemonHarness.run(settlement: .auto) { daemon in
            let events = await daemon.engine.events.subscribe(after: nil)
            async let pay = daemon.qrpayctl("pay", "till9-000006", "129.00kr", "--wait")
            try await DaemonHarness.wait(for: "till9-000006", to: .awaitingScan, in: events)
            try await daemon.simulator.approve(orderId: daemon.orderId("till9-000006"))
            let result = try await pay
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.output.contains("captured"))
        }
    }

    @Test func payWaitExitsFourWhenTheCustomerDeclines() async throws {
        try await DaemonHarness.run { daemon in
            let events = await daemon.engine.events.subscribe(after: nil)
            async let pay = daemon.qrpayctl("pay", "till9-000007", "129.00kr", "--wait")
            try await DaemonHarness.wait(for: "till9-000007", to: .awaitingScan, in: events)
            try await daemon.simulator.decline(orderId: daemon.orderId("till9-000007"))
            let result = try await pay
            #expect(result.status == 4)
            #expect(result.standardError.contains("rejected"))
        }
    }

    static func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}
