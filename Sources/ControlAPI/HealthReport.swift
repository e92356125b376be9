public import Foundation
public import PaymentCore

/// The answer to `GET /v1/health`: what an operator or a till checks before it sends a customer to the screen.
///
/// The daemon's composition root fills it, because only it knows the display, the store and the token cache; the
/// control server just serves it, with the active payment and the last error in their wire form
/// (``PaymentResource``, ``PaymentErrorResource``).
public struct HealthReport: Sendable, Hashable, Encodable {
    public enum Status: String, Sendable, Hashable, Codable {
        /// Vipps answers, the store writes, the display listens.
        case ok
        /// Something needs the operator; payments may still work (see the parts).
        case degraded
    }

    /// The daemon's connection to Vipps.
    public struct Vipps: Sendable, Hashable, Encodable {
        public var reachable: Bool
        /// `test`, `production` or `simulator`.
        public var environment: String
        /// When the cached access token runs out, if there is one.
        public var tokenValidUntil: Date?
        /// What went wrong last time, while Vipps is failing.
        public var lastError: PaymentError?
        public var lastSuccess: Date?

        public init(
            reachable: Bool,
            environment: String,
            tokenValidUntil: Date? = nil,
            lastError: PaymentError? = nil,
            lastSuccess: Date? = nil
        ) {
            self.reachable = reachable
            self.environment = environment
            self.tokenValidUntil = tokenValidUntil
            self.lastError = lastError
            self.lastSuccess = lastSuccess
        }

        private enum CodingKeys: String, CodingKey {
            case reachable, environment, tokenValidUntil, lastError, lastSuccess
        }

        /// Members without a value are left out.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.reachable, forKey: .reachable)
            try container.encode(self.environment, forKey: .environment)
            try container.encodeIfPresent(self.tokenValidUntil, forKey: .tokenValidUntil)
            try container.encodeIfPresent(self.lastError.map(PaymentErrorResource.init), forKey: .lastError)
            try container.encodeIfPresent(self.lastSuccess, forKey: .lastSuccess)
        }
    }

    /// The customer screen.
    public struct Display: Sendable, Hashable, Codable {
        public var listening: Bool
        public var url: String?
        /// Kiosk pages connected to the screen's event stream.
        public var connectedPages: Int?
        /// Why the page is not served, while it is not (e.g. another process holds the port).
        public var reason: String?

        public init(listening: Bool, url: String? = nil, connectedPages: Int? = nil, reason: String? = nil) {
            self.listening = listening
            self.url = url
            self.connectedPages = connectedPages
            self.reason = reason
        }
    }

    /// The TCP listener for Prometheus (`metrics.listen`, or the socket `qrpayd-metrics.socket` passes).
    public struct MetricsListener: Sendable, Hashable, Codable {
        public var listening: Bool
        public var url: String?
        /// Why metrics are not served, while they are not.
        public var reason: String?

        public init(listening: Bool, url: String? = nil, reason: String? = nil) {
            self.listening = listening
            self.url = url
            self.reason = reason
        }
    }

    /// The payment database.
    public struct Store: Sendable, Hashable, Codable {
        public var path: String
        /// False from a write that failed (disk full, I/O error, read-only) until a write succeeds again.
        public var writable: Bool
        /// Why it is not writable, while it is not.
        public var reason: String?
        /// Since when writes have been failing.
        public var since: Date?

        public init(path: String, writable: Bool, reason: String? = nil, since: Date? = nil) {
            self.path = path
            self.writable = writable
            self.reason = reason
            self.since = since
        }
    }

    public var status: Status
    public var version: String
    public var vipps: Vipps
    /// The payment in front of the customer right now, if any.
    public var activePayment: Payment?
    public var display: Display?
    /// Present when metrics are served over TCP.
    public var metrics: MetricsListener?
    public var store: Store?
    /// References of payments qrpayd could not ask Vipps about since it started (see the payment's `unreconciled`).
    public var unreconciledPayments: [String]

    public init(
        status: Status,
        version: String,
        vipps: Vipps,
        activePayment: Payment? = nil,
        unreconciledPayments: [String] = [],
        display: Display? = nil,
        metrics: MetricsListener? = nil,
        store: Store? = nil
    ) {
        self.unreconciledPayments = unreconciledPayments
        self.status = status
        self.version = version
        self.vipps = vipps
        self.activePayment = activePayment
        self.display = display
        self.store = store
        self.metrics = metrics
    }

    private enum CodingKeys: String, CodingKey {
        case status, version, vipps, activePayment, display, metrics, store, unreconciledPayments
    }

    /// Writes `"activePayment": null` rather than leaving it out, so a till can tell "idle" from an old daemon.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.status, forKey: .status)
        try container.encode(self.version, forKey: .version)
        try container.encode(self.vipps, forKey: .vipps)
        try container.encode(self.activePayment.map(PaymentResource.init), forKey: .activePayment)
        try container.encodeIfPresent(self.display, forKey: .display)
        try container.encodeIfPresent(self.metrics, forKey: .metrics)
        try container.encodeIfPresent(self.store, forKey: .store)
        try container.encode(self.unreconciledPayments, forKey: .unreconciledPayments)
    }
}
