import Foundation
import Logging
import PaymentCore
import Prometheus
import TestSupport
import Testing
import VippsAPI
import VippsSimulator

/// What a fleet's Prometheus would see of the engine: every payment counted once, by how it ended, with its
/// histograms sampled; Vipps' faults counted by call and status; and label values only ever from fixed sets, however
/// many payments with whatever references pass through.
@Suite(.timeLimit(.minutes(2)))
struct EngineMetricsTests {
    static func request(_ reference: String, amount: Int = 12900) -> PaymentRequest {
        PaymentRequest(reference: reference, amount: amount, text: "Kaffe")
    }

    static func scrape(_ registry: PrometheusCollectorRegistry) throws -> PrometheusText {
        try PrometheusText(registry.emitToString())
    }

    @Test func aPaymentRunMovesEachCounterByExactlyWhatHappened() async throws {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        try await EngineHarness.run(engine: .testing { $0.settlement = .till }, metrics: factory) { h in
            var events = await h.events()
            // 1: approved, captured in two parts by the till, partly refunded.
            let (first, _) = try await h.engine.create(Self.request("m-1", amount: 10000))
            try await h.simulator.open(orderId: first.orderId)
            try await h.simulator.approve(orderId: first.orderId)
            _ = try #require(await events.next("m-1", .authorized))
            _ = try await h.engine.capture(reference: "m-1", amount: 4000, idempotencyKey: "c1")
            _ = try await h.engine.capture(reference: "m-1", amount: nil, idempotencyKey: "c2")
            // The same key again is the same operation: not counted twice.
            _ = try await h.engine.capture(reference: "m-1", amount: nil, idempotencyKey: "c2")
            _ = try await h.engine.refund(reference: "m-1", amount: 2500, idempotencyKey: "r1")

            // 2: declined by the customer.
            let (second, _) = try await h.engine.create(Self.request("m-2"))
            try await h.simulator.open(orderId: second.orderId)
            try await h.simulator.decline(orderId: second.orderId)
            _ = try #require(await events.next("m-2", .rejected))

            // 3: cancelled by the till before the customer approved.
            _ = try await h.engine.create(Self.request("m-3"))
            _ = try await h.engine.cancel(reference: "m-3", idempotencyKey: "x1")

            let text = try Self.scrape(registry)
            #expect(text.value("qrpayd_payments_started_total") == 3)
            #expect(text.value("qrpayd_payments_ended_total", ["outcome": "captured"]) == 1)
            #expect(text.value("qrpayd_payments_ended_total", ["outcome": "rejected"]) == 1)
            #expect(text.value("qrpayd_payments_ended_total", ["outcome": "cancelled"]) == 1)
            #expect(text.value("qrpayd_payments_ended_total") == 3)
            #expect(text.value("qrpayd_money_operations_total", ["kind": "capture", "result": "succeeded"]) == 2)
            #expect(text.value("qrpayd_money_operations_total", ["kind": "refund", "result": "succeeded"]) == 1)
            #expect(text.value("qrpayd_money_operations_total", ["kind": "cancel", "result": "succeeded"]) == 1)
            #expect(text.value("qrpayd_money_operations_total", ["result": "failed"]) == 0)
            // Every payment's QR code was ready once; one payment was approved.
            #expect(text.value("qrpayd_payment_qr_ready_seconds_count") == 3)
            #expect(text.value("qrpayd_payment_approval_to_till_seconds_count") == 1)
            // One store write per stored event, each timed.
            let stored = try h.store.events(after: 0, limit: 10_000)
            #expect(text.value("qrpayd_store_write_seconds_count") == Double(stored.count))
            // The Vipps client counted its calls: three initiates, two captures, one refund, one cancel, all 2xx.
            #expect(text.value("qrpayd_vipps_requests_total", ["operation": "initiate", "status_class": "2xx"]) == 3)
            #expect(text.value("qrpayd_vipps_requests_total", ["operation": "capture", "status_class": "2xx"]) == 2)
            #expect(text.value("qrpayd_vipps_requests_total", ["operation": "refund", "status_class": "2xx"]) == 1)
            #expect(text.value("qrpayd_vipps_requests_total", ["operation": "cancel", "status_class": "2xx"]) == 1)
            #expect(text.value("qrpayd_vipps_request_duration_seconds_count", ["operation": "capture"]) == 2)
            #expect(text.value("qrpayd_vipps_errors_total") == 0)
            // The harness's start-up recovery ran once and found nothing to reconcile.
            #expect(text.value("qrpayd_recovery_runs_total") == 1)
            #expect(text.value("qrpayd_recovery_reconciled_payments_total") == 0)

            // Gauges describe the state at the scrape: nothing with the customer, nothing pending or reserved.
            await h.engine.recordGauges()
            let gauges = try Self.scrape(registry)
            #expect(gauges.value("qrpayd_open_payments") == 0)
            #expect(gauges.value("qrpayd_money_operations_pending") == 0)
            #expect(gauges.value("qrpayd_reserved_payments") == 0)
            #expect(gauges.value("qrpayd_vipps_reachable") == 1)
        }
    }

