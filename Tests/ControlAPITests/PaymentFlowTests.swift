import ControlAPI
import Foundation
import NIOHTTP1
import PaymentCore
import TestSupport
import Testing
import VippsSimulator

/// A till takes a payment from start to finish over the socket, following it by events and by reading it back.
@Suite struct PaymentFlowTests {
    @Test func autoSettlementGoesFromQRToCapturedAndEveryStepIsAnEvent() async throws {
        try await ControlHarness.run(settlement: .auto) { daemon in
            var events = try await daemon.client.events()

            let created = try await daemon.client.create(
                reference: "till7-000123",
                amount: 12900,
                text: "Kaffe og bolle"
            )
            #expect(created.status == 201)
            #expect(created.headers.first(name: "Location") == "/v1/payments/till7-000123")
            #expect(created.headers.first(name: "Content-Type") == "application/json")
            let payment = try created.payment()
            #expect(payment.state == .awaitingScan)
            #expect(payment.orderId == "kiosk7-till7-000123")
            #expect(payment.amount == 12900)
            #expect(payment.text == "Kaffe og bolle")
            #expect(payment.final == false)
            #expect(payment.qrText?.isEmpty == false)

            let waiting = try await events.payments(until: { $0.state == .awaitingScan })
            #expect(waiting.allSatisfy { $0.payment.reference == "till7-000123" })

            try await daemon.simulator.open(orderId: daemon.orderId("till7-000123"))
            _ = try await events.payments(until: { $0.state == .scanned })
            #expect(try await daemon.client.get("/v1/payments/till7-000123").payment().state == .scanned)

            try await daemon.simulator.approve(orderId: daemon.orderId("till7-000123"))
            let rest = try await events.payments(until: { $0.state == .captured })
            #expect(rest.map(\.payment.state) == [.authorized, .captured])

            let ids = (waiting + rest).map(\.id)
            #expect(ids == ids.sorted() && Set(ids).count == ids.count, "event ids increase")

            let final = try await daemon.client.get("/v1/payments/till7-000123").payment()
            #expect(final.state == .captured)
            #expect(final.final)
            #expect(final.capturedAmount == 12900)
        }
    }

    @Test func tillSettlementStopsAtAuthorizedAndTheTillCaptures() async throws {
        try await ControlHarness.run(settlement: .till) { daemon in
            var events = try await daemon.client.events()
            #expect(try await daemon.client.create(reference: "till7-000124", amount: 5000).status == 201)
            try await daemon.simulator.approve(orderId: daemon.orderId("till7-000124"))
            _ = try await events.payments(until: { $0.state == .authorized })

            let unsettled = try await daemon.client.get("/v1/payments?unsettled=true")
            #expect(unsettled.status == 200)
            let listed = try ControlClient.decoder.decode(PaymentListBody.self, from: unsettled.body).payments
            #expect(listed.map(\.reference) == ["till7-000124"])
            #expect(listed.first?.state == .authorized)

            let captured = try await daemon.client.post("/v1/payments/till7-000124/capture")
            #expect(captured.status == 200)
            #expect(try captured.payment().state == .captured)
            #expect(try captured.payment().capturedAmount == 5000)
            _ = try await events.payments(until: { $0.state == .captured })

            let after = try await daemon.client.get("/v1/payments?unsettled=true")
            #expect(try ControlClient.decoder.decode(PaymentListBody.self, from: after.body).payments.isEmpty)
            let recent = try await daemon.client.get("/v1/payments")
            #expect(try ControlClient.decoder.decode(PaymentListBody.self, from: recent.body).payments.count == 1)
        }
    }

    @Test func theQRCodeImageDecodesToTheQRText() async throws {
        try await ControlHarness.run { daemon in
            let payment = try await daemon.client.create(reference: "till7-000125", amount: 12900).payment()
            let image = try await daemon.client.get("/v1/payments/till7-000125/qr.png")
            #expect(image.status == 200)
            #expect(image.headers.first(name: "Content-Type") == "image/png")
            let file = daemon.directory.file("qr.png")
            try image.body.write(to: file)
            let decoded = try await decodeQRCodes(pngAt: file)
            #expect(decoded == [try #require(payment.qrText)])
        }
    }

    @Test func theQRCodeIsGoneOnceThePaymentIsFinal() async throws {
        try await ControlHarness.run { daemon in
            _ = try await daemon.client.create(reference: "till7-000126", amount: 12900)
            _ = try await daemon.client.post("/v1/payments/till7-000126/cancel")
            let image = try await daemon.client.get("/v1/payments/till7-000126/qr.png")
            #expect(image.status == 409)
            #expect(try image.problem().slug == "invalid-state")
            #expect(try image.problem().payment?.state == .cancelled)
        }
    }
}

/// `GET /v1/payments` as a till decodes it.
struct PaymentListBody: Decodable {
    var payments: [PaymentResource]
}
