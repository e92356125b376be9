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
    /// Each number is taken with `F_DUPFD`, which claims the lowest free number at or above the one asked for in one
    /// step: checking a number and then `dup2`-ing onto it would silently close whatever another test's thread
    /// opened there in between (it did: an event loop's freshly accepted socket). A run that is not consecutive is
    /// given back and tried again higher up.
    static func moveToConsecutiveDescriptors(_ fds: [Int32]) throws -> Int32 {
        var start: Int32 = 700
        while true {
            var taken: [Int32] = []
            for (offset, fd) in fds.enumerated() {
                let wanted = (taken.first ?? start) + Int32(offset)
                let copy = fcntl(fd, F_DUPFD, wanted)
                guard copy >= 0 else { throw Failed(call: "fcntl(F_DUPFD)", number: errno) }
                taken.append(copy)
                if offset > 0 && copy != wanted { break }
            }
            if let first = taken.first, taken.count == fds.count, taken.last == first + Int32(fds.count - 1) {
                fds.forEach { close($0) }
                return first
            }
            taken.forEach { close($0) }
            start = (taken.last ?? start) + 1
        }
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
