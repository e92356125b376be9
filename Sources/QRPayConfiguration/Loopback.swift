/// Which hosts are this box itself: the display may only listen there, and `vipps.baseURL` may use plain http only
/// there (a simulator). One definition, so the daemon, its checks and `qrpayctl doctor` agree.
package enum Loopback {
    /// A literal loopback address: 127.0.0.0/8, or `::1` with or without a URL's brackets. A name could resolve to
    /// anything, so names are not addresses.
    package static func isAddress(_ host: String) -> Bool {
        if host == "::1" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.first == "127" else { return false }
        return octets.allSatisfy { octet in
            guard let value = UInt8(octet) else { return false }
            return String(value) == octet
        }
    }

    /// A loopback address or `localhost`, for a URL this box connects to.
    package static func isHost(_ host: String) -> Bool {
        host.lowercased() == "localhost" || Self.isAddress(host)
    }
}
