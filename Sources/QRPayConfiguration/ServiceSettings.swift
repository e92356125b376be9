/// How the daemon runs on this box: its control socket, its state, its metrics endpoint and its log level.
package struct ServiceSettings: Sendable {
    /// `control.socketPath` (default `/run/qrpayd/control.sock`).
    package var controlSocketPath: String
    /// `control.socketMode` (octal, default `0660`).
    package var controlSocketMode: UInt32
    /// `state.directory` (default `$STATE_DIRECTORY` or `/var/lib/qrpayd`).
    package var stateDirectory: String
    /// Where to serve `GET /metrics` over TCP; nil when `metrics.enabled` is off.
    package var metricsListen: MetricsListenAddress?
    /// `metrics.allowedHosts`: names (or addresses) besides the loopback ones that a scrape's `Host` may carry, for a
    /// fleet's Prometheus that scrapes `0.0.0.0:9808` by the box's name or address; empty by default.
    package var metricsAllowedHosts: [String]
    /// `log.level` (`info`).
    package var logLevel: String

    /// Reads and checks `control.*`, `state.*`, `metrics.*` and `log.*`.
    ///
    /// - Throws: ``ConfigurationError`` naming the first bad setting.
    package init(settings read: SettingsReader, environment: [String: String]) throws(ConfigurationError) {
        self.controlSocketPath = read.string("control.socketPath") ?? "/run/qrpayd/control.sock"
        guard self.controlSocketPath.hasPrefix("/"), self.controlSocketPath.utf8.count < 108 else {
            throw ConfigurationError(key: "control.socketPath", "must be an absolute path shorter than 108 bytes.")
        }
        let modeText = read.string("control.socketMode") ?? "0660"
        guard let mode = UInt32(modeText, radix: 8), mode & 0o7007 == 0, mode & 0o600 == 0o600 else {
            throw ConfigurationError(
                key: "control.socketMode",
                "'\(modeText)' must be an octal mode giving the owner read/write and nothing to others, e.g. 0660."
            )
        }
        self.controlSocketMode = mode
        self.stateDirectory =
            read.string("state.directory") ?? environment["STATE_DIRECTORY"].flatMap {
                $0.split(separator: ":").first.map(String.init)
            } ?? "/var/lib/qrpayd"
        let metricsAddress = read.string("metrics.listen")
        if try read.bool("metrics.enabled", default: metricsAddress != nil) {
            self.metricsListen = try MetricsListenAddress(parsing: metricsAddress ?? "127.0.0.1:9808")
        } else {
            self.metricsListen = nil
        }
        self.metricsAllowedHosts = read.strings("metrics.allowedHosts") ?? []
        for name in self.metricsAllowedHosts {
            guard !name.isEmpty, name.utf8.count <= 253,
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.:[]".contains($0)) })
            else {
                throw ConfigurationError(
                    key: "metrics.allowedHosts",
                    "'\(name)' must be a host name or an IP address, without a port (e.g. kiosk7.shop.lan)."
                )
            }
        }
        self.logLevel = read.string("log.level") ?? "info"
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(self.logLevel) else {
            throw ConfigurationError(
                key: "log.level",
                "'\(self.logLevel)' must be trace, debug, info, notice, warning, error or critical."
            )
        }
    }
}

/// `metrics.listen`: an IP address (IPv6 in brackets) or `localhost`, and a port.
package struct MetricsListenAddress: Sendable, Hashable, CustomStringConvertible {
    package var host: String
    package var port: Int

    init(parsing text: String) throws(ConfigurationError) {
        let problem = ConfigurationError(
            key: "metrics.listen",
            "'\(text)' must be host:port, e.g. 127.0.0.1:9808 or [::1]:9808 (0.0.0.0:9808 to let the shop's network scrape)."
        )
        guard let colon = text.lastIndex(of: ":") else { throw problem }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port), !host.isEmpty,
            host == "localhost" || host.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == ":" })
        else { throw problem }
        self.host = host
        self.port = port
    }

    package var description: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }
}
