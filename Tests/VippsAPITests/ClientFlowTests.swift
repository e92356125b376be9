import TestSupport
import Testing
import VippsAPI
import VippsSimulator

/// The client against the simulator on loopback: every endpoint, the headers, and the payment timeline.
@Suite struct ClientFlowTests {
    static func initiation(_ orderId: String, amount: Int = 12900) -> PaymentInitiation {
        PaymentInitiation(
            orderId: orderId,
            amount: amount,
            transactionText: "Kaffe og bolle",
            fallBackURL: "https://www.vipps.no/thankyoupage/",
            callbackPrefix: "https://example.com/vipps"
        )
    }

    @Test func wholeReserveCaptureRefundFlow() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            let payment = try await client.initiate(Self.initiation("kiosk7-flow-1"))
            #expect(payment.orderId == "kiosk7-flow-1")
            #expect(payment.landingPageToken != nil)
            #expect(try await client.details(orderId: payment.orderId).status == .initiated)

            try await harness.simulator.open(orderId: payment.orderId)
            #expect(try await client.details(orderId: payment.orderId).status == .scanned)

            try await harness.simulator.approve(orderId: payment.orderId)
            #expect(try await client.details(orderId: payment.orderId).status == .reserved(amount: 12900))

            let partial = try await client.capture(
                orderId: payment.orderId,
                amount: 5000,
                text: "Del 1",
                requestId: "kiosk7-flow-1-capture-1"
            )
            #expect(partial?.capturedAmount == 5000)
            let rest = try await client.capture(
                orderId: payment.orderId,
                amount: nil,
                text: "Resten",
                requestId: "kiosk7-flow-1-capture-2"
            )
            #expect(rest?.capturedAmount == 12900)
            #expect(
                try await client.details(orderId: payment.orderId).status
                    == .captured(captured: 12900, remainingToCapture: 0, refunded: 0)
            )

            let refunded = try await client.refund(
                orderId: payment.orderId,
                amount: 2900,
                text: "Retur",
                requestId: "kiosk7-flow-1-refund-1"
            )
            #expect(refunded?.refundedAmount == 2900)
            let truth = try #require(await harness.simulator.payment(orderId: payment.orderId))
            #expect(truth.capturedAmount == 12900)
            #expect(truth.refundedAmount == 2900)
        }
    }

    @Test func everyRequestCarriesTheStandardHeaders() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            let payment = try await client.initiate(Self.initiation("kiosk7-headers-1"))
            _ = try await client.details(orderId: payment.orderId)
            _ = try await client.qrTarget(paymentURL: payment.url)
            let requests = await harness.simulator.requests()
            #expect(requests.count >= 4)
            for request in requests {
                #expect(request.has(header: "Ocp-Apim-Subscription-Key"), "\(request.path)")
                #expect(request.merchantSerialNumber == "123456", "\(request.path)")
                #expect(request.sentSystemHeaders, "\(request.path)")
                if !request.path.hasPrefix("/accesstoken") {
                    #expect(request.has(header: "Authorization"), "\(request.path)")
                }
            }
            // One token for all of it.
            #expect(requests.filter { $0.path.hasPrefix("/accesstoken") }.count == 1)
        }
    }

    @Test func declinedCardThenApprovalIsNotFinalUntilReserved() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            let payment = try await client.initiate(Self.initiation("kiosk7-card-1"))
            try await harness.simulator.open(orderId: payment.orderId)
            try await harness.simulator.cardDecline(orderId: payment.orderId)
            #expect(try await client.details(orderId: payment.orderId).status == .declinedRetryable)
            try await harness.simulator.approve(orderId: payment.orderId)
            #expect(try await client.details(orderId: payment.orderId).status == .reserved(amount: 12900))
        }
    }

    @Test func customerDeclineAndExpiryEndCancelled() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            let declined = try await client.initiate(Self.initiation("kiosk7-decline-1"))
            try await harness.simulator.open(orderId: declined.orderId)
            try await harness.simulator.decline(orderId: declined.orderId)
            #expect(try await client.details(orderId: declined.orderId).status == .cancelled)

            let expired = try await client.initiate(Self.initiation("kiosk7-expire-1"))
            await harness.simulator.advanceClock(by: .seconds(301))
            #expect(try await client.details(orderId: expired.orderId).status == .cancelled)
        }
    }

    @Test func cancelBeforeApprovalCancelsAndAfterApprovalVoids() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            let early = try await client.initiate(Self.initiation("kiosk7-cancel-1"))
            _ = try await client.cancel(orderId: early.orderId, text: "Avbrutt")
            #expect(try await client.details(orderId: early.orderId).status == .cancelled)

            let late = try await client.initiate(Self.initiation("kiosk7-cancel-2"))
            try await harness.simulator.open(orderId: late.orderId)
            try await harness.simulator.approve(orderId: late.orderId)
            _ = try await client.cancel(orderId: late.orderId, text: "Avbrutt")
            #expect(try await client.details(orderId: late.orderId).status == .voided)
        }
    }

    @Test func forceApproveWorksInTheTestEnvironment() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            let payment = try await client.initiate(Self.initiation("kiosk7-force-1"))
            try await client.forceApprove(payment: payment, customerPhoneNumber: "91234567")
            #expect(try await client.details(orderId: payment.orderId).status == .reserved(amount: 12900))
        }
    }

    @Test(arguments: [VippsSimulatorConfiguration.QRAnswerShape.json, .plainText])
    func qrTargetIsReadInBothAnswerShapes(shape: VippsSimulatorConfiguration.QRAnswerShape) async throws {
        var configuration = VippsSimulatorConfiguration.demo
        configuration.qrAnswer = shape
        try await SimulatorHarness.run(configuration) { harness in
            let client = harness.makeClient()
            let payment = try await client.initiate(Self.initiation("kiosk7-qr-1"))
            let target = try await client.qrTarget(paymentURL: payment.url)
            #expect(target.text.hasPrefix("https://qr.vipps.no/"))
            if shape == .json {
                #expect((target.expiresIn ?? 0) > 0)
            }
            // The same payment gives the same code.
            #expect(try await client.qrTarget(paymentURL: payment.url).text == target.text)
        }
    }
}
