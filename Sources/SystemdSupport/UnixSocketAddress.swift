import Glibc

/// A `sockaddr_un` built from a path, or from `@name` for Linux's abstract namespace.
///
/// The notify and journal protocols both name their peer this way: a leading `@` means the first byte of
/// `sun_path` is NUL and the name is *not* NUL-terminated, so the address length must count exactly the name.
struct UnixSocketAddress {
    private var storage = sockaddr_un()
    let length: socklen_t

    init(_ path: String) throws(SystemdError) {
        let isAbstract = path.hasPrefix("@")
        let pathBytes: [UInt8] = isAbstract ? [0] + Array(path.utf8.dropFirst()) : Array(path.utf8)
        guard pathBytes.count > (isAbstract ? 1 : 0) else {
            throw SystemdError(code: .invalidAddress, message: "Empty Unix socket address \"\(path)\"")
        }
        guard isAbstract || !pathBytes.contains(0) else {
            throw SystemdError(code: .invalidAddress, message: "Unix socket path contains a NUL byte")
        }
        // A filesystem path needs room for its terminating NUL; an abstract name does not have one.
        let neededBytes = pathBytes.count + (isAbstract ? 0 : 1)
        let capacity = MemoryLayout.size(ofValue: self.storage.sun_path)
        guard neededBytes <= capacity else {
            throw SystemdError(
                code: .invalidAddress,
                message: "Unix socket address \"\(path)\" is \(neededBytes) bytes, longer than the \(capacity) allowed"
            )
        }
        self.storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &self.storage.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        // `sun_path` directly follows the 2-byte `sun_family` in Linux's `sockaddr_un`.
        self.length = socklen_t(MemoryLayout<sa_family_t>.size + neededBytes)
    }

    /// Calls `body` with the address as the `sockaddr` pointer and length the socket calls expect.
    mutating func withSocketAddress<Result>(
        _ body: (UnsafePointer<sockaddr>, socklen_t) -> Result
    ) -> Result {
        let length = self.length
        return withUnsafePointer(to: &self.storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
