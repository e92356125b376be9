import Foundation
import Metrics

/// What the Vipps client counts for a fleet's Prometheus, through swift-metrics: every HTTP request (access tokens
/// included) by call and status class, its latency, and rate-limit answers. Label values come from fixed sets.
struct VippsMetrics: Sendable {
    enum Name {
        static let requests = "qrpayd_vipps_requests_total"
        static let requestDuration = "qrpayd_vipps_request_duration_seconds"
        static let rateLimited = "qrpayd_vipps_rate_limited_total"
        static let tokenExpiry = "qrpayd_vipps_access_token_expiry_seconds"
    }

    let factory: any MetricsFactory

    /// One request and how it ended: an HTTP status, or `timeout` / `network` when no answer came.
    func request(_ operation: VippsOperation, status: Int?, failure: VippsError.Kind?, took duration: Duration) {
        let statusClass: String
        if let status {
            statusClass = "\(status / 100)xx"
        } else {
            statusClass = failure == .timeout ? "timeout" : "network"
        }
        Counter(
            label: Name.requests,
            dimensions: [("operation", operation.rawValue), ("status_class", statusClass)],
            factory: self.factory
        ).increment()
        Timer(label: Name.requestDuration, dimensions: [("operation", operation.rawValue)], factory: self.factory)
            .record(duration: duration)
        if status == 429 {
            Counter(label: Name.rateLimited, dimensions: [("operation", operation.rawValue)], factory: self.factory)
                .increment()
        }
    }

    /// Seconds until the access token in use expires (0 when there is none): the renewal runs well before that.
    func tokenExpiry(validUntil: Date?, at now: Date = Date()) {
        Gauge(label: Name.tokenExpiry, factory: self.factory).record(max(0, validUntil?.timeIntervalSince(now) ?? 0))
    }
}
