import Foundation
import TestSupport
import Testing

/// The real `qrpayd` started the way qrpayd.socket starts it: systemd's own `systemd-socket-activate` binds the
/// control socket, waits for the first till to connect, and only then runs the daemon with the listening socket as
/// fd 3 (`LISTEN_FDS=1`, `LISTEN_PID`). The till's first request waits in the socket's queue meanwhile.
@Suite(.timeLimit(.minutes(2)))
struct SocketActivationTests {
    static func activator() -> String? {
        for candidate in ["/usr/bin/systemd-socket-activate", "/usr/lib/systemd/systemd-socket-activate"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return nil
    }

    @Test(.enabled(if: Self.activator() != nil, "systemd-socket-activate is not installed"))
    func theTillsFirstRequestStartsTheDaemonOnTheInheritedSocket() async throws {
        let activator = try #require(Self.activator())
        try await SimulatorHarness.run { harness in
            let directory = try TemporaryDirectory()
            let activatedPath = directory.file("activated.sock").path
            // If the daemon bound a socket of its own, it would be here; it must use fd 3 instead.
            let configuredPath = directory.file("configured.sock").path
            let setup = try DaemonSetup(
                simulatorPort: harness.port,
                directory: directory,
                bindsControlSocket: false,
                extra: ["CONTROL_SOCKET_PATH": configuredPath]
            )
            // systemd-socket-activate gives the child only the variables named with -E (plus LISTEN_*).
            let passed = setup.environment.sorted { $0.key < $1.key }.flatMap { ["-E", "\($0.key)=\($0.value)"] }

            try await ChildProcess.withChild(
                activator,
                ["--listen=\(activatedPath)"] + passed + [DaemonSetup.executable] + setup.arguments,
                environment: ["PATH": "/usr/bin:/bin"],
                standardError: .lines
            ) { process in
                _ = try await process.expect("the activator listening") {
                    await process.errorLines.first { $0.contains("Listening on \(activatedPath)") }
                }
                // No daemon runs yet: this request is what starts it.
                let health = try await UnixHTTP.get("/v1/health", socket: activatedPath)

                #expect(health.status == 200, "\(health.body)")
                #expect(health.json["status"] as? String != nil)
                _ = try await process.expect("the daemon's log line about the inherited socket") {
                    await process.errorLines.first { $0.contains("Control socket listening (socket activation)") }
                }
                #expect(!FileManager.default.fileExists(atPath: configuredPath))
                // The same socket keeps serving: a second till request on a new connection.
                let again = try await UnixHTTP.get("/v1/payments?unsettled=true", socket: activatedPath)
                #expect(again.status == 200, "\(again.body)")

                process.signal(SIGTERM)
                #expect(await process.termination() == .exited(0))
            }
        }
    }
}
