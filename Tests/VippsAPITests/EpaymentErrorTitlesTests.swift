import CustomerDisplay
import TestSupport
import Testing
import VippsAPI
import VippsSimulator

/// Every error title of the ePayment FAQ (its table, copied below as published), produced by the simulator as
/// problem+json, read by the real client, and explained by its own row of the guidance table: the till's type and
/// code, the customer screen's category and the operator's text, with the raw problem kept.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct EpaymentErrorTitlesTests {
    /// The FAQ's titles, in its order, with an example detail where the title alone is ambiguous.
    static let faqTitles: [(title: String, detail: String?)] = [
        ("Amount too small", nil), ("Amount invalid", nil), ("Express payment not allowed", nil),
        ("Missing static shipping details", nil), ("No cards", nil), ("Payment limit exceeded", nil),
        ("Operation not supported", nil), ("Capture amount too high", nil), ("Cannot capture before reservation", nil),
        ("Cannot capture a cancelled payment", nil), ("Capture period expired", nil),
        ("Capture idempotency conflict", nil), ("Cannot cancel a captured payment", nil),
        ("Cannot cancel a non-reserved payment", nil), ("Cancel period expired", nil), ("Cannot cancel pending", nil),
        ("Order processing", nil), ("Internal error", nil), ("Payment already refunded", nil),
        ("Not enough refundable", nil), ("Refund period expired", nil), ("Refund idempotency conflict", nil),
        ("Attempted refund before reservation", nil), ("Invalid phone number", nil),
        ("merchantinfo.StaticShippingDetailsPrefix.missing", nil), ("Customer not found", nil),
        ("Idempotency error", "Reference acme-shop-123-order123abc already exists."),
        ("Reference not found", nil),
        ("Idempotency error", "Idempotency-Key 49ca711a-acee-4d01-993b-9487112e1def already exists."),
        ("Invalid URL", nil), ("Missing required parameter", nil), ("Direct capture not allowed", nil),
        ("Reserve capture not allowed", nil), ("Skip landing page not allowed", nil),
        ("Long-living payment not allowed", nil), ("Payment cannot be cancelled", nil),
        ("Payment cannot be refunded", nil), ("Payment cannot be captured", nil), ("Payment cannot be created", nil),
        ("Payment is already reserved", nil), ("Invalid scope", nil), ("Illegal scope", nil), ("Approve failed", nil),
        ("Expiration date invalid", nil), ("ExpiresAt not allowed", nil),
    ]

    @Test func everyFAQTitleHasItsOwnKindAndRow() {
        let kinds = Self.faqTitles.map {
            EpaymentProblemCatalog.kind(of: VippsProblem(title: $0.title, detail: $0.detail))
        }
        #expect(!kinds.contains(nil))
        #expect(Set(kinds.compactMap { $0 }) == Set(EpaymentProblemKind.allCases))
        let ids = EpaymentProblemKind.allCases.map { kind in
            VippsErrorGuidance.table.first { $0.title == "ePayment: \(kind.title)" && $0.id.hasPrefix("epayment-") }?.id
        }
        #expect(!ids.contains(nil))
    }

    static func status(_ kind: EpaymentProblemKind) -> Int {
        switch kind {
        case .internalError: 500
        case .referenceNotFound: 404
        case .referenceExists, .idempotencyKeyExists, .cancelPending, .orderProcessing, .captureIdempotencyConflict,
            .refundIdempotencyConflict:
            409
        default: 400
        }
    }

    @Test(arguments: Array(Self.faqTitles.indices))
    func titleThroughSimulatorAndClient(index: Int) async throws {
        let (title, detail) = Self.faqTitles[index]
        let kind = try #require(EpaymentProblemCatalog.kind(of: VippsProblem(title: title, detail: detail)))
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            await harness.simulator.inject(
                .vippsError(
                    status: Self.status(kind),
                    code: detail,
                    message: title,
                    method: "POST",
                    pathPrefix: "/epayment/v1/payments/kiosk7-titles/capture"
                )
            )
            var thrown: VippsError?
            do throws(VippsError) {
                _ = try await client.epaymentCapture(
                    reference: "kiosk7-titles",
                    amount: 1000,
                    currency: .nok,
                    idempotencyKey: "capture-1-titles"
                )
            } catch {
                thrown = error
            }
            let error = try #require(thrown, "no error for \(title)")
            // The raw problem is kept for the operator.
            #expect(error.problem?.title == title)
            #expect(error.problem?.type?.hasPrefix("urn:vipps-sim:epayment:") == true)
            #expect(error.problem?.traceId != nil)
            #expect(error.httpStatus == Self.status(kind))
            // Its own row: till type and code, customer category, operator text.
            let row = error.guidance
            #expect(row.title == "ePayment: \(kind.title)")
            #expect(row.id.hasPrefix("epayment-"))
            #expect(DisplayScreen.Reason(rawValue: row.customerMessage.rawValue) != nil)
            #expect("\(error)".contains(row.operatorHint))
            #expect(row.tillErrorType == (row.retryable ? .vippsUnavailable : .vippsRejected))
            // The state machine's reading of it.
            switch error.disposition {
            case .unknown: #expect(row.retryable)
            case .refused: #expect(!row.retryable)
            }
        }
    }

    /// A problem nobody has a title for still gets a sane row by its status.
    @Test(arguments: [(409, "epayment-conflict"), (400, "invalid-request"), (500, "vipps-internal-error")])
    func unknownTitleFallsBackToTheStatus(status: Int, id: String) async throws {
        try await SimulatorHarness.run { harness in
            await harness.simulator.inject(
                .vippsError(status: status, message: "Something new", method: "POST", pathPrefix: "/epayment/")
            )
            await #expect {
                _ = try await harness.makeClient().epaymentCancel(reference: "kiosk7-unknown", idempotencyKey: "k-1")
            } throws: { error in
                (error as? VippsError)?.guidance.id == id && (error as? VippsError)?.problem?.title == "Something new"
            }
        }
    }

    /// Titles the simulator reaches by its own rules, with no injection.
    @Test func rulesProduceTheirTitles() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            await #expect {
                _ = try await client.epaymentPayment(reference: "kiosk7-nobody")
            } throws: { ($0 as? VippsError)?.guidance.id == "epayment-reference-not-found" }
            _ = try await client.epaymentCreate(
                reference: "kiosk7-rules",
                amount: 1000,
                currency: .nok,
                description: "Kaffe",
                idempotencyKey: "create-1"
            )
            await #expect {
                _ = try await client.epaymentCreate(
                    reference: "kiosk7-rules",
                    amount: 1000,
                    currency: .nok,
                    description: "Kaffe",
                    idempotencyKey: "create-2"
                )
            } throws: { ($0 as? VippsError)?.refusal == .duplicateOrderId }
            await #expect {
                _ = try await client.epaymentCapture(
                    reference: "kiosk7-rules",
                    amount: 1000,
                    currency: .nok,
                    idempotencyKey: "capture-1"
                )
            } throws: { ($0 as? VippsError)?.guidance.id == "epayment-capture-before-reservation" }
            try await harness.simulator.open(orderId: "kiosk7-rules")
            await #expect {
                _ = try await client.epaymentCancel(reference: "kiosk7-rules", idempotencyKey: "cancel-1")
            } throws: { error in
                guard let error = error as? VippsError else { return false }
                if case .unknown = error.disposition { return error.guidance.id == "epayment-cancel-pending" }
                return false
            }
            try await harness.simulator.approve(orderId: "kiosk7-rules")
            await #expect {
                _ = try await client.epaymentCapture(
                    reference: "kiosk7-rules",
                    amount: 1001,
                    currency: .nok,
                    idempotencyKey: "capture-2"
                )
            } throws: { ($0 as? VippsError)?.guidance.id == "epayment-capture-amount-too-high" }
            _ = try await client.epaymentCapture(
                reference: "kiosk7-rules",
                amount: 600,
                currency: .nok,
                idempotencyKey: "capture-3"
            )
            // The same key with another amount is a conflict; with the same amount, the first answer again.
            await #expect {
                _ = try await client.epaymentCapture(
                    reference: "kiosk7-rules",
                    amount: 400,
                    currency: .nok,
                    idempotencyKey: "capture-3"
                )
            } throws: { ($0 as? VippsError)?.guidance.id == "epayment-capture-idempotency-conflict" }
            let replay = try await client.epaymentCapture(
                reference: "kiosk7-rules",
                amount: 600,
                currency: .nok,
                idempotencyKey: "capture-3"
            )
            #expect(replay.captured == 600)
            await #expect {
                _ = try await client.epaymentRefund(
                    reference: "kiosk7-rules",
                    amount: 601,
                    currency: .nok,
                    idempotencyKey: "refund-1"
                )
            } throws: { ($0 as? VippsError)?.guidance.id == "epayment-not-enough-refundable" }
            let truth = try #require(await harness.simulator.payment(orderId: "kiosk7-rules"))
            #expect(truth.capturedAmount == 600 && truth.successfulCaptures == 1)
        }
    }
}

