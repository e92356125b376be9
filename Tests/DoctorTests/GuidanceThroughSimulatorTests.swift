import CustomerDisplay
import Foundation
import PaymentCore
import QRPayDaemon
import TestSupport
import Testing
import VippsAPI
import VippsSimulator

/// Every guidance row the simulator can produce, produced for real: what the till, the customer screen and the
/// operator get for it. Rows only callbacks carry (41-45 card errors, 81/82 user errors) are covered by the unit tests
/// in Tests/VippsAPITests/ErrorGuidanceTests.swift.
@Suite("Vipps error guidance through the simulator", .serialized)
struct GuidanceThroughSimulatorTests {
    typealias Guidance = VippsErrorGuidance

    /// One error row and how to make the simulator produce it through the real client.
    struct ClientCase: Sendable, CustomTestStringConvertible {
        var id: String
        var till: Guidance.TillErrorType
        var customer: Guidance.CustomerMessage
        var simulator: VippsSimulatorConfiguration = .demo
        var credentials: VippsCredentials = SimulatorHarness.demoCredentials
        var requestTimeout: Duration = .seconds(5)
        /// Must end with the client throwing the error.
        var produce: @Sendable (SimulatorHarness, VippsClient) async throws -> Void

        var testDescription: String { self.id }
    }

    static let demo = VippsSimulatorConfiguration.demoSalesUnit

    static func credentials(_ change: (inout VippsCredentials) -> Void) -> VippsCredentials {
        var credentials = SimulatorHarness.demoCredentials
        change(&credentials)
        return credentials
    }

    static func unit(_ change: (inout VippsSimulatorConfiguration.SalesUnit) -> Void) -> VippsSimulatorConfiguration {
        var unit = Self.demo
        change(&unit)
        return VippsSimulatorConfiguration(salesUnits: [unit])
    }

    static func initiation(
        _ orderId: String,
        amount: Int = 10000,
        fallBack: String = "https://www.vipps.no/thankyoupage/",
        callback: String = "https://example.com/qrpayd-uses-polling"
    ) -> PaymentInitiation {
        PaymentInitiation(
            orderId: orderId,
            amount: amount,
            transactionText: "Kaffe",
            fallBackURL: fallBack,
            callbackPrefix: callback
        )
    }

    /// A payment the customer has approved (reserved, not captured).
    static func reserved(_ orderId: String, _ h: SimulatorHarness, _ client: VippsClient) async throws {
        _ = try await client.initiate(Self.initiation(orderId))
        try await h.simulator.open(orderId: orderId)
        try await h.simulator.approve(orderId: orderId)
    }

