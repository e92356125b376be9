import Foundation
import Logging
import PaymentCore
import TestSupport
import Testing
import VippsSimulator

/// The real `qrpayd` binary talking sd_notify to a socket the test bound, as PID 1 would see it: STATUS= lines,
/// READY=1 only once recovery is done, WATCHDOG=1 from the health-checked loop, STOPPING=1 and exit 0 on SIGTERM.
@Suite(.timeLimit(.minutes(2)))
struct NotifyProtocolTests {
    /// Leaves a payment open in `stateDirectory`, as a daemon that was stopped mid-payment would: created at the
    /// simulator and waiting for a scan.
    static func seedOpenPayment(
        reference: String,
        stateDirectory: String,
        harness: SimulatorHarness
    ) async throws -> Payment {
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let store = try PaymentStore(directory: stateDirectory)
        let engine = PaymentEngine(
            configuration: EngineConfiguration(orderIdPrefix: "seeded-", pollInterval: .milliseconds(500)),
            vipps: harness.makeClient(),
            store: store,
            logger: Logger(label: "test.seed")
        )
        let (payment, created) = try await engine.create(PaymentRequest(reference: reference, amount: 4990, text: nil))
        #expect(created)
        #expect(payment.state == .awaitingScan)
        return payment
    }

    /// Waits for `count` WATCHDOG=1 datagrams from datagram `index` on; returns the index after the last.
    static func expectPings(
        _ count: Int,
        after index: Int,
        notify: DatagramSink,
        daemon: ChildProcess
    ) async throws -> Int {
        var from = index
        for _ in 0..<count {
            let start = from
            let ping = try await daemon.expect("WATCHDOG=1") {
                await notify.datagrams.first(from: start) { String(decoding: $0, as: UTF8.self) == "WATCHDOG=1" }
            }
            from = ping.index + 1
        }
        return from
    }

    @Test func readyComesOnlyAfterRecoveryThenWatchdogPingsThenStoppingOnSigterm() async throws {
        try await SimulatorHarness.run { harness in
            let directory = try TemporaryDirectory()
            let notify = try DatagramSink(path: directory.file("notify.sock").path)
            defer { notify.stop() }
            let setup = try DaemonSetup(
                simulatorPort: harness.port,
                directory: directory,
                extra: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000"]
            )
            let seeded = try await Self.seedOpenPayment(
                reference: "notify-1",
                stateDirectory: setup.stateDirectory,
                harness: harness
            )
            // While "qrpayd is down", the customer approves: only recovery can find out and capture.
            try await harness.simulator.open(orderId: seeded.orderId)
            try await harness.simulator.approve(orderId: seeded.orderId)

            try await ChildProcess.withChild(
                DaemonSetup.executable,
                setup.arguments,
                environment: setup.environment,
                standardError: .file(setup.standardError)
            ) { daemon in
                let ready = try await daemon.expect("READY=1") {
                    await notify.datagrams.first { String(decoding: $0, as: UTF8.self).hasPrefix("READY=1") }
                }
                // Taken the moment READY=1 arrives: the daemon wrote these before it sent READY=1.
                let logSoFar = daemon.standardError
                let truthAtReady = try #require(await harness.simulator.payment(orderId: seeded.orderId))
                let before = notify.texts.prefix(ready.index)

                #expect(before.contains("STATUS=Opening the payment database"))
                #expect(before.contains("STATUS=Reconciling open payments with Vipps"))
                #expect(logSoFar.contains("Recovery finished"), "\(logSoFar)")
                #expect(logSoFar.contains("recovery.open_payments=1"), "\(logSoFar)")
                // Recovery found the approval and captured it before the till was let in.
                #expect(truthAtReady.capturedAmount == 4990)
                #expect(truthAtReady.successfulCaptures == 1)
                let readyText = String(decoding: ready.element, as: UTF8.self)
                #expect(readyText.split(separator: "\n").contains { $0.hasPrefix("STATUS=") }, "\(readyText)")

                // The control socket answers right away.
                let health = try await UnixHTTP.get("/v1/health", socket: setup.controlSocket)
                #expect(health.status == 200)
                #expect(health.json["version"] as? String != nil)
                let payment = try await UnixHTTP.get("/v1/payments/notify-1", socket: setup.controlSocket)
                #expect(payment.json["state"] as? String == "captured")

                // WATCHDOG_USEC=2 s: pings every second, from the loop's health check. Three of them, whatever
                // STATUS= lines come in between.
                let from = try await Self.expectPings(3, after: ready.index + 1, notify: notify, daemon: daemon)

                daemon.signal(SIGTERM)
                #expect(await daemon.termination() == .exited(0), "\(daemon.standardError)")
                await notify.stopAndDrain()
                let afterTerm = notify.texts.dropFirst(from)
                #expect(afterTerm.contains("STOPPING=1"), "\(afterTerm)")
                #expect(daemon.standardError.contains("qrpayd stopping"))
            }
        }
    }

