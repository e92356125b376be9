import ControlAPI
import Foundation
import PaymentCore
import Testing
import VippsSimulator

/// The journal, the payment and its operations say which process moved money: the caller's uid and pid come from the
/// socket (`SO_PEERCRED`).
@Suite struct PeerCredentialsTests {
    @Test func theEngineLogsTheUidAndPidOfTheProcessThatCreatedAndCancelled() async throws {
        try await ControlHarness.run { daemon in
            _ = try await daemon.client.create(reference: "till7-000600", amount: 12900)
            _ = try await daemon.client.post("/v1/payments/till7-000600/cancel")

            // This test process is the till: AsyncHTTPClient connects from here.
            let requests = daemon.logs.all.filter { $0.metadata["message_id"] == JournalEvent.tillRequest.messageID }
            #expect(requests.count == 2)
            for entry in requests {
                #expect(entry.metadata["caller.uid"] == "\(getuid())")
                #expect(entry.metadata["caller.pid"] == "\(getpid())")
                #expect(entry.metadata["payment.reference"] == "till7-000600")
            }
            // The payment and its cancel record the same till, on the wire and in the store.
            let payment = try await daemon.client.get("/v1/payments/till7-000600").payment()
            #expect(payment.callerUid == getuid())
            #expect(payment.callerPid == getpid())
            #expect(payment.operations.last?.kind == .cancel)
            #expect(payment.operations.last?.callerUid == getuid())
            #expect(payment.operations.last?.callerPid == getpid())
            let stored = try #require(try daemon.store.record(reference: "till7-000600")).payment
            #expect(stored.callerUid == getuid() && stored.callerPid == getpid())
        }
    }

    @Test func requestPathsAreLoggedEscaped() async throws {
        try await ControlHarness.run { daemon in
            _ = try await daemon.client.get("/v1/x%0AFAKE_FIELD=1")
            let paths = daemon.logs.all.compactMap { $0.metadata["http.path"] }
            #expect(!paths.isEmpty)
            #expect(paths.allSatisfy { !$0.contains("\n") })
        }
    }
}