    static let clientCases: [ClientCase] = [
        ClientCase(
            id: "missing-subscription-key",
            till: .vippsRejected,
            customer: .technicalError,
            credentials: Self.credentials { $0.subscriptionKey = "" }
        ) { _, client in _ = try await client.tokens.token() },
        ClientCase(
            id: "invalid-subscription-key",
            till: .vippsRejected,
            customer: .technicalError,
            credentials: Self.credentials { $0.subscriptionKey = "someone-elses-key" }
        ) { _, client in _ = try await client.tokens.token() },
        ClientCase(
            id: "invalid-client-credentials",
            till: .vippsRejected,
            customer: .technicalError,
            credentials: Self.credentials { $0.clientSecret = "wrong-secret" }
        ) { _, client in _ = try await client.tokens.token() },
        ClientCase(
            id: "login-only-sales-unit",
            till: .vippsRejected,
            customer: .technicalError,
            simulator: Self.unit { $0.loginOnly = true }
        ) { _, client in _ = try await client.initiate(Self.initiation("kiosk7-login-only")) },
        ClientCase(
            id: "merchant-serial-number-not-allowed",
            till: .vippsRejected,
            customer: .technicalError,
            simulator: VippsSimulatorConfiguration(partnerCredentials: [
                .init(
                    clientID: "partner-id",
                    clientSecret: "partner-secret",
                    subscriptionKey: "partner-key",
                    connectedMSNs: ["999999"]
                )
            ]),
            credentials: VippsCredentials(
                clientID: "partner-id",
                clientSecret: "partner-secret",
                subscriptionKey: "partner-key",
                merchantSerialNumber: Self.demo.msn
            )
        ) { _, client in _ = try await client.initiate(Self.initiation("kiosk7-partner")) },
        ClientCase(id: "duplicate-order-id", till: .vippsRejected, customer: .technicalError) { _, client in
            _ = try await client.initiate(Self.initiation("kiosk7-twice"))
            _ = try await client.initiate(Self.initiation("kiosk7-twice"))
        },
        ClientCase(id: "order-not-found", till: .vippsRejected, customer: .technicalError) { _, client in
            _ = try await client.details(orderId: "kiosk7-never-created")
        },
        ClientCase(
            id: "merchant-deactivated",
            till: .vippsRejected,
            customer: .technicalError,
            simulator: Self.unit { $0.deactivated = true }
        ) { _, client in _ = try await client.initiate(Self.initiation("kiosk7-deactivated")) },
        ClientCase(id: "invalid-amount", till: .vippsRejected, customer: .technicalError) { _, client in
            _ = try await client.initiate(Self.initiation("kiosk7-amount", amount: 50))
        },
        ClientCase(id: "invalid-callback-url", till: .vippsRejected, customer: .technicalError) { _, client in
            _ = try await client.initiate(Self.initiation("kiosk7-callback", callback: "https://localhost/cb"))
        },
        ClientCase(id: "invalid-fallback-url", till: .vippsRejected, customer: .technicalError) { _, client in
            _ = try await client.initiate(Self.initiation("kiosk7-fallback", fallBack: "http://example.com/done"))
        },
        ClientCase(id: "capture-exceeds-reserved", till: .vippsRejected, customer: .technicalError) { h, client in
            try await Self.reserved("kiosk7-61", h, client)
            _ = try await client.capture(orderId: "kiosk7-61", amount: 20000, text: "Kaffe", requestId: "c-61")
        },
        ClientCase(id: "capture-before-reservation", till: .vippsRejected, customer: .technicalError) { _, client in
            _ = try await client.initiate(Self.initiation("kiosk7-62"))
            _ = try await client.capture(orderId: "kiosk7-62", amount: nil, text: "Kaffe", requestId: "c-62")
        },
        ClientCase(id: "refund-exceeds-captured", till: .vippsRejected, customer: .technicalError) { h, client in
            try await Self.reserved("kiosk7-71", h, client)
            _ = try await client.capture(orderId: "kiosk7-71", amount: 5000, text: "Kaffe", requestId: "c-71")
            _ = try await client.refund(orderId: "kiosk7-71", amount: 8000, text: "Kaffe", requestId: "r-71")
        },
        ClientCase(id: "refund-before-capture", till: .vippsRejected, customer: .technicalError) { h, client in
            try await Self.reserved("kiosk7-72", h, client)
            _ = try await client.refund(orderId: "kiosk7-72", amount: 1000, text: "Kaffe", requestId: "r-72")
        },
        ClientCase(id: "refund-of-cancelled", till: .vippsRejected, customer: .technicalError) { h, client in
            try await Self.reserved("kiosk7-73", h, client)
            _ = try await client.cancel(orderId: "kiosk7-73", text: "Avbrutt")
            _ = try await client.refund(orderId: "kiosk7-73", amount: 1000, text: "Kaffe", requestId: "r-73")
        },
        ClientCase(id: "cancel-after-capture", till: .vippsRejected, customer: .technicalError) { h, client in
            try await Self.reserved("kiosk7-51", h, client)
            _ = try await client.capture(orderId: "kiosk7-51", amount: nil, text: "Kaffe", requestId: "c-51")
            _ = try await client.cancel(orderId: "kiosk7-51", text: "Avbrutt")
        },
        ClientCase(id: "operation-not-allowed", till: .vippsRejected, customer: .technicalError) { h, client in
            try await Self.reserved("kiosk7-91", h, client)
            _ = try await client.cancel(orderId: "kiosk7-91", text: "Avbrutt")
            _ = try await client.capture(orderId: "kiosk7-91", amount: nil, text: "Kaffe", requestId: "c-91")
        },
        ClientCase(id: "idempotency-conflict", till: .vippsRejected, customer: .technicalError) { h, client in
            try await Self.reserved("kiosk7-93", h, client)
            _ = try await client.capture(orderId: "kiosk7-93", amount: 3000, text: "Kaffe", requestId: "c-93")
            _ = try await client.capture(orderId: "kiosk7-93", amount: 4000, text: "Kaffe", requestId: "c-93")
        },
        ClientCase(id: "rate-limited", till: .vippsUnavailable, customer: .vippsUnavailable) { h, client in
            await h.simulator.inject(.status(429, retryAfter: 1, count: 1, pathPrefix: "/ecomm"))
            _ = try await client.initiate(Self.initiation("kiosk7-429"))
        },
        ClientCase(id: "vipps-internal-error", till: .vippsUnavailable, customer: .vippsUnavailable) { h, client in
            await h.simulator.inject(.status(500, bodyShape: .responseInfo, count: 1, pathPrefix: "/ecomm"))
            _ = try await client.initiate(Self.initiation("kiosk7-500"))
        },
        ClientCase(id: "vipps-unavailable", till: .vippsUnavailable, customer: .vippsUnavailable) { h, client in
            await h.simulator.inject(.status(502, bodyShape: .azure, count: 1, pathPrefix: "/ecomm"))
            _ = try await client.initiate(Self.initiation("kiosk7-502"))
        },
        ClientCase(id: "vipps-unavailable", till: .vippsUnavailable, customer: .vippsUnavailable) { h, client in
            await h.simulator.inject(.status(503, bodyShape: .empty, count: 1, pathPrefix: "/ecomm"))
            _ = try await client.details(orderId: "kiosk7-503")
        },
        ClientCase(
            id: "vipps-unreachable",
            till: .vippsUnavailable,
            customer: .vippsUnavailable,
            requestTimeout: .seconds(2)
        ) { h, client in
            // The short timeout is for the held answer; a busy machine may need more than one try for the token.
            for _ in 0..<5 where await client.tokens.validUntil == nil { _ = try? await client.tokens.token() }
            await h.simulator.inject(.latency(.seconds(30), count: 1, pathPrefix: "/ecomm"))
            _ = try await client.details(orderId: "kiosk7-slow")
        },
    ]

