import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1
import PaymentCore
import QRPayConfiguration
import QRPayDaemon
import TestSupport
import Testing
import VippsSimulator

/// The daemon as composed for a box (its configuration file, control socket, health, metrics and poll loop, in this
/// process so the test can reach its database), with the store running out of room (a real `SQLITE_FULL`, see
/// ``StoreSpace``): the till's payment is refused with a problem document and nothing reaches Vipps, health says
/// `degraded` with `store.writable: false` and why, the gauge is 0; once there is room again, health is `ok` without a
/// payment having to try first, and the next payment is paid.
@Suite(.timeLimit(.minutes(2)))
struct StoreFullTests {
    @Test func aFullStoreIsRefusedAndReportedUntilSpaceIsBack() async throws {
        try await SimulatorHarness.run { simulator in
            let directory = try TemporaryDirectory(prefix: "qrpayd-full")
            let setup = try DaemonProcess.configuration(simulatorPort: simulator.port, directory: directory)
            let reader = try await QRPayConfiguration.reader(file: setup.arguments[1], environment: setup.environment)
            let configuration = try DaemonConfiguration(config: reader, environment: setup.environment)
            let store = try PaymentStore(directory: configuration.service.stateDirectory)
            let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
            let options = Daemon.Options(
                configuration: configuration,
                onReady: { readyContinuation.yield() },
                gracefulShutdownSignals: [],
                store: store
            )
            let logger = {
                var logger = Logger(label: "test.daemon")
                logger.logLevel = .critical
                return logger
            }()
            let till = TillClient(socketPath: setup.socketPath, httpClient: simulator.httpClient)

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { readyContinuation.finish() }
                    try await Daemon.run(options, logger: logger)
                }
                var readiness = ready.makeAsyncIterator()
                guard await readiness.next() != nil else {
                    try await group.next()
                    Issue.record("the daemon stopped before it was ready")
                    return
                }
                let healthy = try await till.send(.GET, "/v1/health")
                #expect((healthy.json["store"] as? [String: Any])?["writable"] as? Bool == true)

                try StoreSpace.fill(store)
                let refused = try await till.send(
                    .POST,
                    "/v1/payments",
                    json: #"{"reference":"full-1","amount":12900}"#
                )
                #expect(refused.status == 500, "\(String(decoding: refused.body, as: UTF8.self))")
                #expect(refused.json["type"] as? String != nil && refused.json["title"] as? String != nil)
                #expect(await simulator.simulator.payments().isEmpty, "nothing may reach Vipps that was not written")

                let degraded = try await till.send(.GET, "/v1/health")
                #expect(degraded.json["status"] as? String == "degraded")
                let storeReport = try #require(degraded.json["store"] as? [String: Any])
                #expect(storeReport["writable"] as? Bool == false)
                #expect((storeReport["reason"] as? String)?.contains("full") == true, "\(storeReport)")
                #expect(storeReport["since"] as? String != nil)
                let metrics = try await till.send(.GET, "/metrics")
                #expect(String(decoding: metrics.body, as: UTF8.self).contains("\nqrpayd_store_writable 0"))

                // Room again: health's own probe finds it; no payment has to fail first.
                try StoreSpace.liftCap(store)
                let recovered = try await till.send(.GET, "/v1/health")
                #expect(recovered.json["status"] as? String == "ok", "\(recovered.json)")
                #expect((recovered.json["store"] as? [String: Any])?["writable"] as? Bool == true)
                #expect((recovered.json["store"] as? [String: Any])?["reason"] == nil)
                try StoreSpace.free(store)

                let created = try await till.send(
                    .POST,
                    "/v1/payments",
                    json: #"{"reference":"full-2","amount":12900}"#
                )
                #expect(created.status == 201, "\(String(decoding: created.body, as: UTF8.self))")
                let orderId = try #require(created.json["orderId"] as? String)
                var captured = false
                try await till.followEvents(
                    after: nil,
                    opened: {
                        do {
                            try await simulator.simulator.open(orderId: orderId)
                            try await simulator.simulator.approve(orderId: orderId)
                        } catch {
                            Issue.record("the customer could not pay: \(error)")
                        }
                    }
                ) { event in
                    captured =
                        event.payment?["reference"] as? String == "full-2"
                        && event.payment?["state"] as? String == "captured"
                    return !captured
                }
                #expect(captured)
                group.cancelAll()
            }
        }
    }
}
