import CustomerDisplay
import Foundation
import Logging
import ServiceLifecycle
import TestSupport

/// A running ``CustomerDisplayServer``, as the body of ``withDisplayServer`` sees it.
struct RunningDisplayServer: Sendable {
    let port: Int
    let feed: DisplayFeed
    fileprivate let group: ServiceGroup

    var baseURL: String { "http://127.0.0.1:\(self.port)" }

    /// Starts the graceful shutdown the daemon's `ServiceGroup` would on SIGTERM.
    func shutDownGracefully() async {
        await self.group.triggerGracefulShutdown()
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
}

/// The page files in the repository.
let displayAssetsDirectory = packageRoot.appendingPathComponent("assets/display").path

func testSettings(
    port: Int = 0,
    language: DisplaySettings.Language = .norwegian,
    paidScreenDuration: Duration = .seconds(8)
) -> DisplaySettings {
    DisplaySettings(
        shopName: "Bakeriet på hjørnet",
        language: language,
        accentColor: "#FF5B24",
        paidScreenDuration: paidScreenDuration,
        port: port,
        assetsDirectory: displayAssetsDirectory
    )
}

/// Runs a real display server on 127.0.0.1 inside a `ServiceGroup` (as the daemon will) while `body` runs, then
/// shuts it down gracefully and waits until it has stopped.
func withDisplayServer<Result: Sendable>(
    settings: DisplaySettings = testSettings(),
    feed: DisplayFeed = DisplayFeed(),
    keepAliveInterval: Duration = .seconds(15),
    qrImage: @escaping @Sendable (String) async -> [UInt8]? = { _ in nil },
    _ body: (RunningDisplayServer) async throws -> Result
) async throws -> Result {
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "customer-display-test")
    logger.logLevel = .warning
    var server = CustomerDisplayServer(
        settings: settings,
        feed: feed,
        qrImage: qrImage,
        logger: logger,
        onListening: { port in portContinuation.yield(port) }
    )
    server.keepAliveInterval = keepAliveInterval
    let group = ServiceGroup(services: [server], logger: logger)

    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            defer { portContinuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await tasks.waitForAll()
            throw HarnessError(description: "the display server stopped before it was listening")
        }
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(try await body(RunningDisplayServer(port: port, feed: feed, group: group)))
        } catch {
            outcome = .failure(error)
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return try outcome.get()
    }
}