    @Test("each producible row reaches the till, the customer and the operator", arguments: Self.clientCases)
    func throughTheClient(_ row: ClientCase) async throws {
        let guidance = try #require(Guidance.entry(id: row.id))
        try await SimulatorHarness.run(row.simulator) { h in
            let client = h.makeClient(credentials: row.credentials, requestTimeout: row.requestTimeout)
            do {
                try await row.produce(h, client)
                Issue.record("the simulator accepted what should have produced \(row.id)")
            } catch let error as VippsError {
                #expect(error.guidance.id == row.id, "\(error)")
                #expect(guidance.tillErrorType == row.till)
                #expect(guidance.customerMessage == row.customer)
                let problem = PaymentProblem(vipps: error)
                #expect(problem.type == "urn:qrpayd:error:\(row.till.rawValue)")
                #expect(problem.code == row.id)
                #expect(problem.hint == guidance.operatorHint)
                #expect(error.description.contains(guidance.operatorHint))
            }
        }
    }

    /// A row that fails the payment itself, produced through the real engine, down to the customer's screen.
    struct PaymentCase: Sendable, CustomTestStringConvertible {
        var id: String
        var reason: DisplayScreen.Reason
        var simulator: VippsSimulatorConfiguration = .demo
        var engine: EngineConfiguration = .testing()

        var testDescription: String { self.id }
    }

    static let paymentCases: [PaymentCase] = [
        PaymentCase(
            id: "invalid-subscription-key",
            reason: .technicalError,
            simulator: Self.unit { $0.subscriptionKey = "the-real-key" }
        ),
        PaymentCase(
            id: "invalid-client-credentials",
            reason: .technicalError,
            simulator: Self.unit { $0.clientSecret = "the-real-secret" }
        ),
        PaymentCase(id: "login-only-sales-unit", reason: .technicalError, simulator: Self.unit { $0.loginOnly = true }),
        PaymentCase(
            id: "merchant-deactivated",
            reason: .technicalError,
            simulator: Self.unit { $0.deactivated = true }
        ),
        PaymentCase(
            id: "invalid-callback-url",
            reason: .technicalError,
            engine: .testing { $0.callbackPrefix = "https://localhost/cb" }
        ),
        PaymentCase(
            id: "invalid-fallback-url",
            reason: .technicalError,
            engine: .testing { $0.fallBackURL = "http://example.com/done" }
        ),
    ]

    @Test("a payment Vipps refuses fails with the row's code and the row's screen", arguments: Self.paymentCases)
    func throughTheEngine(_ row: PaymentCase) async throws {
        let guidance = try #require(Guidance.entry(id: row.id))
        let feed = DisplayFeed()
        let bridge = DisplayBridge(feed: feed)
        let observer: PaymentEngine.Observer = { await bridge.handle($0) }
        try await EngineHarness.run(engine: row.engine, simulator: row.simulator, observer: observer) { h in
            var screens = await feed.subscribe().makeAsyncIterator()
            let (payment, _) = try await h.engine.create(PaymentRequest(reference: "g-1", amount: 12900, text: nil))
            #expect(payment.state == .failed)
            let error = try #require(payment.error)
            #expect(error.code == row.id)
            #expect(error.type == "urn:qrpayd:error:\(guidance.tillErrorType.rawValue)")
            #expect(error.hint == guidance.operatorHint)
            while let screen = await screens.next(), screen.kind != .failed {}
            let shown = await feed.current
            #expect(shown.kind == .failed)
            #expect(shown.reason == row.reason)
            #expect(shown.reason?.rawValue == guidance.customerMessage.rawValue)
        }
    }
}
