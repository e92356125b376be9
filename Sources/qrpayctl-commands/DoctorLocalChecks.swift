import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The checks on this box: the state directory, the daemon behind the control socket, and the customer screen.
enum DoctorLocalChecks {
    static func stateDirectory(_ path: String) -> DoctorFinding {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .fail(
                "state-directory",
                "\(path) does not exist",
                fix: "Under systemd StateDirectory=qrpayd creates it; otherwise `sudo install -d -m 0700 \(path)` "
                    + "owned by the daemon's user, or set state.directory."
            )
        }
        guard isDirectory.boolValue else {
            return .fail(
                "state-directory",
                "\(path) is not a directory",
                fix: "Point state.directory at a directory, or move the file away."
            )
        }
        let probe = (path as NSString).appendingPathComponent(".qrpayctl-doctor-\(getpid())")
        guard FileManager.default.createFile(atPath: probe, contents: Data("probe\n".utf8)) else {
            return .fail(
                "state-directory",
                "\(path) is not writable by uid \(getuid())",
                fix:
                    "Give the daemon's user write access (chown/chmod \(path)), or set state.directory; check that the "
                    + "file system is not full or read-only."
            )
        }
        try? FileManager.default.removeItem(atPath: probe)
        return .ok("state-directory", "\(path) exists and is writable")
    }

    static func daemon(socketPath: String) async -> [DoctorFinding] {
        var configurationHTTP = HTTPClient.Configuration()
        configurationHTTP.connectionPool.retryConnectionEstablishment = false
        configurationHTTP.timeout = .init(connect: .seconds(5), read: .seconds(30))
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configurationHTTP)
        let findings = await self.daemon(socketPath: socketPath, httpClient: httpClient)
        try? await httpClient.shutdown()
        return findings
    }

    private static func daemon(
        socketPath: String,
        httpClient: HTTPClient
    ) async -> [DoctorFinding] {
        let fix =
            "Start the daemon (sudo systemctl enable --now qrpayd.socket qrpayd.service), check "
            + "`journalctl -u qrpayd -b`, and that --socket or control.socketPath names its socket."
        guard FileManager.default.fileExists(atPath: socketPath) else {
            return [.fail("control-socket", "there is no socket at \(socketPath)", fix: fix)]
        }
        let health: WireHealth
        do {
            guard let url = URL(httpURLWithSocketPath: socketPath, uri: "/v1/health") else {
                return [.fail("control-socket", "\(socketPath) cannot be used as a socket path", fix: fix)]
            }
            let response = try await httpClient.execute(
                HTTPClientRequest(url: url.absoluteString),
                timeout: .seconds(30)
            )
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else {
                return [.fail("control-socket", "GET /v1/health answered HTTP \(response.status.code)", fix: fix)]
            }
            health = try JSONDecoder().decode(WireHealth.self, from: Data(buffer: body))
        } catch {
            return [
                .fail(
                    "control-socket",
                    "\(socketPath) does not answer: \(error)",
                    fix: fix + " A permission error means your user is not in the socket's group (qrpay)."
                )
            ]
        }
        var findings: [DoctorFinding] = [.ok("control-socket", "\(socketPath) answers")]
        findings.append(self.daemonHealth(health))
        if let display = health.display {
            findings.append(await self.display(url: display.url, httpClient: httpClient))
        } else {
            findings.append(.ok("display", "the customer screen is turned off (display.enabled is false)"))
        }
        return findings
    }

    private static func daemonHealth(_ health: WireHealth) -> DoctorFinding {
        guard health.status != "ok" else {
            return .ok("daemon", "qrpayd \(health.version ?? "") is healthy")
        }
        var problems: [String] = []
        var fixes: [String] = []
        if !health.vipps.reachable {
            let error = health.vipps.lastError
            problems.append("Vipps is not reachable" + (error.map { ": \($0.title)" } ?? ""))
            if let hint = error?.hint { fixes.append(hint) }
        }
        if health.store?.writable == false {
            problems.append("the payment store is not writable")
            fixes.append("Check the state directory's owner, mode and free space.")
        }
        if health.display?.listening == false {
            problems.append("the customer screen is not listening")
            fixes.append("Check display.port is free (journalctl -u qrpayd).")
        }
        return .fail(
            "daemon",
            "qrpayd reports \(health.status)" + (problems.isEmpty ? "" : ": " + problems.joined(separator: "; ")),
            fix: fixes.isEmpty
                ? "Run `qrpayctl health` and read `journalctl -u qrpayd -x -p warning`." : fixes.joined(separator: " ")
        )
    }

    /// GETs the customer page at the address the daemon reports.
    private static func display(url: String?, httpClient: HTTPClient) async -> DoctorFinding {
        guard let url else {
            return .fail(
                "display",
                "the daemon reports no address for the customer screen",
                fix: "Check `journalctl -u qrpayd` for why the screen's server did not start (display.port in use?)."
            )
        }
        let fix =
            "The daemon serves the page; check display.port and display.assetsDirectory, and "
            + "`journalctl -u qrpayd` for why it is not listening."
        do {
            let response = try await httpClient.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 4 << 20)
            guard response.status == .ok else {
                return .fail("display", "\(url) answered HTTP \(response.status.code)", fix: fix)
            }
            return .ok("display", "\(url) answers")
        } catch {
            return .fail("display", "\(url) does not answer: \(error)", fix: fix)
        }
    }
}
