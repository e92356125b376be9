import Glibc

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    package import Foundation
#endif

/// A listening socket systemd opened for this process (a `.socket` unit's `ListenStream=`).
package struct ActivatedSocket: Sendable, Hashable {
    /// What the socket listens on.
    package enum Family: Sendable, Hashable {
        /// `ListenStream=/path` (the till's control socket).
        case unix
        /// `ListenStream=127.0.0.1:PORT` or `[::1]:PORT` (the customer display, metrics).
        case tcp
    }

    /// The file descriptor, already marked close-on-exec.
    package let fd: Int32
    /// The name from `FileDescriptorName=` (`LISTEN_FDNAMES`), or `nil` when systemd gave none.
    package let name: String?
    package let family: Family

    package init(fd: Int32, name: String?, family: Family = .unix) {
        self.fd = fd
        self.name = name
        self.family = family
    }
}

/// Socket activation (sd_listen_fds(3)) without libsystemd.
///
/// With a `.socket` unit, PID 1 binds the control socket and hands it over as fd 3 (and up), described by
/// `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES`. Because PID 1 keeps the socket, tills can connect while the
/// daemon restarts. The customer display's and the metrics' TCP ports come the same way (`qrpayd-display.socket`,
/// `qrpayd-metrics.socket`), so no other process on the box can take them first; ``ActivatedSockets`` picks each
/// by its `FileDescriptorName=`.
package enum SocketActivation {
    /// The first descriptor systemd passes (`SD_LISTEN_FDS_START`).
    package static let firstFileDescriptor: Int32 = 3

    /// The sockets systemd passed to `processID`, validated as listening stream sockets: Unix (`AF_UNIX`) or TCP
    /// (`AF_INET`, `AF_INET6`).
    ///
    /// Returns an empty array when the process was not socket-activated (`LISTEN_PID` unset or naming another
    /// process, which happens when a parent forgot to clear the variables before spawning us).
    ///
    /// - Parameters:
    ///   - environment: The process environment.
    ///   - processID: This process's id.
    ///   - firstFileDescriptor: Where the passed descriptors start; only tests change it.
    /// - Throws: ``SystemdError/Code/invalidEnvironment`` when the variables are malformed,
    ///   ``SystemdError/Code/invalidActivatedSocket`` when a descriptor is not a listening Unix or TCP stream socket.
    package static func listeningFileDescriptors(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        processID: Int32 = getpid(),
        firstFileDescriptor: Int32 = SocketActivation.firstFileDescriptor
    ) throws(SystemdError) -> [ActivatedSocket] {
        guard let pidText = environment["LISTEN_PID"] else { return [] }
        guard let listenPID = Int32(pidText), listenPID > 0 else {
            throw SystemdError(code: .invalidEnvironment, message: "LISTEN_PID=\(pidText) is not a process id")
        }
        guard listenPID == processID, let countText = environment["LISTEN_FDS"] else { return [] }
        guard let count = Int32(countText), count >= 0, count <= Int32.max - firstFileDescriptor else {
            throw SystemdError(code: .invalidEnvironment, message: "LISTEN_FDS=\(countText) is not a descriptor count")
        }
        let names = try self.names(environment["LISTEN_FDNAMES"], count: Int(count))

        var sockets: [ActivatedSocket] = []
        for offset in 0..<count {
            let fd = firstFileDescriptor + offset
            let family = try self.validateListeningStreamSocket(fd)
            try self.setCloseOnExec(fd)
            sockets.append(ActivatedSocket(fd: fd, name: names?[Int(offset)], family: family))
        }
        return sockets
    }

    /// Removes `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES` so processes this daemon spawns do not think the
    /// sockets are theirs.
    ///
    /// - Important: Changes the process environment; call it early in `main`, before other threads run.
    package static func unsetEnvironment() {
        for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] {
            unsetenv(name)
        }
    }

    private static func names(_ text: String?, count: Int) throws(SystemdError) -> [String?]? {
        guard let text else { return nil }
        let names = text.split(separator: ":", omittingEmptySubsequences: false).map { String($0) }
        guard names.count == count || (count == 0 && text.isEmpty) else {
            throw SystemdError(
                code: .invalidEnvironment,
                message: "LISTEN_FDNAMES has \(names.count) names for \(count) descriptors"
            )
        }
        return names.map { $0.isEmpty ? nil : $0 }
    }

    private static func validateListeningStreamSocket(_ fd: Int32) throws(SystemdError) -> ActivatedSocket.Family {
        func option(_ name: Int32, _ label: String) throws(SystemdError) -> Int32 {
            var value: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, name, &value, &length) == 0 else {
                throw SystemdError(
                    code: .invalidActivatedSocket,
                    message: "Activated fd \(fd) is not a usable socket (\(label)): \(describeErrno(errno))"
                )
            }
            return value
        }
        let domain = try option(SO_DOMAIN, "SO_DOMAIN")
        let family: ActivatedSocket.Family
        switch domain {
        case AF_UNIX: family = .unix
        case AF_INET, AF_INET6: family = .tcp
        default:
            throw SystemdError(
                code: .invalidActivatedSocket,
                message: "Activated fd \(fd) is neither a Unix nor a TCP socket (domain \(domain)); use ListenStream="
            )
        }
        let type = try option(SO_TYPE, "SO_TYPE")
        guard type == Int32(SOCK_STREAM.rawValue) else {
            throw SystemdError(
                code: .invalidActivatedSocket,
                message: "Activated fd \(fd) is not a stream socket (type \(type)); use ListenStream="
            )
        }
        guard try option(SO_ACCEPTCONN, "SO_ACCEPTCONN") != 0 else {
            throw SystemdError(
                code: .invalidActivatedSocket,
                message: "Activated fd \(fd) is not listening; the socket unit must use Accept=no"
            )
        }
        return family
    }

    private static func setCloseOnExec(_ fd: Int32) throws(SystemdError) {
        let flags = fcntl(fd, F_GETFD)
        guard flags >= 0, fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == 0 else {
            throw SystemdError(
                code: .invalidActivatedSocket,
                message: "Cannot mark activated fd \(fd) close-on-exec: \(describeErrno(errno))"
            )
        }
    }
}
