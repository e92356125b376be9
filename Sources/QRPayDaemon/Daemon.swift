import AsyncHTTPClient
package import ControlAPI
import CustomerDisplay
import Foundation
import HTTPListening
package import Logging
package import PaymentCore
import QRPayConfiguration
import ServiceLifecycle
package import SystemdSupport
package import UnixSignals
import VippsAPI

/// The composition root shared by `qrpayd`'s `main`, demo mode and the tests: builds every part from the
/// configuration and runs them in one `ServiceGroup` until SIGTERM or SIGINT.
package enum Daemon {
    package struct Options: Sendable {
        package var configuration: DaemonConfiguration
        /// Overrides the configured control socket: a descriptor from socket activation, or another path.
        package var listener: ControlServer.Listener?
        package var notifier: ServiceManagerNotifier
        /// Called once the daemon is ready: recovery done and the control socket accepting.
        package var onReady: @Sendable () async -> Void
        /// Called with the customer display's port once it listens.
        package var onDisplayListening: @Sendable (Int) async -> Void
        /// Called with the metrics port once `metrics.listen` accepts scrapes (port 0 in tests).
        package var onMetricsListening: @Sendable (Int) async -> Void
        package var gracefulShutdownSignals: [UnixSignal]
        /// The customer display's listening TCP socket from socket activation (`FileDescriptorName=display`), served
        /// instead of binding `display.host`:`display.port`.
        package var displaySocket: Int32? = nil
        /// The metrics' listening TCP socket from socket activation (`FileDescriptorName=metrics`): served even when
        /// `metrics.enabled` is false (enabling the socket unit is the operator's opt-in).
        package var metricsSocket: Int32? = nil
        /// A store already open (tests that need to reach into the database); by default the daemon opens its own.
        package var store: PaymentStore?

        package init(
            configuration: DaemonConfiguration,
            listener: ControlServer.Listener? = nil,
            notifier: ServiceManagerNotifier = ServiceManagerNotifier(),
            onReady: @escaping @Sendable () async -> Void = {},
            onDisplayListening: @escaping @Sendable (Int) async -> Void = { _ in },
            onMetricsListening: @escaping @Sendable (Int) async -> Void = { _ in },
            gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint],
            store: PaymentStore? = nil
        ) {
            self.configuration = configuration
            self.listener = listener
            self.notifier = notifier
            self.onReady = onReady
            self.onDisplayListening = onDisplayListening
            self.onMetricsListening = onMetricsListening
            self.gracefulShutdownSignals = gracefulShutdownSignals
            self.store = store
        }
    }

    /// Runs the daemon until it is shut down.
    ///
    /// Start-up order is what makes a crash safe: open the store (refuse to start if it is damaged), reconcile every
    /// open payment with Vipps, and only then open the control socket and tell systemd `READY=1`.
    package static func run(_ options: Options, logger: Logger) async throws {
        let configuration = options.configuration
        let notifier = options.notifier
        logger.notice(
            "qrpayd starting",
            metadata: [
                "message_id": "\(JournalEvent.daemonStarted.messageID)",
                "qrpayd.version": "\(QRPayBuild.version)",
                "vipps.environment": "\(configuration.vipps.environment)",
                "vipps.msn": "\(configuration.vipps.credentials.merchantSerialNumber)",
                "payment.settlement": "\(configuration.engine.settlement.rawValue)",
                "qr.mode": "\(configuration.engine.qrMode.rawValue)",
                "state.directory": "\(configuration.service.stateDirectory)",
            ]
        )
        notifier.status("Opening the payment database")
        let store: PaymentStore
        do {
            // systemd creates StateDirectory=; by hand, create it (private: it holds every payment).
            try? FileManager.default.createDirectory(
                atPath: configuration.service.stateDirectory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
            if let injected = options.store {
                store = injected
            } else {
                store = try PaymentStore(directory: configuration.service.stateDirectory)
            }
        } catch {
            logger.critical(
                "qrpayd refuses to start: the payment database cannot be trusted",
                metadata: ["message_id": "\(JournalEvent.storeRefused.messageID)", "store.error": "\(error.message)"]
            )
            throw error
        }

        let httpClient = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: VippsClient.httpClientConfiguration()
        )
        do {
            try await self.run(options, store: store, httpClient: httpClient, logger: logger)
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }

    private static func run(_ options: Options, store: PaymentStore, httpClient: HTTPClient, logger: Logger)
        async throws
    {
        let configuration = options.configuration
        let notifier = options.notifier
        let metrics = FleetMetrics(
            version: QRPayBuild.version,
            api: configuration.vipps.api.rawValue,
            environment: configuration.vipps.environment.isTest ? "test" : "production"
        )
        let vipps = VippsClient(
            httpClient: httpClient,
            configuration: .init(
                environment: configuration.vipps.environment,
                credentials: configuration.vipps.credentials,
                systemInfo: VippsSystemInfo(version: QRPayBuild.version, pluginVersion: QRPayBuild.version),
                requestTimeout: configuration.vipps.requestTimeout
            ),
            logger: logger,
            metrics: metrics.factory
        )
        let feed = DisplayFeed()
        let display = DisplayBridge(feed: feed)
        let status = StatusReporter(notifier: notifier)
        let engine = PaymentEngine(
            configuration: configuration.engine,
            vipps: vipps,
            store: store,
            logger: logger,
            metrics: metrics.factory
        ) { update in
            await display.handle(update)
            await status.handle(update)
        }
        let displayEnabled = configuration.displayEnabled
        let listeners = ListenerStates(logger: logger)
        let scrape: @Sendable () async -> String = {
            await engine.recordGauges()
            await vipps.recordGauges()
            if displayEnabled { metrics.screensConnected(await feed.subscriberCount) }
            for name in ListenerStates.Name.allCases where await listeners.state(name) != nil {
                metrics.listenerUp(name.rawValue, await listeners.isUp(name))
            }
            return metrics.exposition()
        }

        notifier.status("Reconciling open payments with Vipps")
        // A database that cannot be read stops the daemon (exit 65) rather than letting the till in blind.
        try await engine.recover()

        let health: @Sendable () async -> HealthReport = {
            await Self.health(
                engine: engine,
                vipps: vipps,
                configuration: configuration,
                store: store,
                feed: feed,
                listeners: listeners
            )
        }
        let listener =
            options.listener
            ?? .path(configuration.service.controlSocketPath, mode: configuration.service.controlSocketMode)
        var services: [any Service] = [
            LoopService(name: "access-token") { await vipps.tokens.refreshLoop() },
            LoopService(name: "poll-loop") { await engine.runPollLoop() },
            StoreMaintenance(engine: engine, store: store, logger: logger),
        ]
        // The display and metrics listeners may fail (a taken port): each reports to `listeners` and retries, and the
        // daemon serves the till meanwhile (ListenerStates, HTTPListening.ListenerRetry).
        if configuration.displayEnabled {
            await listeners.expect(.display)
            var server = CustomerDisplayServer(
                settings: configuration.display,
                feed: feed,
                qrImage: { reference in await engine.qrImage(reference: reference) },
                logger: logger,
                onListening: options.onDisplayListening
            )
            let address: ListenAddress =
                options.displaySocket.map { .inherited(fd: $0) }
                ?? .tcp(host: configuration.display.host, port: configuration.display.port)
            server.listenAddress = address
            let host = configuration.display.host
            server.onAvailability = { availability in
                let url: String? =
                    if case .listening(let port?) = availability {
                        "http://\(ListenAddress.tcp(host: host, port: port))/"
                    } else { nil }
                await listeners.report(.display, availability, url: url, address: "\(address)")
            }
            services.append(server)
        }
        let metricsAddress: ListenAddress? =
            options.metricsSocket.map { .inherited(fd: $0) }
            ?? configuration.service.metricsListen.map { .tcp(host: $0.host, port: $0.port) }
        if let metricsAddress {
            await listeners.expect(.metrics)
            services.append(
                MetricsServer(
                    address: metricsAddress,
                    allowedHosts: configuration.service.metricsAllowedHosts,
                    scrape: scrape,
                    logger: logger
                ) { availability in
                    var url: String?
                    if case .listening(let port?) = availability {
                        let host = configuration.service.metricsListen?.host ?? "127.0.0.1"
                        url = "http://\(ListenAddress.tcp(host: host, port: port))/metrics"
                        await options.onMetricsListening(port)
                    }
                    await listeners.report(.metrics, availability, url: url, address: "\(metricsAddress)")
                }
            )
        }
        var control = ControlServer(
            listener: listener,
            engine: engine,
            health: health,
            version: QRPayBuild.version,
            logger: logger
        ) {
            await status.publish()
            notifier.ready(status: await status.text())
            logger.notice(
                "qrpayd is ready for the till",
                metadata: ["control.listener": "\(Self.describe(listener))"]
            )
            await options.onReady()
        }
        control.metrics = scrape
        services.append(control)
        if let interval = notifier.watchdogInterval {
            let pollInterval = configuration.engine.pollInterval
            services.append(
                WatchdogService(
                    notifier: notifier,
                    interval: interval,
                    isHealthy: {
                        // The poll loop turns several times a second; a loop stuck for long is not making progress.
                        let turn = await engine.lastLoopTurn
                        return ContinuousClock.now - turn < max(interval / 2, pollInterval * 5)
                    },
                    logger: logger
                )
            )
        }
        services.append(
            ShutdownAnnouncer {
                notifier.stopping()
                logger.notice("qrpayd stopping", metadata: ["message_id": "\(JournalEvent.daemonStopping.messageID)"])
                await engine.events.finishAll()
            }
        )
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: options.gracefulShutdownSignals,
                logger: logger
            )
        )
        try await group.run()
    }

    static func describe(_ listener: ControlServer.Listener) -> String {
        switch listener {
        case .path(let path, _): path
        case .inherited(let fd): "socket-activated fd \(fd)"
        }
    }

    static func health(
        engine: PaymentEngine,
        vipps: VippsClient,
        configuration: DaemonConfiguration,
        store: PaymentStore,
        feed: DisplayFeed,
        listeners: ListenerStates
    ) async -> HealthReport {
        let vippsHealth = await engine.vippsHealth()
        let tokenValidUntil = await vipps.tokens.validUntil
        let environment: String
        switch configuration.vipps.environment {
        case .test: environment = "test"
        case .production: environment = "production"
        case .custom(let baseURL, let isTest): environment = "\(isTest ? "test" : "production") via \(baseURL)"
        }
        // A store that cannot be read is reported as such (not writable, degraded), never as "no payment open".
        let activePayment: Payment?
        let readable: Bool
        do {
            activePayment = try await engine.activePayment()
            readable = true
        } catch {
            activePayment = nil
            readable = false
        }
        // A write that failed for want of storage marks the store unwritable until a write succeeds: try a small one
        // now (only while marked), so space coming back is seen without a payment.
        store.probeWrite()
        let writeProblem = store.writeProblem
        let writable =
            readable && writeProblem == nil
            && FileManager.default.isWritableFile(atPath: configuration.service.stateDirectory)
        let unreconciled = await engine.unreconciledPayments()
        let displayReport: HealthReport.Display?
        if let state = await listeners.state(.display) {
            let listening = await listeners.isUp(.display)
            displayReport = HealthReport.Display(
                listening: listening,
                url: listening ? state.url : nil,
                connectedPages: await feed.subscriberCount,
                reason: await listeners.reason(.display)
            )
        } else {
            displayReport = nil
        }
        let listenerDown = await listeners.anyDown()
        let degraded = !vippsHealth.reachable || !writable || !unreconciled.isEmpty || listenerDown
        return HealthReport(
            status: degraded ? .degraded : .ok,
            version: QRPayBuild.version,
            vipps: .init(
                reachable: vippsHealth.reachable,
                environment: environment,
                tokenValidUntil: tokenValidUntil,
                lastError: vippsHealth.consecutiveFailures > 0 ? vippsHealth.lastError : nil,
                lastSuccess: vippsHealth.lastSuccess
            ),
            activePayment: activePayment,
            unreconciledPayments: unreconciled,
            display: displayReport,
            metrics: await listeners.metricsReport(),
            store: .init(
                path: store.path,
                writable: writable,
                reason: writable
                    ? nil
                    : writeProblem?.reason ?? (readable ? "the state directory is not writable" : "cannot be read"),
                since: writeProblem?.since
            )
        )
    }
}
