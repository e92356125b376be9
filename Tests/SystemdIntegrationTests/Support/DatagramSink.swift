import Foundation
import Glibc
import Synchronization

/// A datagram socket bound to a path, standing in for systemd's notify socket or journald's native socket, read
/// continuously by its own thread.
///
/// Reading at once matters: the kernel queues only `net.unix.max_dgram_qlen` datagrams (10 here) for a receiver,
/// and the daemon drops a log line rather than wait when the queue is full.
final class DatagramSink: Sendable {
    struct Failed: Error, CustomStringConvertible {
        let call: String
        let number: Int32
        var description: String { "\(self.call): \(String(cString: strerror(self.number)))" }
    }

    let path: String
    let datagrams = Collector<[UInt8]>()
    private let socketFD: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let isStopped = Mutex(false)

    init(path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failed(call: "socket", number: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw Failed(call: "bind \(path) (path too long)", number: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let number = errno
            close(fd)
            throw Failed(call: "bind \(path)", number: number)
        }
        var wake: [Int32] = [0, 0]
        guard pipe(&wake) == 0, fcntl(wake[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(wake[1], F_SETFD, FD_CLOEXEC) == 0
        else {
            let number = errno
            close(fd)
            throw Failed(call: "pipe2", number: number)
        }
        self.path = path
        self.socketFD = fd
        self.wakeRead = wake[0]
        self.wakeWrite = wake[1]
        Thread.detachNewThread { [self] in self.readUntilStopped() }
    }

    /// Stops reading, closes the socket and removes its file. Datagrams received so far stay in ``datagrams``.
    ///
    /// Safe to call more than once; only the first call does anything.
    func stop() {
        let isFirst = self.isStopped.withLock { isStopped in
            defer { isStopped = true }
            return !isStopped
        }
        guard isFirst else { return }
        var byte: UInt8 = 1
        _ = write(self.wakeWrite, &byte, 1)
        close(self.wakeWrite)
    }

    /// Stops reading once everything already queued has been read, and waits for that.
    func stopAndDrain() async {
        self.stop()
        _ = await self.datagrams.first { _ in false }
    }

    /// The datagrams as text.
    var texts: [String] { self.datagrams.items.map { String(decoding: $0, as: UTF8.self) } }

    private func readUntilStopped() {
        var buffer = [UInt8](repeating: 0, count: 1 << 18)
        var descriptors = [
            pollfd(fd: self.socketFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: self.wakeRead, events: Int16(POLLIN), revents: 0),
        ]
        loop: while true {
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if descriptors[0].revents & Int16(POLLIN) != 0 {
                let count = buffer.withUnsafeMutableBytes { recv(self.socketFD, $0.baseAddress, $0.count, 0) }
                if count >= 0 {
                    self.datagrams.append(Array(buffer[..<count]))
                    // Drain before looking at the wake pipe, so nothing already queued is lost on stop.
                    continue loop
                }
            }
            if descriptors[1].revents != 0 { break }
        }
        close(self.socketFD)
        close(self.wakeRead)
        unlink(self.path)
        self.datagrams.finish()
    }
}
