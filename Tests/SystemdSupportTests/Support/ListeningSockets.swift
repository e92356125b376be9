import Glibc

/// Real sockets and descriptors for the socket-activation tests, made the way systemd would hand them over.
enum TestDescriptors {
    struct Failed: Error, CustomStringConvertible {
        let call: String
        let number: Int32
        var description: String { "\(self.call) failed with errno \(self.number)" }
    }

    /// A Unix stream socket bound to `path`, listening unless `listening` is false.
    static func unixStreamSocket(path: String, listening: Bool = true) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failed(call: "socket", number: errno) }
        guard self.withAddress(path, { bind(fd, $0, $1) }) == 0 else { throw Failed(call: "bind", number: errno) }
        if listening {
            guard listen(fd, 8) == 0 else { throw Failed(call: "listen", number: errno) }
        }
        return fd
    }

    /// A client connection to the listening socket at `path`.
    static func connect(to path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failed(call: "socket", number: errno) }
        guard self.withAddress(path, { Glibc.connect(fd, $0, $1) }) == 0 else {
            throw Failed(call: "connect", number: errno)
        }
        return fd
    }

    /// A listening TCP socket on a loopback port the kernel picks.
    static func tcpListeningSocket() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failed(call: "socket", number: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 8) == 0 else { throw Failed(call: "bind/listen", number: errno) }
        return fd
    }

    /// Moves `fds` to consecutive free descriptors, as systemd lines them up from fd 3, and returns the first.
    ///
    /// The numbers start high so they never clash with what the test runner has open.
    static func moveToConsecutiveDescriptors(_ fds: [Int32]) throws -> Int32 {
        var first: Int32 = 700
        search: while true {
            for offset in 0..<Int32(fds.count) where fcntl(first + offset, F_GETFD) != -1 {
                first += offset + 1
                continue search
            }
            break
        }
        for (offset, fd) in fds.enumerated() {
            guard dup2(fd, first + Int32(offset)) >= 0 else { throw Failed(call: "dup2", number: errno) }
            close(fd)
        }
        return first
    }

    private static func withAddress(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