    @Test func vippsFaultsAreCountedByCallStatusAndGuidance() async throws {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        try await EngineHarness.run(engine: .testing { $0.settlement = .till }, metrics: factory) { h in
            var events = await h.events()
            let (payment, _) = try await h.engine.create(Self.request("f-1"))
            // Two failed looks at the payment, then Vipps answers again.
            await h.simulator.inject(.status(500, count: 2, method: "GET", pathPrefix: "/ecomm/v2/payments/"))
            try await h.simulator.open(orderId: payment.orderId)
            try await h.simulator.approve(orderId: payment.orderId)
            _ = try #require(await events.next("f-1", .authorized))
            // The payment waits for the till: a gauge says so, with the money reserved.
            await h.engine.recordGauges()
            #expect(try Self.scrape(registry).value("qrpayd_reserved_payments") == 1)

            // A capture Vipps answers with 429 and Retry-After: the outcome is unknown (pending), the wait is counted.
            await h.simulator.inject(
                .status(
                    429,
                    retryAfter: 1,
                    count: 1,
                    method: "POST",
                    pathPrefix: "/ecomm/v2/payments/kiosk7-f-1/capture"
                )
            )
            let result = try await h.engine.capture(reference: "f-1", amount: nil, idempotencyKey: "k1")
            #expect(result.operation?.state == .pending)
            await h.engine.recordGauges()
            let pending = try Self.scrape(registry)
            #expect(pending.value("qrpayd_money_operations_pending") == 1)
            #expect(pending.value("qrpayd_money_operation_oldest_pending_age_seconds") >= 0)
            _ = try #require(await events.next("f-1", .captured))

            let text = try Self.scrape(registry)
            #expect(text.value("qrpayd_vipps_requests_total", ["operation": "details", "status_class": "5xx"]) == 2)
            #expect(text.value("qrpayd_vipps_requests_total", ["operation": "capture", "status_class": "4xx"]) == 1)
            #expect(text.value("qrpayd_vipps_rate_limited_total", ["operation": "capture"]) == 1)
            #expect(text.value("qrpayd_vipps_retry_after_seconds_total") == 1)
            #expect(text.value("qrpayd_vipps_errors_total") == 3)
            #expect(text.value("qrpayd_vipps_errors_total", ["setup": "true"]) == 0)
            // The look after two failures is a retry, and so is each after the first; the capture after its 429 too.
            #expect(text.value("qrpayd_vipps_retries_total", ["operation": "details"]) == 2)
            #expect(text.value("qrpayd_vipps_retries_total", ["operation": "capture"]) == 1)
            #expect(text.value("qrpayd_money_operations_total", ["kind": "capture", "result": "succeeded"]) == 1)
        }
    }

    @Test func refusedCredentialsAreASetupError() async throws {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        try await EngineHarness.run(metrics: factory) { h in
            await h.simulator.inject(
                .vippsError(status: 401, message: "Access denied due to invalid subscription key.", count: 1)
            )
            // Whether the till hears a problem or a failed payment is the engine's business; the count is ours.
            _ = try? await h.engine.create(Self.request("s-1"))
            let text = try Self.scrape(registry)
            #expect(text.value("qrpayd_vipps_errors_total", ["setup": "true"]) >= 1)
            let guidance = Set(
                text.samples.filter { $0.name == "qrpayd_vipps_errors_total" }.compactMap {
                    $0.labels["guidance"]
                }
            )
            #expect(guidance.contains("invalid-subscription-key"))
        }
    }

