import ControlAPI
import Foundation
import PaymentCore
import Testing
import VippsSimulator

/// The journal says which process moved money: the caller's uid and pid come from the socket (`SO_PEERCRED`).
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
