import AsyncHTTPClient
import Foundation
import Glibc
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
import VippsSimulator

/// The display and metrics listeners of the real daemon against a hostile neighbour on the box: a port taken before
/// the daemon starts, a flood of connections, DNS rebinding, and the ports handed over by systemd instead.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct ListenerTests {
    static let assets = packageRoot.appendingPathComponent("assets/display").path
    static let qrpayd = productPath("qrpayd")

    /// The daemon with the display on `displayPort` and metrics on `metricsPort` (0: a free one each; nil: off).
    static func start(
        _ harness: SimulatorHarness,
        _ directory: TemporaryDirectory,
        displayPort: Int?,
        metricsPort: Int?,
        extraSections: [String: [String: Any]] = [:],
        executable: String = Self.qrpayd,
        prefix: [String] = [],
        environment extraEnvironment: [String: String] = [:],
        passing: [Int32: Int32] = [:]
    ) throws -> (DaemonProcess, TillClient) {
        var sections = extraSections
        if let displayPort {
            sections["display", default: [:]].merge(
                ["enabled": true, "port": displayPort, "assetsDirectory": Self.assets]
            ) { $1 }
        }
        if let metricsPort {
            sections["metrics", default: [:]]["listen"] = "127.0.0.1:\(metricsPort)"
        }
        let setup = try DaemonProcess.configuration(
            simulatorPort: harness.port,
            directory: directory,
            sections: sections
        )
        var environment = setup.environment
        environment.merge(extraEnvironment) { $1 }
        let daemon = try DaemonProcess(
            arguments: prefix + setup.arguments,
            environment: environment,
            socketPath: setup.socketPath,
            executable: executable,
            passing: passing
        )
        return (daemon, TillClient(socketPath: setup.socketPath, httpClient: harness.httpClient))
    }

    /// A whole payment through the control socket: created, scanned, approved, captured.
    static func pay(_ reference: String, _ harness: SimulatorHarness, _ till: TillClient) async throws {
        let created = try await till.send(.POST, "/v1/payments", json: #"{"reference":"\#(reference)","amount":4200}"#)
        #expect(created.status == 201, "\(String(decoding: created.body, as: UTF8.self))")
        let orderId = try #require(created.json["orderId"] as? String)
        try await harness.simulator.open(orderId: orderId)
        try await harness.simulator.approve(orderId: orderId)
        _ = try await till.waitForState(reference, "captured")
    }

    /// The port in a log line's `key=` field.
    static func port(in line: String, after key: String) -> Int? {
        guard let range = line.range(of: key) else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    /// Waits until the daemon is ready and its display listens; the display's port.
    static func readyWithDisplay(_ daemon: DaemonProcess) async -> Int? {
        var port: Int?
        var ready = false
        for await line in daemon.lines {
            port = port ?? Self.port(in: line, after: "display.port=")
            ready = ready || line.contains("qrpayd is ready for the till")
            if ready, port != nil { return port }
        }
        return nil
    }

    @Test func aTakenDisplayAndMetricsPortLeaveTheTillServedAndHealthSaysWhy() async throws {
        try await SimulatorHarness.run { harness in
            let directory = try TemporaryDirectory()
            // Another process (this test) holds both ports before the daemon starts.
            let display = try RawTCP.listen()
            let metrics = try RawTCP.listen()
            defer { close(metrics.fd) }
            var displayHeld = true
            defer { if displayHeld { close(display.fd) } }
            let (daemon, till) = try Self.start(
                harness,
                directory,
                displayPort: display.port,
                metricsPort: metrics.port
            )
            try await daemon.waitUntilReady()

            let health = try await till.send(.GET, "/v1/health")
            #expect(health.status == 200)
            #expect(health.json["status"] as? String == "degraded")
            let displayPart = try #require(health.json["display"] as? [String: Any])
            #expect(displayPart["listening"] as? Bool == false)
            #expect((displayPart["reason"] as? String)?.contains("Address already in use") == true, "\(displayPart)")
            let metricsPart = try #require(health.json["metrics"] as? [String: Any])
            #expect(metricsPart["listening"] as? Bool == false)
            #expect((metricsPart["reason"] as? String)?.contains("Address already in use") == true, "\(metricsPart)")
            // The journal entry names the listener and the catalog's MESSAGE_ID.
            let scrape = try await till.send(.GET, "/metrics")
            let text = try PrometheusText(String(decoding: scrape.body, as: UTF8.self))
            #expect(text.value("qrpayd_listener_up", ["listener": "display"]) == 0)
            #expect(text.value("qrpayd_listener_up", ["listener": "metrics"]) == 0)

            try await Self.pay("taken-1", harness, till)

            // Once the port is free the daemon takes it (retrying with a growing delay).
            close(display.fd)
            displayHeld = false
            let line = await daemon.waitForLine(containing: "Customer display listening")
            #expect(Self.port(in: line ?? "", after: "display.port=") == display.port)
            let after = try await till.send(.GET, "/v1/health")
            let displayAfter = try #require(after.json["display"] as? [String: Any])
            #expect(displayAfter["listening"] as? Bool == true)
            #expect(displayAfter["reason"] == nil)
            #expect(try RawTCP.status(port: display.port, path: "/", host: "127.0.0.1:\(display.port)") == 200)
            #expect(await daemon.stop(with: SIGTERM) == 0)
        }
    }

    @Test func aRebindingHostIsRefusedAndTheLoopbackHostServed() async throws {
        try await SimulatorHarness.run { harness in
            let directory = try TemporaryDirectory()
            let (daemon, till) = try Self.start(harness, directory, displayPort: 0, metricsPort: 0)
            var displayPort: Int?
            var metricsPort: Int?
            for await line in daemon.lines {
                displayPort = displayPort ?? Self.port(in: line, after: "display.port=")
                metricsPort = metricsPort ?? Self.port(in: line, after: "Metrics for Prometheus at http://127.0.0.1:")
                if displayPort != nil, metricsPort != nil { break }
            }
            let display = try #require(displayPort)
            let metrics = try #require(metricsPort)

            for path in ["/", "/events", "/qr/x.png"] {
                #expect(try RawTCP.status(port: display, path: path, host: "rebind.example") == 421, "\(path)")
                #expect(try RawTCP.status(port: display, path: path, host: "rebind.example:\(display)") == 421)
                // The loopback name with another port is not this listener either.
                #expect(try RawTCP.status(port: display, path: path, host: "127.0.0.1:\(display + 1)") == 421)
                #expect(try RawTCP.status(port: display, path: path, host: nil) == 400, "\(path)")
            }
            #expect(try RawTCP.status(port: metrics, path: "/metrics", host: "rebind.example:\(metrics)") == 421)
            #expect(try RawTCP.status(port: metrics, path: "/metrics", host: nil) == 400)

            for host in ["127.0.0.1:\(display)", "localhost:\(display)", "LOCALHOST:\(display)"] {
                #expect(try RawTCP.status(port: display, path: "/", host: host) == 200, "\(host)")
                #expect(try RawTCP.status(port: display, path: "/events", host: host) == 200, "\(host)")
            }
            #expect(try RawTCP.status(port: display, path: "/qr/x.png", host: "127.0.0.1:\(display)") == 404)
            #expect(try RawTCP.status(port: metrics, path: "/metrics", host: "127.0.0.1:\(metrics)") == 200)
            _ = till
            #expect(await daemon.stop(with: SIGTERM) == 0)
        }
    }

    @Test func metricsAnswerTheNamesAFleetConfigured() async throws {
        try await SimulatorHarness.run { harness in
            let directory = try TemporaryDirectory()
            let (daemon, _) = try Self.start(
                harness,
                directory,
                displayPort: nil,
                metricsPort: 0,
                extraSections: ["metrics": ["allowedHosts": ["kiosk7.shop.lan", "192.0.2.7"]]]
            )
            let line = await daemon.waitForLine(containing: "Metrics for Prometheus at http://127.0.0.1:")
            let metrics = try #require(Self.port(in: line ?? "", after: "Metrics for Prometheus at http://127.0.0.1:"))
            #expect(try RawTCP.status(port: metrics, path: "/metrics", host: "kiosk7.shop.lan:\(metrics)") == 200)
            #expect(try RawTCP.status(port: metrics, path: "/metrics", host: "192.0.2.7:\(metrics)") == 200)
            #expect(try RawTCP.status(port: metrics, path: "/metrics", host: "kiosk8.shop.lan:\(metrics)") == 421)
            #expect(await daemon.stop(with: SIGTERM) == 0)
        }
    }

    /// What `qrpayd-display.socket` and `qrpayd-metrics.socket` do: the ports are bound before the daemon starts and
    /// handed over with the control socket, each named by `FileDescriptorName=`; metrics are served though
    /// `metrics.enabled` is off.
    @Test func servesTheNamedSocketsSystemdPasses() async throws {
        try await SimulatorHarness.run { harness in
            let directory = try TemporaryDirectory()
            let controlPath = directory.file("activated.sock").path
            let control = try RawTCP.listen(path: controlPath)
            let display = try RawTCP.listen()
            let metrics = try RawTCP.listen()
            // Passed descriptors must lie above the child's 3, 4 and 5.
            let passed = [control, display.fd, metrics.fd].map { fcntl($0, F_DUPFD_CLOEXEC, 20) }
            defer { for fd in passed + [control, display.fd, metrics.fd] { close(fd) } }
            let (daemon, _) = try Self.start(
                harness,
                directory,
                displayPort: 0,
                metricsPort: nil,
                executable: "/bin/sh",
                // sd_listen_fds(3) takes the sockets only when LISTEN_PID is the daemon's own pid: exec keeps the
                // shell's.
                prefix: ["-c", #"LISTEN_PID=$$ exec "$0" "$@""#, Self.qrpayd],
                environment: ["LISTEN_FDS": "3", "LISTEN_FDNAMES": "control:display:metrics"],
                passing: [3: passed[0], 4: passed[1], 5: passed[2]]
            )
            try await daemon.waitUntilReady()
            let till = TillClient(socketPath: controlPath, httpClient: harness.httpClient)
            let health = try await till.send(.GET, "/v1/health")
            let displayPart = try #require(health.json["display"] as? [String: Any])
            let metricsPart = try #require(health.json["metrics"] as? [String: Any])
            #expect(displayPart["listening"] as? Bool == true, "\(health.json)")
            #expect(displayPart["url"] as? String == "http://127.0.0.1:\(display.port)/")
            #expect(metricsPart["listening"] as? Bool == true, "\(health.json)")
            #expect(health.json["status"] as? String == "ok")

            #expect(try RawTCP.status(port: display.port, path: "/", host: "127.0.0.1:\(display.port)") == 200)
            #expect(try RawTCP.status(port: metrics.port, path: "/metrics", host: "127.0.0.1:\(metrics.port)") == 200)
            #expect(try RawTCP.status(port: display.port, path: "/", host: "rebind.example") == 421)
            // The configured control path was never bound: the till's socket is the one passed.
            #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
            try await Self.pay("activated-1", harness, till)
            #expect(await daemon.stop(with: SIGTERM) == 0)
        }
    }

    /// A neighbour opens 200 event streams and 1,500 idle connections to the display (more than the 1,024 descriptors
    /// the daemon has): the till's health answer and a whole payment still go through, and the daemon's descriptors
    /// come back to where they were.
    @Test(.timeLimit(.minutes(3))) func aFloodOnTheDisplayDoesNotStopThePayments() async throws {
        try await SimulatorHarness.run { harness in
            let directory = try TemporaryDirectory()
            // The daemon keeps a service's default soft limit, whatever this process has.
            let (daemon, till) = try Self.start(
                harness,
                directory,
                displayPort: 0,
                metricsPort: nil,
                executable: "/bin/sh",
                prefix: ["-c", #"ulimit -Sn 1024 && exec "$0" "$@""#, Self.qrpayd]
            )
            let display = try #require(await Self.readyWithDisplay(daemon))
            let pid = daemon.processIdentifier
            let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
            let openFiles = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }
            #expect(openFiles?.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first == "1024")
            // This process needs more than 1,700 descriptors.
            var limit = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            limit.rlim_cur = limit.rlim_max
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            try #require(limit.rlim_max >= 2048, "the hard limit (\(limit.rlim_max)) leaves no room for the flood")

            #expect(try await till.send(.GET, "/v1/health").status == 200)
            let before = try RawTCP.openDescriptors(of: pid)

            var flood: [Int32] = []
            defer { for fd in flood { close(fd) } }
            var streams = 0
            var refusedStreams = 0
            // A daemon that stops accepting leaves connects hanging: after a few in a row the neighbour gives up.
            var failedConnects = 0
            var failedInARow = 0
            func connect() -> Int32? {
                guard failedInARow < 5, let fd = try? RawTCP.connect(port: display, timeout: 2) else {
                    failedConnects += 1
                    failedInARow += 1
                    return nil
                }
                failedInARow = 0
                flood.append(fd)
                return fd
            }
            var streamConnections: [Int32] = []
            for _ in 0..<200 {
                guard let fd = connect() else { continue }
                streamConnections.append(fd)
                try? RawTCP.send(fd, "GET /events HTTP/1.1\r\nHost: 127.0.0.1:\(display)\r\n\r\n")
            }
            for _ in 0..<1500 { _ = connect() }
            for fd in streamConnections {
                switch RawTCP.readHead(fd).flatMap(RawTCP.statusCode) {
                case 200: streams += 1
                case 503: refusedStreams += 1
                default: break
                }
            }
            let during = try RawTCP.openDescriptors(of: pid)

            // The till connects anew, as `qrpayctl health` does.
            let clock = ContinuousClock()
            let started = clock.now
            let connection = try RawTCP.connect(path: daemon.socketPath)
            try RawTCP.send(connection, "GET /v1/health HTTP/1.1\r\nHost: qrpayd\r\n\r\n")
            let health = RawTCP.readHead(connection).flatMap(RawTCP.statusCode)
            close(connection)
            let healthTime = clock.now - started
            #expect(health == 200)
            #expect(healthTime < .seconds(2), "the till waited \(healthTime) for its health answer")
            // A whole payment on connections of its own.
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let paymentStarted = clock.now
            do {
                try await Self.pay("flood-1", harness, TillClient(socketPath: daemon.socketPath, httpClient: client))
            } catch {
                try await client.shutdown()
                throw error
            }
            try await client.shutdown()
            let paymentTime = clock.now - paymentStarted
            #expect(streams == 8, "event streams served: \(streams)")
            #expect(refusedStreams > 0)

            for fd in flood { close(fd) }
            flood = []
            // Each look is a round trip through the daemon, so the wait is for its event loops.
            var after = try RawTCP.openDescriptors(of: pid)
            var looks = 0
            while after > before, looks < 2000 {
                _ = try await till.send(.GET, "/v1/health")
                after = try RawTCP.openDescriptors(of: pid)
                looks += 1
            }
            print(
                "flood: health \(healthTime), payment \(paymentTime), descriptors before \(before), during \(during), "
                    + "after \(after); streams \(streams), 503s \(refusedStreams), connects that failed \(failedConnects)"
            )
            #expect(failedConnects == 0)
            #expect(during < 1000)
            #expect(after <= before, "descriptors before \(before), during \(during), after \(after)")
            #expect(await daemon.stop(with: SIGTERM) == 0)
        }
    }
}
