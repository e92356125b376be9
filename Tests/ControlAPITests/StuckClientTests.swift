import ControlAPI
import Foundation
import PaymentCore
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A till that stops reading its event stream is disconnected instead of holding the daemon's memory.
@Suite struct StuckClientTests {
    @Test func anEventStreamWhoseReaderStoppedIsClosed() async throws {
        try await ControlHarness.run(keepAliveInterval: .milliseconds(100)) { daemon in
            // About 2 MB of stored events: far more than the socket and the server's buffers hold.
            try Self.storeBigEvents(in: daemon.store, count: 200)

            let fd = try TestSocket.connect(to: daemon.socketPath)
            defer { close(fd) }
            let request = "GET /v1/events HTTP/1.1\r\nHost: qrpayd\r\nLast-Event-ID: 0\r\n\r\n"
            #expect(request.withCString { write(fd, $0, strlen($0)) } == request.utf8.count)

            // The till reads nothing; the server must hang up on it.
            let events = try await TestSocket.waitForHangUp(fd)
            #expect(events & Int16(POLLHUP) != 0)

            // The server still serves everyone else.
            #expect(try await daemon.client.get("/v1/health").status == 200)
        }
    }

    /// Regression: a till that asks and never reads its answers kept its connection, and the answers queued for it,
    /// for as long as it lived; the idle timeout does not run while an answer is being written.
    @Test func aTillThatNeverReadsItsAnswersIsClosed() async throws {
        try await ControlHarness.run(idleTimeout: .milliseconds(300)) { daemon in
            let fd = try TestSocket.connect(to: daemon.socketPath)
            defer { close(fd) }
            // The OpenAPI document (16 KB) again and again: the answers fill the socket and the server stops reading.
            let requests = try TestSocket.sendUntilBlocked(fd, "GET /v1/openapi.json HTTP/1.1\r\nHost: qrpayd\r\n\r\n")
            #expect(requests > 10)

            let events = try await TestSocket.waitForHangUp(fd, timeoutMilliseconds: 10_000)
            #expect(events & Int16(POLLHUP) != 0)
            #expect(try await daemon.client.get("/v1/health").status == 200)
        }
    }

    /// Regression: a browser another test started inherited the server's end of a connection (NIO accepts without
    /// close-on-exec), so the till's end never saw the hang-up and the test above timed out now and then. A program
    /// the tests start gets its standard descriptors and those it is passed, never a connection of this process.
    @Test func aProgramTheTestsStartHoldsNoConnectionOpen() async throws {
        try await ControlHarness.run { daemon in
            let fd = try TestSocket.connect(to: daemon.socketPath)
            defer { close(fd) }
            #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC == 0, "the test needs a descriptor a child would inherit")
            let passed = fcntl(fd, F_DUPFD_CLOEXEC, 10)
            defer { close(passed) }
            let child = try SpawnedProcess(
                "/bin/sh",
                ["-c", "for n in 3 \(fd); do test -e /proc/$$/fd/$n && echo \"$n open\" || echo \"$n closed\"; done"],
                environment: [:],
                standardOutput: .collected,
                passing: [3: passed]
            )
            #expect(await child.waitForExit() == .exited(0))
            #expect(String(decoding: await child.output(), as: UTF8.self) == "3 open\n\(fd) closed\n")
        }
    }

    /// Regression: the stream of a till that hung up lived on until its next keep-alive (15 s) failed to write, so a
    /// till reconnecting in a loop piled up streams and their memory.
    @Test func theEventStreamOfATillThatHungUpEndsAtOnce() async throws {
        try await ControlHarness.run { daemon in
            let hub = await daemon.engine.events
            let fd = try TestSocket.connect(to: daemon.socketPath)
            try TestSocket.write(fd, "GET /v1/events HTTP/1.1\r\nHost: qrpayd\r\n\r\n")
            // The answer's head is written once the subscription is in place.
            var buffer = [UInt8](repeating: 0, count: 1024)
            #expect(read(fd, &buffer, buffer.count) > 0)
            #expect(await hub.listenerCount == 1)
            close(fd)

            // Each look follows a request through the server, so the wait is for its event loops, not for a clock;
            // the keep-alive (15 s) is far beyond these round trips.
            var looks = 0
            while await hub.listenerCount > 0, looks < 100 {
                _ = try await daemon.client.get("/v1/health")
                looks += 1
            }
            #expect(await hub.listenerCount == 0, "still subscribed after \(looks) requests")
        }
    }

    /// Writes `count` changes of one payment with a 10 KB text straight into the store (the engine would refuse
    /// such a text; the event stream does not care).
    static func storeBigEvents(in store: PaymentStore, count: Int) throws {
        let now = Date()
        var record = PaymentStore.Record(
            payment: Payment(
                reference: "bulk-0001",
                orderId: "kiosk7-bulk-0001",
                amount: 12900,
                text: String(repeating: "x", count: 10_000),
                state: .cancelled,
                settlement: .auto,
                createdAt: now,
                updatedAt: now,
                expiresAt: now
            ),
            fingerprint: "bulk"
        )
        for index in 0..<count {
            record.payment.refundedAmount = index
            _ = try store.save(record, isNew: index == 0)
        }
    }
}

extension TestSocket {
    /// A client connection to a Unix socket.
    static func connect(to path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure(description: "connect \(path): \(errno)")
        }
        return fd
    }

    /// Sends `request` over and over without reading, until the socket takes no more; returns how many went out.
    static func sendUntilBlocked(_ fd: Int32, _ request: String) throws -> Int {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        defer { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) }
        let bytes = Array(request.utf8)
        var total = 0
        while total < 64 << 20 {
            let offset = total % bytes.count
            let count = bytes.withUnsafeBytes { send(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset, 0) }
            if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { return total / bytes.count }
            guard count > 0 else { throw Failure(description: "send: \(errno)") }
            total += count
        }
        throw Failure(description: "the server read 64 MiB of requests without ever blocking on its answers")
    }

    /// Waits, on a thread of its own, until the other end hangs up; returns the poll events seen. Throws if
    /// `timeoutMilliseconds` pass first, so a server that never hangs up fails the test instead of stalling the run.
    static func waitForHangUp(_ fd: Int32, timeoutMilliseconds: Int32 = 30_000) async throws -> Int16 {
        try await withCheckedThrowingContinuation { continuation in
            // Bridges a blocking poll(2) to async without holding a cooperative thread.
            let thread = Thread {
                // No events asked for: poll still reports a hang-up, and arriving data does not wake it.
                var descriptor = pollfd(fd: fd, events: 0, revents: 0)
                while true {
                    let ready = poll(&descriptor, 1, timeoutMilliseconds)
                    if ready < 0, errno == EINTR { continue }
                    guard ready == 1 else {
                        let reason = ready == 0 ? "no hang-up within \(timeoutMilliseconds) ms" : "poll: \(errno)"
                        continuation.resume(throwing: Failure(description: reason))
                        return
                    }
                    if descriptor.revents & Int16(POLLHUP | POLLERR) != 0 {
                        continuation.resume(returning: descriptor.revents)
                        return
                    }
                }
            }
            thread.start()
        }
    }
}