    /// Vipps answering every call only after 5 s, longer than WatchdogSec (2 s), for a payment that is open: the
    /// daemon keeps feeding the watchdog (its loop turns; the slow calls run in their own tasks) and keeps answering
    /// the till, so systemd never kills it for a slow Vipps.
    @Test func aSlowVippsNeverStarvesTheWatchdog() async throws {
        try await SimulatorHarness.run { harness in
            let directory = try TemporaryDirectory()
            let notify = try DatagramSink(path: directory.file("notify.sock").path)
            defer { notify.stop() }
            let setup = try DaemonSetup(
                simulatorPort: harness.port,
                directory: directory,
                extra: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000"]
            )
            try await ChildProcess.withChild(
                DaemonSetup.executable,
                setup.arguments,
                environment: setup.environment,
                standardError: .file(setup.standardError)
            ) { daemon in
                _ = try await daemon.expect("READY=1") {
                    await notify.datagrams.first { String(decoding: $0, as: UTF8.self).hasPrefix("READY=1") }
                }
                let created = try await UnixHTTP.post(
                    "/v1/payments",
                    json: #"{"reference": "slow-1", "amount": 4990}"#,
                    socket: setup.controlSocket
                )
                #expect(created.status == 201)
                await harness.simulator.inject(.latency(.seconds(5), pathPrefix: "/ecomm"))
                // A slow /details is in flight from here on.
                _ = try await harness.simulator.waitForRequest(matching: { $0.path.hasSuffix("/details") })
                // Five pings (2.5 WatchdogSec) counted from here, while every answer takes 5 s.
                _ = try await Self.expectPings(5, after: notify.texts.count, notify: notify, daemon: daemon)
                // The till is answered all the while.
                let health = try await UnixHTTP.get("/v1/health", socket: setup.controlSocket)
                #expect(health.status == 200)
                let payment = try await UnixHTTP.get("/v1/payments/slow-1", socket: setup.controlSocket)
                #expect(payment.json["state"] as? String == "awaiting-scan")
                await harness.simulator.clearFaults()
                daemon.signal(SIGTERM)
                #expect(await daemon.termination() == .exited(0), "\(daemon.standardError)")
            }
        }
    }

    /// A payment database that vanished (the marker says there was one) must not be replaced by an empty one: the
    /// daemon refuses to start, says why in the journal's terms, and never tells systemd it is ready.
    @Test func aDaemonThatCannotTrustItsDatabaseNeverSaysReady() async throws {
        try await SimulatorHarness.run { harness in
            let directory = try TemporaryDirectory()
            let notify = try DatagramSink(path: directory.file("notify.sock").path)
            defer { notify.stop() }
            let setup = try DaemonSetup(
                simulatorPort: harness.port,
                directory: directory,
                extra: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000"]
            )
            try FileManager.default.createDirectory(atPath: setup.stateDirectory, withIntermediateDirectories: true)
            try Data().write(to: directory.file("state").appendingPathComponent(PaymentStore.markerName))

            try await ChildProcess.withChild(
                DaemonSetup.executable,
                setup.arguments,
                environment: setup.environment,
                standardError: .file(setup.standardError)
            ) { daemon in
                let termination = await daemon.termination()
                await notify.stopAndDrain()

                #expect(termination == .exited(65), "\(daemon.standardError)")
                #expect(notify.texts.contains("STATUS=Opening the payment database"))
                #expect(!notify.texts.contains { $0.contains("READY=1") }, "\(notify.texts)")
                #expect(daemon.standardError.contains("message_id=\(JournalEvent.storeRefused.messageID)"))
                #expect(!FileManager.default.fileExists(atPath: setup.controlSocket))
            }
        }
    }
}
