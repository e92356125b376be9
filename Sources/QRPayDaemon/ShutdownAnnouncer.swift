import ServiceLifecycle

/// Runs `onShutdown` as soon as graceful shutdown begins. Listed last, so the group reaches it first.
struct ShutdownAnnouncer: Service {
    let onShutdown: @Sendable () async -> Void

    func run() async throws {
        try? await gracefulShutdown()
        await self.onShutdown()
    }
}
