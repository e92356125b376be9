import Foundation
import Metrics
import Prometheus

/// The daemon's metrics: one Prometheus registry that every part counts into through swift-metrics, and the text a
/// scrape of `GET /metrics` returns (on the control socket, and on `metrics.listen` when enabled).
///
/// Counters and histograms move as things happen; gauges that describe a state (open payments, pending money, the
/// token's expiry, connected screens, the process) are set just before each scrape. No label carries a till
/// reference, an orderId or anything secret: every label value comes from a fixed set.
public struct FleetMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Hand this to the parts that count (engine, Vipps client).
    public let factory: PrometheusMetricsFactory
    private let process: ProcessMetrics

    enum Name {
        static let buildInfo = "qrpayd_build_info"
        static let screensConnected = "qrpayd_customer_screens_connected"
    }

    /// - Parameters:
    ///   - version: qrpayd's version.
    ///   - api: the Vipps API backend in use (`vipps.api`: `ecom` or `epayment`).
    ///   - environment: `test` or `production`.
    public init(version: String, api: String, environment: String) {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = Self.buckets
        self.registry = registry
        self.factory = factory
        self.process = ProcessMetrics(factory: factory)
        Gauge(
            label: Name.buildInfo,
            dimensions: [("version", version), ("api", api), ("environment", environment)],
            factory: factory
        ).record(1)
    }

    /// Histogram buckets per metric, in seconds, fitted to what each measures.
    static let buckets: [String: [Duration]] = [
        "qrpayd_payment_qr_ready_seconds": seconds(0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20),
        "qrpayd_payment_approval_to_till_seconds": seconds(0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30),
        "qrpayd_vipps_request_duration_seconds": seconds(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        "qrpayd_store_write_seconds": seconds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1),
    ]

    private static func seconds(_ values: Double...) -> [Duration] { values.map { Duration.seconds($0) } }

    /// How many customer pages hold the display's event stream open (only when the display is enabled).
    public func screensConnected(_ count: Int) {
        Gauge(label: Name.screensConnected, factory: self.factory).record(count)
    }

    /// The Prometheus text exposition of everything counted so far, with the process gauges read now.
    public func exposition() -> String {
        self.process.record()
        return self.registry.emitToString()
    }
}
