import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A headless Chromium process for the duration of `body`, driven over DevTools on a pipe.
///
/// Chromium is required: if it is not on `PATH` this throws and the test fails (CI installs it). The browser is
/// closed and reaped before this returns, whatever `body` did.
func withHeadlessChromium<Result: Sendable>(
    _ body: (DevToolsConnection) async throws -> Result
) async throws -> Result {
    let executable = try ExternalTool.find("chromium")
    let profile = try TemporaryDirectory(prefix: "qrpayd-chromium")
    try FileManager.default.createDirectory(at: ScreenshotDirectory.url, withIntermediateDirectories: true)
    let process = try ChromiumProcess.launch(
        executable: executable.path,
        arguments: [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--remote-debugging-pipe",
            "--user-data-dir=\(profile.path)", "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--force-color-profile=srgb", "--lang=nb-NO", "about:blank",
        ],
        logPath: ScreenshotDirectory.url.appendingPathComponent("chromium.log").path
    )
    let connection = DevToolsConnection(commandDescriptor: process.commandDescriptor)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            for await message in process.messages {
                await connection.receive(message)
            }
            await connection.close(reason: "Chromium exited")
        }
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(try await body(connection))
        } catch {
            outcome = .failure(error)
        }
        _ = try? await connection.send("Browser.close")
        process.terminate()
        try await group.waitForAll()
        close(process.commandDescriptor)
        await process.waitForExit()
        _ = profile  // the profile directory lives until the browser is gone
        return try outcome.get()
    }
}

/// The raw process: the DevTools pipe on fds 3 and 4, which `Process` cannot set up, and nothing else of the test
/// process (a browser that held a server's connection open would keep another test waiting for a hang-up).
struct ChromiumProcess: Sendable {
    struct LaunchError: Error, CustomStringConvertible {
        var description: String
    }

    let process: SpawnedProcess
    /// Our end of the browser's fd 3.
    let commandDescriptor: Int32
    /// NUL-separated messages from the browser's fd 4; finishes when the browser closes it.
    let messages: AsyncStream<Data>

    static func launch(executable: String, arguments: [String], logPath: String) throws -> ChromiumProcess {
        let commands = try Self.makePipe()
        let events = try Self.makePipe()
        let log = URL(fileURLWithPath: logPath)
        let process: SpawnedProcess
        do {
            defer {
                close(commands.read)
                close(events.write)
            }
            process = try SpawnedProcess(
                executable,
                arguments,
                environment: ProcessInfo.processInfo.environment,
                standardOutput: .file(log),
                standardError: .file(log),
                passing: [3: commands.read, 4: events.write]
            )
        } catch {
            close(commands.write)
            close(events.read)
            throw LaunchError(description: "cannot start \(executable): \(error)")
        }

        let (messages, continuation) = AsyncStream.makeStream(of: Data.self)
        let readDescriptor = events.read
        // A plain thread does the blocking reads, so the two-core test machine's concurrency pool is never blocked.
        let reader = Thread {
            var pendingBytes = Data()
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = read(readDescriptor, &chunk, chunk.count)
                if count < 0, errno == EINTR {
                    continue
                }
                guard count > 0 else { break }
                pendingBytes.append(contentsOf: chunk[0..<count])
                while let end = pendingBytes.firstIndex(of: 0) {
                    continuation.yield(Data(pendingBytes[pendingBytes.startIndex..<end]))
                    pendingBytes.removeSubrange(pendingBytes.startIndex...end)
                }
            }
            close(readDescriptor)
            continuation.finish()
        }
        reader.start()
        return ChromiumProcess(process: process, commandDescriptor: commands.write, messages: messages)
    }

    func terminate() {
        self.process.signal(SIGTERM)
    }

    /// Waits until the browser has exited and been reaped.
    func waitForExit() async {
        _ = await self.process.waitForExit()
    }

    /// A one-way channel (a close-on-exec socket pair, created atomically so a browser that another test starts
    /// at the same moment cannot inherit it), with both ends above fd 4 so the `dup2` onto 3 and 4 always makes a
    /// fresh descriptor.
    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0, &descriptors) == 0 else {
            throw LaunchError(description: "socketpair failed (errno \(errno))")
        }
        let readEnd = fcntl(descriptors[0], F_DUPFD_CLOEXEC, 10)
        let writeEnd = fcntl(descriptors[1], F_DUPFD_CLOEXEC, 10)
        close(descriptors[0])
        close(descriptors[1])
        guard readEnd >= 0, writeEnd >= 0 else {
            throw LaunchError(description: "fcntl(F_DUPFD_CLOEXEC) failed (errno \(errno))")
        }
        return (readEnd, writeEnd)
    }
}

/// Where screenshots go, for people to look at: `<package root>/.build/screenshots/`.
enum ScreenshotDirectory {
    static let url = packageRoot.appendingPathComponent(".build/screenshots", isDirectory: true)

    static func save(_ png: Data, as name: String) throws -> URL {
        try FileManager.default.createDirectory(at: self.url, withIntermediateDirectories: true)
        let file = self.url.appendingPathComponent(name)
        try png.write(to: file)
        print("screenshot: \(file.path)")
        return file
    }
}