    @Test func recoveryCountsWhatItReconciled() async throws {
        let directory = try TemporaryDirectory()
        let seed: @Sendable (SimulatorHarness) async throws -> Void = { simulatorHarness in
            // What the box held when it stopped: a payment still in front of its customer.
            let engine = PaymentEngine(
                configuration: .testing(),
                vipps: simulatorHarness.makeClient(),
                store: try PaymentStore(directory: directory.path),
                logger: Logger(label: "test.seed")
            )
            _ = try await engine.create(Self.request("r-1"))
        }
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        try await EngineHarness.run(directory: directory, metrics: factory, seed: seed) { h in
            let text = try Self.scrape(registry)
            #expect(text.value("qrpayd_recovery_runs_total") == 1)
            #expect(text.value("qrpayd_recovery_reconciled_payments_total") == 1)
            #expect(text.value("qrpayd_recovery_unreconciled_payments_total") == 0)
            await h.engine.recordGauges()
            #expect(try Self.scrape(registry).value("qrpayd_open_payments") == 1)
        }
    }

    /// Many payments with random references and every outcome: the label values stay inside their fixed sets and no
    /// reference or orderId ever becomes a label.
    @Test func labelSetsStayBoundedThroughASoak() async throws {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        try await EngineHarness.run(engine: .testing { $0.settlement = .till }, metrics: factory) { h in
            var events = await h.events()
            var references: [String] = []
            var seriesAfterWarmUp = 0
            for index in 0..<40 {
                let reference = "soak-\(UUID().uuidString.prefix(8).lowercased())"
                references.append(reference)
                let (payment, _) = try await h.engine.create(Self.request(reference, amount: 1000 + index))
                switch index % 4 {
                case 0:
                    try await h.simulator.open(orderId: payment.orderId)
                    try await h.simulator.approve(orderId: payment.orderId)
                    _ = try #require(await events.next(reference, .authorized))
                    _ = try await h.engine.capture(reference: reference, amount: nil, idempotencyKey: "\(reference)-c")
                    _ = try await h.engine.refund(reference: reference, amount: 100, idempotencyKey: "\(reference)-r")
                case 1:
                    try await h.simulator.open(orderId: payment.orderId)
                    try await h.simulator.decline(orderId: payment.orderId)
                    _ = try #require(await events.next(reference, .rejected))
                case 2:
                    try await h.simulator.open(orderId: payment.orderId)
                    try await h.simulator.approve(orderId: payment.orderId)
                    _ = try #require(await events.next(reference, .authorized))
                    _ = try await h.engine.cancel(reference: reference)
                default:
                    _ = try await h.engine.cancel(reference: reference)
                }
                if index == 7 {
                    await h.engine.recordGauges()
                    seriesAfterWarmUp = try Self.scrape(registry).samples.count
                }
            }
            await h.engine.recordGauges()
            let text = try Self.scrape(registry)
            // Every outcome was seen in the first eight payments: thirty-two more add no series.
            #expect(text.samples.count == seriesAfterWarmUp)
            #expect(text.value("qrpayd_payments_started_total") == 40)
            let allowed: [String: Set<String>] = [
                "outcome": Set(PaymentState.allCases.map(\.rawValue)),
                "kind": Set(MoneyOperation.Kind.allCases.map(\.rawValue)),
                "result": ["succeeded", "failed"],
                "operation": Set(VippsOperation.allCases.map(\.rawValue)),
                "status_class": ["1xx", "2xx", "3xx", "4xx", "5xx", "timeout", "network"],
                "guidance": Set(VippsErrorGuidance.table.map(\.id) + ["vipps-unexplained-error"]),
                "setup": ["true", "false"],
                "reason": ["retry-after", "rate-limit"],
                "le": [],
            ]
            for sample in text.samples {
                for (label, value) in sample.labels {
                    let known = try #require(allowed[label], "unexpected label \(label) on \(sample.name)")
                    if label != "le" { #expect(known.contains(value), "\(sample.name){\(label)=\"\(value)\"}") }
                }
            }
            let everything = text.samples.flatMap(\.labels.values).joined(separator: " ")
            for reference in references { #expect(!everything.contains(reference)) }
        }
    }
}
