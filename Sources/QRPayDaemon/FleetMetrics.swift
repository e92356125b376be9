import Foundation
package import Metrics
package import Prometheus

/// The daemon's metrics: one Prometheus registry that every part counts into through swift-metrics, and the text a
/// scrape of `GET /metrics` returns (on the control socket, and on `metrics.listen` when enabled).
///
/// Counters and histograms move as things happen; gauges that describe a state (open payments, pending money, the
/// token's expiry, connected screens, the process) are set just before each scrape. No label carries a till
/// reference, an orderId or anything secret: every label value comes from a fixed set.
package struct FleetMetrics: Sendable {
    package let registry: PrometheusCollectorRegistry
    /// Hand this to the parts that count (engine, Vipps client).
    package let factory: any MetricsFactory
    private let process: ProcessMetrics

    enum Name {
        static let buildInfo = "qrpayd_build_info"
        static let screensConnected = "qrpayd_customer_screens_connected"
        static let listenerUp = "qrpayd_listener_up"
    }

    /// - Parameters:
    ///   - version: qrpayd's version.
    ///   - api: the Vipps API backend in use (`vipps.api`: `ecom` or `epayment`).
    ///   - environment: `test` or `production`.
    package init(version: String, api: String, environment: String) {
        let registry = PrometheusCollectorRegistry()
        var prometheus = PrometheusMetricsFactory(registry: registry)
        prometheus.durationHistogramBuckets = Self.buckets
        let factory = DescribedMetricsFactory(base: prometheus, help: Self.descriptions)
        self.registry = registry
        self.factory = factory
        self.process = ProcessMetrics(factory: factory)
        Gauge(
            label: Name.buildInfo,
            dimensions: [("version", version), ("api", api), ("environment", environment)],
            factory: factory
        ).record(1)
    }

    /// The `# HELP` line of every metric the daemon exports (the README's table says the same).
    static let descriptions: [String: String] = [
        "qrpayd_payments_started_total": "Payments the till started.",
        "qrpayd_payments_ended_total": "Payments that ended, by outcome.",
        "qrpayd_payment_qr_ready_seconds": "From the till's request to the QR code on the screen.",
        "qrpayd_payment_approval_to_till_seconds":
            "From the last look at Vipps that had not seen the approval to the till's event.",
        "qrpayd_open_payments": "Payments with the customer now.",
        "qrpayd_open_payment_oldest_age_seconds": "Age of the oldest payment with the customer (0 if none).",
        "qrpayd_reserved_payments": "Approved payments whose money is still reserved.",
        "qrpayd_money_operations_total": "Captures, refunds and cancels that ended, by kind and result.",
        "qrpayd_money_operations_pending": "Captures, refunds and cancels whose outcome Vipps has not confirmed.",
        "qrpayd_money_operation_oldest_pending_age_seconds": "Age of the oldest pending money operation (0 if none).",
        "qrpayd_vipps_requests_total": "HTTP requests to Vipps, by call and status class (timeout, network if none).",
        "qrpayd_vipps_request_duration_seconds": "Time of each HTTP request to Vipps, by call.",
        "qrpayd_vipps_rate_limited_total": "429 answers from Vipps, by call.",
        "qrpayd_vipps_retries_total": "Calls to Vipps that followed a failed call of the same kind for the payment.",
        "qrpayd_vipps_calls_deferred_total": "Calls held back by the per-orderId budget or a Retry-After, by reason.",
        "qrpayd_vipps_retry_after_seconds_total": "Seconds Vipps asked qrpayd to wait (Retry-After).",
        "qrpayd_vipps_errors_total":
            "Errors from Vipps by their row in the troubleshooting table; setup=true needs an operator.",
        "qrpayd_vipps_reachable": "1 while Vipps answers, 0 after failures to reach it.",
        "qrpayd_vipps_access_token_expiry_seconds": "Seconds the Vipps access token in use has left (0 if none).",
        "qrpayd_unreconciled_payments": "Payments Vipps could not be asked about since the last restart.",
        "qrpayd_recovery_runs_total": "Start-up reconciliations with Vipps.",
        "qrpayd_recovery_reconciled_payments_total": "Payments start-up reconciliation settled with Vipps' answer.",
        "qrpayd_recovery_unreconciled_payments_total": "Payments start-up reconciliation could not ask Vipps about.",
        "qrpayd_store_write_seconds": "One SQLite transaction: a payment, its operations and its event.",
        "qrpayd_store_writable": "1 while the payment database takes writes, 0 after one failed (disk full, I/O).",
        "qrpayd_store_pruned_payments_total": "Settled payments older than state.retention that were deleted.",
        "qrpayd_customer_screens_connected": "Customer pages holding the display's event stream open.",
        "qrpayd_listener_up": "1 while the display or metrics listener serves, 0 while its port cannot be had.",
        "qrpayd_build_info": "qrpayd's version, Vipps API and environment (always 1).",
        "process_resident_memory_bytes": "Resident memory size in bytes.",
        "process_virtual_memory_bytes": "Virtual memory size in bytes.",
        "process_cpu_seconds_total": "User and system CPU time spent in seconds.",
        "process_open_fds": "Number of open file descriptors.",
        "process_max_fds": "Maximum number of open file descriptors.",
        "process_start_time_seconds": "Start time of the process since the Unix epoch in seconds.",
    ]

    /// Histogram buckets per metric, in seconds, fitted to what each measures.
    static let buckets: [String: [Duration]] = [
        "qrpayd_payment_qr_ready_seconds": seconds(0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20),
        "qrpayd_payment_approval_to_till_seconds": seconds(0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30),
        "qrpayd_vipps_request_duration_seconds": seconds(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        "qrpayd_store_write_seconds": seconds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1),
    ]

    private static func seconds(_ values: Double...) -> [Duration] { values.map { Duration.seconds($0) } }

    /// How many customer pages hold the display's event stream open (only when the display is enabled).
    package func screensConnected(_ count: Int) {
        Gauge(label: Name.screensConnected, factory: self.factory).record(count)
    }

    /// Whether the `display` or `metrics` listener serves (only those the daemon serves; the label set is fixed).
    package func listenerUp(_ listener: String, _ up: Bool) {
        Gauge(label: Name.listenerUp, dimensions: [("listener", listener)], factory: self.factory).record(up ? 1 : 0)
    }

    /// The Prometheus text exposition of everything counted so far, with the process gauges read now.
    package func exposition() -> String {
        self.process.record()
        return self.registry.emitToString()
    }
}
