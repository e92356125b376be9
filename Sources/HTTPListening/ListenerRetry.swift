import ServiceLifecycle

/// Whether a listener that the daemon can do without (the customer display, metrics) is serving.
public enum ListenerAvailability: Sendable, Hashable {
    /// Serving this TCP port.
    case listening(port: Int?)
    /// Could not be had; the reason (for the health report and the journal).
    case unavailable(reason: String)
}

/// Keeps trying to bind a listener the daemon can run without, so a taken port never takes the daemon down: each
/// failure is reported and the next try waits longer (doubling up to `maximumDelay`), until the port is free or the
/// daemon shuts down.
public struct ListenerRetry: Sendable {
    public var firstDelay: Duration
    public var maximumDelay: Duration

    public init(firstDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(30)) {
        self.firstDelay = firstDelay
        self.maximumDelay = maximumDelay
    }

    /// Binds with `bind`, reports the outcome with `report`, and serves once bound; returns on shutdown.
    ///
    /// - Throws: What serving the bound listener throws.
    public func run(
        bind: @Sendable () async throws -> HTTPListener,
        report: @Sendable (ListenerAvailability) async -> Void
    ) async throws {
        var delay = self.firstDelay
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let listener: HTTPListener
            do {
                listener = try await bind()
            } catch {
                await report(.unavailable(reason: "\(error)"))
                let wait = delay
                do {
                    try await cancelWhenGracefulShutdown {
                        try await Task.sleep(for: wait)
                    }
                } catch {
                    // Shutting down (or cancelled) while waiting: nothing to serve.
                    return
                }
                delay = min(delay * 2, self.maximumDelay)
                continue
            }
            await report(.listening(port: listener.port))
            try await listener.run()
            return
        }
    }
}
