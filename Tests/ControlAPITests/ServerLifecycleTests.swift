import ControlAPI
import Foundation
import Logging
import PaymentCore
import ServiceLifecycle
import TestSupport
import Testing
import VippsSimulator

#if canImport(Glibc)
    import Glibc
#endif

/// How the server takes its socket and lets go of it.
@Suite struct ServerLifecycleTests {
    @Test func theSocketFileGetsMode0660AndIsRemovedAfterShutdown() async throws {
        let path = try await ControlHarness.run { daemon in
            let mode = try FileManager.default.attributesOfItem(atPath: daemon.socketPath)[.posixPermissions] as? Int
            #expect(mode == 0o660)
            return daemon.socketPath
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aConfiguredModeIsApplied() async throws {
        let listener: ControlHarness.ListenerFactory = { .path($0.file("private.sock").path, mode: 0o600) }
        try await ControlHarness.run(listener: listener) { daemon in
            let path = daemon.directory.file("private.sock").path
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    @Test func aStaleSocketFileIsReplaced() async throws {
        let listener: ControlHarness.ListenerFactory = { directory in
            let path = directory.file("stale.sock").path
            // A socket file whose listener is gone, as after a crash.
            let fd = try TestSocket.listen(at: path)
            close(fd)
            return .path(path)
        }
        try await ControlHarness.run(listener: listener) { daemon in
            let client = ControlClient(
                socketPath: daemon.directory.file("stale.sock").path,
                httpClient: daemon.client.httpClient
            )
            let health = try await client.get("/v1/health")
            #expect(health.status == 200)
        }
    }

    @Test func aSocketSomeoneListensOnIsNotTakenOver() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("busy.sock").path
        let fd = try TestSocket.listen(at: path)
        defer { close(fd) }
        let listener: ControlHarness.ListenerFactory = { _ in .path(path) }
        let error = await #expect(throws: ControlServerError.self) {
            try await ControlHarness.run(listener: listener) { _ in }
        }
        #expect(error?.code == .socketInUse)
    }

    @Test func aFileThatIsNotASocketIsLeftAlone() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("notes.txt").path
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: path))
        let listener: ControlHarness.ListenerFactory = { _ in .path(path) }
        let error = await #expect(throws: ControlServerError.self) {
            try await ControlHarness.run(listener: listener) { _ in }
        }
        #expect(error?.code == .pathNotASocket)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
    }

    @Test func anInheritedListeningSocketIsAdopted() async throws {
        let listener: ControlHarness.ListenerFactory = { directory in
            // What systemd does for qrpayd.socket: bind, listen, hand over the descriptor.
            .inherited(fd: try TestSocket.listen(at: directory.file("activated.sock").path))
        }
        try await ControlHarness.run(listener: listener) { daemon in
            let client = ControlClient(
                socketPath: daemon.directory.file("activated.sock").path,
                httpClient: daemon.client.httpClient
            )
            let health = try await client.get("/v1/health")
            #expect(health.status == 200)
            #expect(try await client.create(reference: "till7-000700", amount: 12900).status == 201)
        }
    }

    @Test func anInheritedDescriptorThatIsNotAListeningSocketIsRefused() async throws {
        let directory = try TemporaryDirectory()
        let fd = open(directory.path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        let listener: ControlHarness.ListenerFactory = { _ in .inherited(fd: fd) }
        let error = await #expect(throws: ControlServerError.self) {
            try await ControlHarness.run(listener: listener) { _ in }
        }
        #expect(error?.code == .invalidInheritedSocket)
    }

    @Test func gracefulShutdownEndsAnOpenEventStream() async throws {
        try await ControlHarness.run { daemon in
            var stream = try await daemon.client.events()
            _ = try #require(try await stream.next())  // the retry hint: the stream is live
            await daemon.serviceGroup.triggerGracefulShutdown()
            while try await stream.next() != nil {}
        }
    }

    @Test func gracefulShutdownLetsARequestInFlightFinish() async throws {
        try await ControlHarness.run { daemon in
            // Vipps holds its answer to the initiate, so the till's POST is still waiting when shutdown begins.
            await daemon.simulator.inject(
                .latency(.seconds(600), count: 1, method: "POST", pathPrefix: "/ecomm/v2/payments")
            )
            var events = try await daemon.client.events()
            async let created = daemon.client.create(reference: "till7-000701", amount: 12900)
            _ = try await events.payments(until: { $0.reference == "till7-000701" })
            await daemon.serviceGroup.triggerGracefulShutdown()
            await daemon.simulator.clearFaults()
            let answer = try await created
            #expect(answer.status == 201)
            #expect(try answer.payment().state == .awaitingScan)
        }
    }
}

/// Unix sockets made by hand, as systemd or a crashed daemon would leave them.
enum TestSocket {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A socket bound to `path` and listening; the caller owns the descriptor.
    static func listen(at path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, Glibc.listen(fd, 8) == 0 else {
            close(fd)
            throw Failure(description: "bind/listen \(path): \(errno)")
        }
        return fd
    }
}
