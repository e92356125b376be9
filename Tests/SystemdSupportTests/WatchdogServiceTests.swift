import Logging
import ServiceLifecycle
import Synchronization
import SystemdSupport
import Testing

@Suite("WatchdogService")
struct WatchdogServiceTests {
    /// The progress probe's answer, switched by the test.
    final class Health: Sendable {
        private let value = Mutex(true)
        var isHealthy: Bool { self.value.withLock { $0 } }
        func set(_ healthy: Bool) { self.value.withLock { $0 = healthy } }
    }

    @Test func pingsAtHalfTheIntervalWhileTheWorkLoopIsHealthy() async throws {
        let receiver = try DatagramReceiver(address: DatagramReceiver.uniqueAbstractAddress())
        let clock = ManualClock()
        let service = WatchdogService(
            notifier: ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": receiver.address]),
            interval: .seconds(30),
            clock: clock,
            isHealthy: { true },
            logger: Logger(label: "test")
        )

        try await withThrowingTaskGroup { group in
            group.addTask { try await service.run() }
            var sleeps = clock.sleeps.makeAsyncIterator()

            for round in 1...3 {
                let deadline = try #require(await sleeps.next())
                #expect(deadline == ManualClock.Instant(offset: .seconds(15 * (round - 1) + 15)))
                #expect(try receiver.receiveIfAvailable() == nil)
                clock.advance(by: .seconds(15))
                #expect(try receiver.receiveText() == "WATCHDOG=1")
            }

            group.cancelAll()
            try await group.waitForAll()
        }
    }

    @Test func withholdsPingsWhileUnhealthyAndLogsOncePerEpisode() async throws {
        let receiver = try DatagramReceiver(address: DatagramReceiver.uniqueAbstractAddress())
        let clock = ManualClock()
        let health = Health()
        let logs = RecordingLogHandler.Storage()
        let service = WatchdogService(
            notifier: ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": receiver.address]),
            interval: .seconds(10),
            clock: clock,
            isHealthy: { health.isHealthy },
            logger: .recording(into: logs)
        )

        try await withThrowingTaskGroup { group in
            group.addTask { try await service.run() }
            var sleeps = clock.sleeps.makeAsyncIterator()

            /// Lets one period pass and waits until the service has acted on it and sleeps again.
            func tick() async throws {
                clock.advance(by: .seconds(5))
                _ = try #require(await sleeps.next())
            }

            _ = try #require(await sleeps.next())
            health.set(false)
            for _ in 1...3 {
                try await tick()
                // The service is asleep again, so a ping (sent before sleeping) would already be queued.
                #expect(try receiver.receiveIfAvailable() == nil)
            }
            #expect(logs.messages(at: .warning).count == 1)

            health.set(true)
            try await tick()
            #expect(try receiver.receiveText() == "WATCHDOG=1")
            #expect(logs.messages(at: .notice).count == 1)

            health.set(false)
            try await tick()
            try await tick()
            #expect(try receiver.receiveIfAvailable() == nil)
            #expect(logs.messages(at: .warning).count == 2)

            group.cancelAll()
            try await group.waitForAll()
        }
    }

    @Test func returnsWhenCancelled() async throws {
        let clock = ManualClock()
        let service = WatchdogService(
            notifier: ServiceManagerNotifier(environment: [:]),
            interval: .seconds(30),
            clock: clock,
            isHealthy: { true },
            logger: Logger(label: "test")
        )

        try await withThrowingTaskGroup { group in
            group.addTask { try await service.run() }
            var sleeps = clock.sleeps.makeAsyncIterator()
            _ = try #require(await sleeps.next())

            group.cancelAll()
            // `run()` must return normally (not throw) so a ServiceGroup sees an orderly stop.
            try await group.waitForAll()
        }
    }

    @Test func stopsOnGracefulShutdownOfItsServiceGroup() async throws {
        let clock = ManualClock()
        let service = WatchdogService(
            notifier: ServiceManagerNotifier(environment: [:]),
            interval: .seconds(30),
            clock: clock,
            isHealthy: { true },
            logger: Logger(label: "test")
        )
        let serviceGroup = ServiceGroup(services: [service], logger: Logger(label: "test"))

        try await withThrowingTaskGroup { group in
            group.addTask { try await serviceGroup.run() }
            var sleeps = clock.sleeps.makeAsyncIterator()
            _ = try #require(await sleeps.next())

            await serviceGroup.triggerGracefulShutdown()
            // The group's run() returns without error only if the watchdog returned on its own.
            try await group.waitForAll()
        }
    }
}
