import Glibc

/// Whether something listens on a Unix stream socket: the control socket's stale-file check, `qrpayd --demo` (is a
/// demo running already?) and `qrpayctl` (which socket to suggest) all ask this one question the same way.
package enum UnixSocketProbe {
    package enum Result: Sendable, Hashable {
        /// A connection was accepted (or the listener's backlog is full).
        case listening
        /// Nothing listens: the connection was refused, or there is no file.
        case stale
        /// The question could not be asked (bad path, no descriptors, ...).
        case failed(String)
    }

    /// Tries to connect; a refused connection means nobody listens any more.
    package static func probe(_ path: String) -> Result {
        guard !path.hasPrefix("@") else { return .failed("\(path) names an abstract socket, not a file") }
        var address: UnixSocketAddress
        do {
            address = try UnixSocketAddress(path)
        } catch {
            return .failed(error.message)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed(String(cString: strerror(errno))) }
        defer { close(fd) }
        let result = address.withSocketAddress { connect(fd, $0, $1) }
        if result == 0 { return .listening }
        switch errno {
        case ECONNREFUSED, ENOENT: return .stale
        case EAGAIN: return .listening  // listening, with a full backlog
        default: return .failed(String(cString: strerror(errno)))
        }
    }

    /// True when a connection to `path` is accepted.
    package static func isListening(_ path: String) -> Bool {
        Self.probe(path) == .listening
    }
}
