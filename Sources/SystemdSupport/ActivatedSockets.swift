/// The sockets systemd passed, by the part of qrpayd that serves each (`FileDescriptorName=`).
///
/// - `control`: the till's socket; for units from before the names, the first Unix socket not named for another part
///   (systemd then names it after the socket unit, `qrpayd.socket`, or not at all).
/// - `display`: the customer screen's TCP port (`qrpayd-display.socket`).
/// - `metrics`: Prometheus' TCP port (`qrpayd-metrics.socket`).
package struct ActivatedSockets: Sendable, Hashable {
    package static let controlName = "control"
    package static let displayName = "display"
    package static let metricsName = "metrics"

    package var control: ActivatedSocket?
    package var display: ActivatedSocket?
    package var metrics: ActivatedSocket?
    /// Passed descriptors no part claims (a unit's mistake; logged, never served).
    package var unclaimed: [ActivatedSocket]

    package init(_ sockets: [ActivatedSocket]) {
        var remaining = sockets
        func take(_ matches: (ActivatedSocket) -> Bool) -> ActivatedSocket? {
            guard let index = remaining.firstIndex(where: matches) else { return nil }
            return remaining.remove(at: index)
        }
        self.display = take { $0.name == Self.displayName && $0.family == .tcp }
        self.metrics = take { $0.name == Self.metricsName && $0.family == .tcp }
        self.control =
            take { $0.name == Self.controlName && $0.family == .unix }
            ?? take { $0.family == .unix && $0.name != Self.displayName && $0.name != Self.metricsName }
        self.unclaimed = remaining
    }
}
