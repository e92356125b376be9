import ControlAPI
import Foundation
import PaymentCore
import TestSupport
import Testing
import VippsSimulator

/// Refunds send money out of the shop: being allowed on the control socket is not enough. A real process of another
/// user (started with `setpriv`) talks to the real socket; the kernel says who it is (`SO_PEERCRED`) and which groups
/// it has (`SO_PEERGROUPS`), as recorded when it connected.
@Suite(.timeLimit(.minutes(2)))
struct RefundAuthorizationTests {
    /// `curl` as `uid`/`gid` with the supplementary `groups` (none by default); returns the HTTP status and body.
    static func refund(
        as uid: Int,
        gid: Int,
        groups: [Int] = [],
        socket: String,
        reference: String
    ) async throws -> (Int, String) {
        let groupOption =
            groups.isEmpty ? "--clear-groups" : "--groups=\(groups.map(String.init).joined(separator: ","))"
        let process = try SpawnedProcess(
            "/usr/bin/setpriv",
            [
                "--reuid=\(uid)", "--regid=\(gid)", groupOption, "curl", "-s", "-w", "\n%{http_code}",
                "--unix-socket", socket, "-X", "POST", "-H", "Content-Type: application/json",
                "-d", #"{"amount": 1000}"#, "http://localhost/v1/payments/\(reference)/refund",
            ],
            environment: ProcessInfo.processInfo.environment,
            standardOutput: .collected
        )
        _ = await process.waitForExit()
        let text = String(decoding: await process.output(), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    /// A refund asked by a process that is gone by the time qrpayd answers, as `/proc` looks under the unit's
    /// `ProtectProc=invisible`: Python runs as `uid`/`gid` with the supplementary `groups`; a child of it connects
    /// and exits (reaped, so its pid names nothing), then the parent sends the request on the connected socket.
    /// Returns the HTTP status and body.
    static func refundFromAConnectionWhoseConnectorIsGone(
        as uid: Int,
        gid: Int,
        groups: [Int],
        socket: String,
        reference: String
    ) async throws -> (Int, String) {
        let script = """
            import os, socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            child = os.fork()
            if child == 0:
                s.connect(sys.argv[1])
                os._exit(0)
            os.waitpid(child, 0)
            body = b'{"amount": 1000}'
            s.sendall(b"POST /v1/payments/" + sys.argv[2].encode() + b"/refund HTTP/1.1\\r\\nHost: localhost\\r\\n"
                      + b"Content-Type: application/json\\r\\nConnection: close\\r\\nContent-Length: "
                      + str(len(body)).encode() + b"\\r\\n\\r\\n" + body)
            answer = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
            head, _, rest = answer.partition(b"\\r\\n\\r\\n")
            sys.stdout.write(rest.decode("utf-8", "replace") + "\\n" + head.split(b" ")[1].decode())
            """
        let groupOption =
            groups.isEmpty ? "--clear-groups" : "--groups=\(groups.map(String.init).joined(separator: ","))"
        let process = try SpawnedProcess(
            "/usr/bin/setpriv",
            [
                "--reuid=\(uid)", "--regid=\(gid)", groupOption, "/usr/bin/python3", "-c", script, socket, reference,
            ],
            environment: ["PATH": "/usr/bin:/bin"],
            standardOutput: .collected
        )
        _ = await process.waitForExit()
        let text = String(decoding: await process.output(), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    /// Lets other users reach the test's socket, as the socket unit's group would.
    static func openUp(_ daemon: ControlHarness) throws {
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: daemon.directory.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: daemon.socketPath)
    }

    static func captured(_ daemon: ControlHarness, _ reference: String) async throws {
        var events = try await daemon.client.events()
        _ = try await daemon.client.create(reference: reference, amount: 10000)
        try await daemon.simulator.approve(orderId: daemon.orderId(reference))
        _ = try await events.payments(until: { $0.reference == reference && $0.state == .captured })
    }

    @Test func aTillUserOutsideTheRefundGroupIsRefused() async throws {
        try await ControlHarness.run(settlement: .auto) { daemon in
            try Self.openUp(daemon)
            try await Self.captured(daemon, "auth-1")
            // The default: only root and members of qrpay-refund.
            let (status, body) = try await Self.refund(
                as: 65534,
                gid: 65534,
                socket: daemon.socketPath,
                reference: "auth-1"
            )
            #expect(status == 403, "\(body)")
            #expect(body.contains("urn:qrpayd:error:refund-not-allowed"))
            #expect(body.contains("qrpay-refund"))
            #expect(await daemon.simulator.requests().filter { $0.path.hasSuffix("/refund") }.isEmpty)
            // The journal says who tried.
            let refusal = daemon.logs.all.first { $0.message.hasPrefix("Refund refused") }
            #expect(refusal?.metadata["caller.uid"] == "65534")
            #expect(refusal?.metadata["payment.reference"] == "auth-1")
            // Root may.
            let root = try await daemon.client.post("/v1/payments/auth-1/refund", #"{"amount": 1000}"#)
            #expect(root.status == 200)
        }
    }

    @Test func membersOfAnAllowedGroupMayRefund() async throws {
        let onlyNogroup: @Sendable (inout EngineConfiguration) -> Void = { $0.refunds.allowedGroups = ["nogroup"] }
        try await ControlHarness.run(settlement: .auto, configure: onlyNogroup) { daemon in
            try Self.openUp(daemon)
            try await Self.captured(daemon, "auth-2")
            let (refused, _) = try await Self.refund(as: 65534, gid: 1, socket: daemon.socketPath, reference: "auth-2")
            #expect(refused == 403)
            let (allowed, body) = try await Self.refund(
                as: 65534,
                gid: 65534,
                socket: daemon.socketPath,
                reference: "auth-2"
            )
            #expect(allowed == 200, "\(body)")
            let payment = try await daemon.client.get("/v1/payments/auth-2").payment()
            #expect(payment.refundedAmount == 1000)
            #expect(payment.operations.last?.callerUid == 65534)
        }
    }

    /// The till user is in the refund group only as a supplementary group (as `usermod -aG qrpay-refund till` makes
    /// it), and `/proc` cannot show the asking process (as under `ProtectProc=invisible`): the groups the kernel
    /// recorded for the connection decide. Before `SO_PEERGROUPS`, qrpayd fell back to the group database, which
    /// does not list what this process has, and refused.
    @Test func aSupplementaryGroupTheKernelRecordedForTheConnectionAllowsARefund() async throws {
        let onlyUsers: @Sendable (inout EngineConfiguration) -> Void = { $0.refunds.allowedGroups = ["users"] }
        let users = try #require(RefundAuthorizationProbe.groupID("users"))
        try await ControlHarness.run(settlement: .auto, configure: onlyUsers) { daemon in
            try Self.openUp(daemon)
            try await Self.captured(daemon, "auth-3")
            // Without the group: refused, and nothing goes to Vipps.
            let (refused, refusedBody) = try await Self.refundFromAConnectionWhoseConnectorIsGone(
                as: 65534,
                gid: 65534,
                groups: [],
                socket: daemon.socketPath,
                reference: "auth-3"
            )
            #expect(refused == 403, "\(refusedBody)")
            #expect(refusedBody.contains("urn:qrpayd:error:refund-not-allowed"))
            #expect(refusedBody.contains("uid 65534 is not a member"))
            #expect(await daemon.simulator.requests().filter { $0.path.hasSuffix("/refund") }.isEmpty)

            // With it, as a supplementary group only (primary group nogroup): allowed.
            let (allowed, body) = try await Self.refundFromAConnectionWhoseConnectorIsGone(
                as: 65534,
                gid: 65534,
                groups: [Int(users)],
                socket: daemon.socketPath,
                reference: "auth-3"
            )
            #expect(allowed == 200, "\(body)")
            let payment = try await daemon.client.get("/v1/payments/auth-3").payment()
            #expect(payment.refundedAmount == 1000)
            #expect(payment.operations.last?.kind == .refund)
            #expect(payment.operations.last?.callerUid == 65534)
            #expect(payment.operations.last?.callerPid != nil)
        }
    }

    /// The same with `curl`, which stays connected: supplementary group only → allowed; none → refused.
    @Test func aSupplementaryGroupAloneIsEnoughAndItsAbsenceIsRefused() async throws {
        let onlyUsers: @Sendable (inout EngineConfiguration) -> Void = { $0.refunds.allowedGroups = ["users"] }
        let users = try #require(RefundAuthorizationProbe.groupID("users"))
        try await ControlHarness.run(settlement: .auto, configure: onlyUsers) { daemon in
            try Self.openUp(daemon)
            try await Self.captured(daemon, "auth-4")
            let (refused, _) = try await Self.refund(
                as: 65534,
                gid: 65534,
                socket: daemon.socketPath,
                reference: "auth-4"
            )
            #expect(refused == 403)
            let (allowed, body) = try await Self.refund(
                as: 65534,
                gid: 65534,
                groups: [Int(users)],
                socket: daemon.socketPath,
                reference: "auth-4"
            )
            #expect(allowed == 200, "\(body)")
        }
    }
}

/// The group database, for the tests' expectations only.
enum RefundAuthorizationProbe {
    static func groupID(_ name: String) -> gid_t? {
        guard let entry = getgrnam(name) else { return nil }
        return entry.pointee.gr_gid
    }
}
