import CustomerDisplay
import Foundation
import ServerSentEvents

#if canImport(Glibc)
    import Glibc
#endif

/// A plain blocking TCP client, for what an HTTP client library hides: a refused connection, or a peer that
/// stops reading.
final class RawSocket: Sendable {
    struct SocketError: Error, CustomStringConvertible {
        var description: String
    }

    let descriptor: Int32

    /// Connects to `host` (an IPv4 literal); a small `receiveBufferSize` makes a non-reading peer fill up fast.
    init(host: String, port: Int, receiveBufferSize: Int32? = nil) throws {
        self.descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard self.descriptor >= 0 else {
            throw SocketError(description: "socket failed (errno \(errno))")
        }
        if var size = receiveBufferSize {
            setsockopt(self.descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(self.descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(self.descriptor)
            throw SocketError(description: "connect to \(host):\(port) failed (errno \(code))")
        }
    }

    deinit {
        close(self.descriptor)
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(self.descriptor, $0.baseAddress, $0.count, 0) }
            guard sent > 0 else {
                throw SocketError(description: "send failed (errno \(errno))")
            }
            offset += sent
        }
    }

    /// Reads the event stream until a screen with `amount == last` arrived; returns the amounts of all screens
    /// seen on the way. The blocking reads happen on a thread of their own, away from the concurrency pool.
    func readScreens(until last: Int) async throws -> [Int] {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try self.readScreensBlocking(until: last) })
            }.start()
        }
    }

    private func readScreensBlocking(until last: Int) throws -> [Int] {
        var events = ServerSentEventParser()
        var amounts: [Int] = []
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while amounts.last != last {
            let count = recv(self.descriptor, &chunk, chunk.count, 0)
            guard count > 0 else {
                throw SocketError(description: "the stream ended before amount \(last)")
            }
            // The answer's head and the chunked encoding's size lines (each event is one chunk) are lines of no event.
            events.append(chunk[0..<count])
            while let event = events.next() {
                guard event.event == "screen" else { continue }
                if let amount = try event.screen().amount { amounts.append(amount) }
            }
        }
        return amounts
    }
}
