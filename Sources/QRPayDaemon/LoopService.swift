import ServiceLifecycle

/// A long-running loop as a `Service`: cancelled when the group shuts down gracefully.
struct LoopService: Service {
    let name: String
    let body: @Sendable () async throws -> Void

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await self.body()
        }
    }
}
