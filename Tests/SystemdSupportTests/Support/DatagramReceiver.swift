import Glibc
import SystemdSupport

/// The far end of the notify and journal protocols in tests: a datagram socket bound to a path or an abstract
/// `@name`, standing in for systemd and journald.
final class DatagramReceiver: Sendable {
    struct Timeout: Error, CustomStringConvertible {
        var description: String { "no datagram arrived in time" }
    }

    struct SystemCallFailed: Error, CustomStringConvertible {
        let call: String
        let number: Int32
        var description: String { "\(self.call) failed with errno \(self.number)" }
    }

    /// The address to hand to the code under test (`NOTIFY_SOCKET`, the journal socket path).
    let address: String
    private let fd: Int32

    /// Binds to `address`: a filesystem path, or `@name` for the abstract namespace.
    init(address: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemCallFailed(call: "socket", number: errno) }
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let isAbstract = address.hasPrefix("@")
        let pathBytes: [UInt8] = isAbstract ? [0] + Array(address.utf8.dropFirst()) : Array(address.utf8)
        withUnsafeMutableBytes(of: &storage.sun_path) { $0.copyBytes(from: pathBytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (isAbstract ? 0 : 1))
        let result = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard result == 0 else {
            let number = errno
            close(fd)
            throw SystemCallFailed(call: "bind \(address)", number: number)
        }
        self.fd = fd
        self.address = address
    }

    /// A unique abstract name, so tests running in parallel never share one.
    static func uniqueAbstractAddress() -> String {
        "@qrpayd-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    }

    deinit {
        close(self.fd)
        if !self.address.hasPrefix("@") {
            unlink(self.address)
        }
    }

    /// Waits (up to `timeout`) for the next datagram.
    func receive(timeout: Duration = .seconds(10)) throws -> [UInt8] {
        var descriptor = pollfd(fd: self.fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000)
        while true {
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { throw Timeout() }
            break
        }
        guard let datagram = try self.receiveIfAvailable() else { throw Timeout() }
        return datagram
    }

    /// The next datagram as text.
    func receiveText(timeout: Duration = .seconds(10)) throws -> String {
        String(decoding: try self.receive(timeout: timeout), as: UTF8.self)
    }

    /// The datagram already queued, or `nil` if there is none. Never waits.
    func receiveIfAvailable() throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        let count = buffer.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if count < 0 {
            let number = errno
            if number == EAGAIN || number == EWOULDBLOCK { return nil }
            throw SystemCallFailed(call: "recv", number: number)
        }
        return Array(buffer[..<count])
    }
}
