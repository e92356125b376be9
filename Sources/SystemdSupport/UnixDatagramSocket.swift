import Glibc

/// An unconnected `AF_UNIX`/`SOCK_DGRAM` socket that sends whole datagrams to a path or an abstract `@name`.
///
/// Both systemd protocols this module speaks (sd_notify and the journal's native protocol) are one datagram per
/// message, so a single unconnected socket can serve every destination. The socket is non-blocking: when a
/// receiver's queue is full the send fails with ``SystemdError/Code/wouldBlock`` instead of stalling the caller,
/// and each caller decides whether a lost datagram matters.
package final class UnixDatagramSocket: Sendable {
    /// The file descriptor, owned by this object and closed when it is released.
    package let fd: Int32

    /// Opens the socket (`SOCK_CLOEXEC`, so children never inherit it).
    ///
    /// - Throws: ``SystemdError/Code/socketUnavailable`` when the kernel refuses a new socket.
    package init() throws(SystemdError) {
        let type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = socket(AF_UNIX, type, 0)
        guard fd >= 0 else {
            throw SystemdError(
                code: .socketUnavailable,
                message: "socket(AF_UNIX, SOCK_DGRAM): \(describeErrno(errno))"
            )
        }
        self.fd = fd
    }

    deinit {
        close(self.fd)
    }

    /// Sends `bytes` as one datagram to `path` (a filesystem path, or `@name` for an abstract socket).
    ///
    /// - Throws: ``SystemdError/Code/invalidAddress``, ``SystemdError/Code/messageTooLarge`` (`EMSGSIZE`),
    ///   ``SystemdError/Code/wouldBlock`` (`EAGAIN`) or ``SystemdError/Code/sendFailed`` for anything else.
    package func send(_ bytes: [UInt8], to path: String) throws(SystemdError) {
        var address = try UnixSocketAddress(path)
        while true {
            let sent = bytes.withUnsafeBytes { buffer in
                address.withSocketAddress { socketAddress, length in
                    sendto(self.fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
            if sent >= 0 {
                return
            }
            let error = errno
            switch error {
            case EINTR:
                continue
            case EMSGSIZE:
                throw SystemdError(
                    code: .messageTooLarge,
                    message: "Datagram of \(bytes.count) bytes to \(path) is too large: \(describeErrno(error))"
                )
            case EAGAIN, EWOULDBLOCK:
                throw SystemdError(code: .wouldBlock, message: "Receiver at \(path) is not keeping up")
            default:
                throw SystemdError(code: .sendFailed, message: "sendto \(path): \(describeErrno(error))")
            }
        }
    }
}
