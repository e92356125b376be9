package import Logging
import ServiceLifecycle

/// Feeds systemd's watchdog (`WatchdogSec=`) only while the daemon's work loop is making progress.
///
/// A timer that pings unconditionally proves only that the timer runs. This service asks `isHealthy` before each
/// ping and withholds the ping when the answer is no (or when the probe itself hangs), so systemd restarts a daemon
/// whose payment loop is stuck. It pings every half ``interval``, the conventional margin.
///
/// Add it to the `ServiceGroup` only when ``ServiceManagerNotifier/watchdogInterval`` is set. It returns on graceful
/// shutdown or cancellation.
package struct WatchdogService: Service {
    /// The watchdog timeout systemd enforces (`WATCHDOG_USEC`).
    package let interval: Duration

    private let notifier: ServiceManagerNotifier
    private let isHealthy: @Sendable () async -> Bool
    private let logger: Logger
    private let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameters:
    ///   - notifier: Where `WATCHDOG=1` goes.
    ///   - interval: The timeout systemd enforces; pings go out every half of it.
    ///   - clock: The clock to wait on. Tests pass a manual clock to step time without sleeping.
    ///   - isHealthy: The progress probe, e.g. "the poll loop completed a round recently".
    ///   - logger: Reports when pings are withheld and when they resume, once per episode.
    package init(
        notifier: ServiceManagerNotifier,
        interval: Duration,
        clock: some Clock<Duration> = ContinuousClock(),
        isHealthy: @escaping @Sendable () async -> Bool,
        logger: Logger
    ) {
        self.notifier = notifier
        self.interval = interval
        self.isHealthy = isHealthy
        self.logger = logger
        self.sleep = { duration in try await clock.sleep(for: duration) }
    }

    package func run() async throws {
        guard self.interval > .zero else {
            // Nothing sensible to ping at; stay in the group until it stops so its lifetime is unchanged.
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            await self.pingWhileHealthy()
        }
    }

    private func pingWhileHealthy() async {
        let period = self.interval / 2
        var isWithholding = false
        while true {
            do {
                try await self.sleep(period)
            } catch {
                // Cancelled: the group is shutting down, and systemd stops watching once STOPPING=1 is sent.
                return
            }
            if await self.isHealthy() {
                self.notifier.watchdog()
                if isWithholding {
                    isWithholding = false
                    self.logger.notice("Work loop is progressing again; watchdog pings resumed")
                }
            } else if !isWithholding {
                isWithholding = true
                self.logger.warning(
                    "Work loop reports no progress; withholding watchdog pings so systemd can restart the daemon",
                    metadata: ["watchdog.interval": "\(self.interval)"]
                )
            }
        }
    }
}