extension EpaymentErrorTitlesTests {
    /// The client's whole ePayment round: create (its redirectUrl), the test environment's force approve, the read
    /// and the event log with the capture's Idempotency-Key.
    @Test func clientRoundTripWithForceApprove() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.makeClient()
            let url = try await client.epaymentCreate(
                reference: "kiosk7-round",
                amount: 2500,
                currency: .eur,
                description: "Kahvi",
                idempotencyKey: "create-round"
            )
            #expect(url.hasPrefix("https://"))
            #expect(try await client.epaymentPayment(reference: "kiosk7-round").state == .created)
            await #expect {
                try await client.epaymentForceApprove(reference: "kiosk7-round", phoneNumber: "4712")
            } throws: { ($0 as? VippsError)?.guidance.id == "epayment-invalid-phone-number" }
            try await client.epaymentForceApprove(reference: "kiosk7-round", phoneNumber: "4791234567")
            let approved = try await client.epaymentPayment(reference: "kiosk7-round")
            #expect(approved.state == .authorized && approved.authorizedAmount == 2500 && approved.currency == "EUR")
            _ = try await client.epaymentCapture(
                reference: "kiosk7-round",
                amount: 2500,
                currency: .eur,
                idempotencyKey: "capture-round"
            )
            let events = try await client.epaymentEvents(reference: "kiosk7-round")
            #expect(events.map(\.name) == [.created, .authorized, .captured])
            #expect(events.last?.idempotencyKey == "capture-round")
        }
    }
}
