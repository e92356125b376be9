import ControlAPI
import HTTPListening
import Logging
import PaymentCore

/// The listeners the daemon can run without (the customer display, metrics): whether each is up, and why not.
///
/// Each server reports here; the health report, the `qrpayd_listener_up` gauge and the journal read it. A journal
/// entry is written when a listener cannot be had (once per reason, not at every retry) and when it comes up after
/// that.
actor ListenerStates {
    enum Name: String, CaseIterable, Sendable {
        case display
        case metrics
    }

    struct State: Sendable, Hashable {
        /// nil until the first try.
        var availability: ListenerAvailability?
        /// Where it is served, for the health report, when listening.
        var url: String?
    }

    private var states: [Name: State] = [:]
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// What `name` is now; nil when the daemon does not serve it at all.
    func state(_ name: Name) -> State? { self.states[name] }

    /// Marks `name` as served by this daemon (before its first try), so health counts it.
    func expect(_ name: Name) {
        if self.states[name] == nil { self.states[name] = State() }
    }

    /// Records what the server reported, with the URL it serves when listening.
    func report(_ name: Name, _ availability: ListenerAvailability, url: String?, address: String) {
        let previous = self.states[name]?.availability
        self.states[name] = State(availability: availability, url: url)
        switch availability {
        case .unavailable(let reason):
            guard previous != availability else { return }
            self.logger.error(
                "The \(name.rawValue) listener cannot be had (\(address)): \(reason); qrpayd serves the till and tries again",
                metadata: [
                    "message_id": "\(JournalEvent.listenerUnavailable.messageID)",
                    "listener": "\(name.rawValue)",
                    "listener.address": "\(address)",
                    "listener.error": "\(reason)",
                ]
            )
        case .listening:
            guard case .unavailable = previous else { return }
            self.logger.notice(
                "The \(name.rawValue) listener is up again (\(address))",
                metadata: [
                    "message_id": "\(JournalEvent.listenerListening.messageID)",
                    "listener": "\(name.rawValue)",
                    "listener.address": "\(address)",
                ]
            )
        }
    }

    /// Whether `name` serves now.
    func isUp(_ name: Name) -> Bool {
        if case .listening = self.states[name]?.availability { return true }
        return false
    }

    /// Why `name` does not serve, when it does not (nil when it does or is not served at all).
    func reason(_ name: Name) -> String? {
        guard let state = self.states[name] else { return nil }
        switch state.availability {
        case .listening: return nil
        case .unavailable(let reason): return reason
        case nil: return "not listening yet"
        }
    }

    /// The part of `/v1/health` about the metrics listener; nil when metrics are not served over TCP.
    func metricsReport() -> HealthReport.MetricsListener? {
        guard let state = self.states[.metrics] else { return nil }
        return HealthReport.MetricsListener(
            listening: self.isUp(.metrics),
            url: self.isUp(.metrics) ? state.url : nil,
            reason: self.reason(.metrics)
        )
    }

    /// True when a listener the daemon serves is not up (health says degraded).
    func anyDown() -> Bool {
        self.states.keys.contains { !self.isUp($0) }
    }
}
