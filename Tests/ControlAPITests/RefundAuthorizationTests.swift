import ControlAPI
import Foundation
import PaymentCore
import TestSupport
import Testing
import VippsSimulator

/// Refunds send money out of the shop: being allowed on the control socket is not enough. A real process of another
/// user (started with `setpriv`) talks to the real socket; the kernel's `SO_PEERCRED` says who it is.
@Suite(.timeLimit(.minutes(2)))
struct RefundAuthorizationTests {
    /// `curl` as `uid`/`gid` with no supplementary groups; returns the HTTP status and body.
    static func refund(as uid: Int, gid: Int, socket: String, reference: String) async throws -> (Int, String) {
        let process = try SpawnedProcess(
            "/usr/bin/setpriv",
            [
                "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "curl", "-s", "-w", "\n%{http_code}",
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
}
