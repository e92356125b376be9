import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import TestSupport
import Testing
import VippsSimulator

/// The real daemon's metrics as a fleet sees them: scraped over TCP and the control socket, and by a real Prometheus
/// that loads the shipped alert rules; the dashboard and the rules only name metrics the daemon exports.
@Suite(.timeLimit(.minutes(3)))
struct FleetMetricsTests {
    /// The daemon with `metrics.listen` on a port of its choosing, and that port.
    /// With `display`, the customer screen too (its port is in ``displayPort``).
    static func start(
        _ harness: SimulatorHarness,
        _ directory: TemporaryDirectory,
        display: Bool = false
    ) async throws -> (DaemonProcess, TillClient, metricsPort: Int) {
        var sections: [String: [String: Any]] = ["metrics": ["listen": "127.0.0.1:0"]]
        if display {
            sections["display"] = [
                "enabled": true, "port": 0,
                "assetsDirectory": packageRoot.appendingPathComponent("assets/display").path,
            ]
        }
        let setup = try DaemonProcess.configuration(
            simulatorPort: harness.port,
            directory: directory,
            sections: sections
        )
        let daemon = try DaemonProcess(
            arguments: setup.arguments,
            environment: setup.environment,
            socketPath: setup.socketPath
        )
        var port: Int?
        var ready = false
        var screen: Int?
        for await line in daemon.lines {
            if line.contains("qrpayd is ready for the till") { ready = true }
            if let range = line.range(of: "Metrics for Prometheus at http://127.0.0.1:") {
                port = Int(line[range.upperBound...].prefix { $0.isNumber })
            }
            if line.contains("Customer display listening"), let range = line.range(of: "display.port=") {
                screen = Int(line[range.upperBound...].prefix { $0.isNumber })
            }
            if ready, port != nil, !display || screen != nil { break }
        }
        guard ready, let port else { throw DaemonProcess.DaemonDidNotStart(status: daemon.process.termination?.status) }
        displayPort.withLock { $0 = screen }
        return (daemon, TillClient(socketPath: setup.socketPath, httpClient: harness.httpClient), port)
    }

    /// The customer display's port of the last daemon started with `display`.
    static let displayPort = Mutex<Int?>(nil)

    static func scrape(_ client: HTTPClient, port: Int, path: String = "/metrics") async throws -> (
        status: Int, contentType: String?, body: String
    ) {
        let response = try await client.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"),
            timeout: .seconds(10)
        )
        let body = try await response.body.collect(upTo: 1 << 22)
        return (Int(response.status.code), response.headers.first(name: "Content-Type"), String(buffer: body))
    }

    /// A captured payment and a declined one, with two failed looks at Vipps in between.
    static func runPayments(_ harness: SimulatorHarness, _ till: TillClient) async throws {
        _ = try await till.send(.POST, "/v1/payments", json: #"{"reference":"fleet-1","amount":12900}"#)
        await harness.simulator.inject(.status(500, count: 2, method: "GET", pathPrefix: "/ecomm/v2/payments/"))
        try await harness.simulator.open(orderId: "kiosk7-fleet-1")
        try await harness.simulator.approve(orderId: "kiosk7-fleet-1")
        _ = try await till.waitForState("fleet-1", "captured")
        _ = try await till.send(.POST, "/v1/payments", json: #"{"reference":"fleet-2","amount":4900}"#)
        try await harness.simulator.open(orderId: "kiosk7-fleet-2")
        try await harness.simulator.decline(orderId: "kiosk7-fleet-2")
        _ = try await till.waitForState("fleet-2", "rejected")
    }

    @Test func scrapedOverTCPAndTheControlSocketWithNothingSecret() async throws {
        try await SimulatorHarness.run { harness in
            let directory = try TemporaryDirectory()
            let (daemon, till, port) = try await Self.start(harness, directory)
            try await Self.runPayments(harness, till)

            let scrape = try await Self.scrape(harness.httpClient, port: port)
            #expect(scrape.status == 200)
            #expect(scrape.contentType == "text/plain; version=0.0.4; charset=utf-8")
            let text = try PrometheusText(scrape.body)
            let info = try #require(text.samples.first { $0.name == "qrpayd_build_info" })
            #expect(info.labels["api"] == "ecom")
            #expect(info.labels["environment"] == "test")
            #expect(info.labels["version"]?.isEmpty == false)
            #expect(text.value("qrpayd_payments_started_total") == 2)
            #expect(text.value("qrpayd_payments_ended_total", ["outcome": "captured"]) == 1)
            #expect(text.value("qrpayd_payments_ended_total", ["outcome": "rejected"]) == 1)
            #expect(text.value("qrpayd_vipps_requests_total", ["operation": "details", "status_class": "5xx"]) == 2)
            #expect(
                text.value("qrpayd_vipps_requests_total", ["operation": "access-token", "status_class": "2xx"]) >= 1
            )
            #expect(text.value("qrpayd_vipps_access_token_expiry_seconds") > 600)
            #expect(text.value("process_resident_memory_bytes") > 1_000_000)
            #expect(text.value("process_open_fds") > 3)
            #expect(text.value("process_max_fds") >= text.value("process_open_fds"))
            let started = text.value("process_start_time_seconds")
            #expect(abs(started - Date().timeIntervalSince1970) < 300)
            #expect(text.types["qrpayd_payment_approval_to_till_seconds"] == "histogram")
            #expect(text.types["qrpayd_payments_ended_total"] == "counter")
            // Every family says what it is.
            for family in text.familyNames { #expect(text.helps[family]?.isEmpty == false, "no HELP for \(family)") }

            // The same families on the control socket.
            let viaSocket = try await till.send(.GET, "/metrics")
            #expect(viaSocket.status == 200)
            let socketText = try PrometheusText(String(decoding: viaSocket.body, as: UTF8.self))
            #expect(socketText.familyNames == text.familyNames)
            #expect(socketText.value("qrpayd_payments_started_total") == 2)

            // Nothing secret, and no reference or orderId.
            let unit = VippsSimulatorConfiguration.demoSalesUnit
            for secret in [unit.clientSecret, unit.subscriptionKey, "fleet-1", "kiosk7-"] {
                #expect(!scrape.body.contains(secret))
            }
            #expect(try await Self.scrape(harness.httpClient, port: port, path: "/v1/health").status == 404)
            #expect(await daemon.stop(with: SIGTERM) == 0)
        }
    }

    /// The package's own files: contrib/ beside Package.swift.
    static let contrib = packageRoot.appendingPathComponent("contrib")

    @Test func aRealPrometheusScrapesTheNumbersAndLoadsTheRules() async throws {
        try await SimulatorHarness.run { harness in
            let directory = try TemporaryDirectory()
            let (daemon, till, port) = try await Self.start(harness, directory, display: true)
            // A kiosk page holds the display's event stream open.
            let screenPort = try #require(Self.displayPort.withLock { $0 })
            let screen = Task {
                let response = try await harness.httpClient.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(screenPort)/events"),
                    timeout: .seconds(170)
                )
                for try await _ in response.body {}
            }
            defer { screen.cancel() }
            let prometheus = try PrometheusServer(
                targets: ["127.0.0.1:\(port)"],
                rules: Self.contrib.appendingPathComponent("prometheus/qrpayd.rules.yml").path,
                directory: directory,
                httpClient: harness.httpClient
            )
            _ = try await prometheus.waitFor(#"up{job="qrpayd"}"#) { $0 == 1 }
            try await Self.runPayments(harness, till)

            // What Prometheus scraped is what happened.
            _ = try await prometheus.waitFor(#"sum(qrpayd_payments_ended_total{outcome="captured"})"#) { $0 == 1 }
            _ = try await prometheus.waitFor(#"sum(qrpayd_payments_ended_total{outcome="rejected"})"#) { $0 == 1 }
            _ = try await prometheus.waitFor(#"sum(qrpayd_vipps_requests_total{status_class="5xx"})"#) { $0 == 2 }
            _ = try await prometheus.waitFor(#"sum(qrpayd_payments_started_total)"#) { $0 == 2 }
            _ = try await prometheus.waitFor(#"sum(qrpayd_payment_approval_to_till_seconds_count)"#) { $0 == 1 }
            _ = try await prometheus.waitFor(#"sum(qrpayd_customer_screens_connected)"#) { $0 == 1 }
            // The per-box labels of the scrape config travel with every series.
            let info = try await prometheus.query(#"qrpayd_build_info{shop="test-shop", till="till-1"}"#)
            #expect(info.count == 1)
            #expect(info.first?.labels["api"] == "ecom")
            // The rules loaded and a healthy box fires none of them.
            _ = try await prometheus.waitFor(#"count(qrpayd_vipps_reachable == 1)"#) { $0 == 1 }
            #expect(try await prometheus.query(#"ALERTS{alertstate="firing", alertname=~"Qrpayd.*"}"#).isEmpty)

            // Every metric the dashboard and the rules name is one this daemon exports.
            let families = try PrometheusText(try await Self.scrape(harness.httpClient, port: port).body).familyNames
            let dashboard = try String(
                contentsOf: Self.contrib.appendingPathComponent("grafana/qrpayd.json"),
                encoding: .utf8
            )
            let rules = try String(
                contentsOf: Self.contrib.appendingPathComponent("prometheus/qrpayd.rules.yml"),
                encoding: .utf8
            )
            let named = Self.metricNames(in: dashboard).union(Self.metricNames(in: rules))
            #expect(named.count >= 10)
            for name in named {
                #expect(families.contains(name), "\(name) is named in contrib/ but the daemon does not export it")
            }

            // A picture of the dashboard's main query, drawn by Prometheus from these numbers.
            try await Self.screenshot(prometheus, into: directory)
            #expect(await daemon.stop(with: SIGTERM) == 0)
        }
    }

    /// Metric names in PromQL text: `qrpayd_*` and `process_*`, histogram series folded into their family.
    static func metricNames(in text: String) -> Set<String> {
        var names = Set<String>()
        let pattern = /(qrpayd|process)_[a-z_]+/
        for match in text.matches(of: pattern) {
            var name = String(match.output.0)
            for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) {
                name.removeLast(suffix.count)
            }
            names.insert(name)
        }
        // The rules file's own names are not metrics.
        return names.filter { !$0.hasPrefix("qrpayd_rules") }
    }

    /// Prometheus' graph of payments by outcome, screenshotted by headless Chromium into `.build/screenshots/`.
    static func screenshot(_ prometheus: PrometheusServer, into directory: TemporaryDirectory) async throws {
        let query = "sum by (outcome) (qrpayd_payments_ended_total)"
        var components = URLComponents(string: "\(prometheus.baseURL)/classic/graph")
        components?.queryItems = [
            URLQueryItem(name: "g0.expr", value: query), URLQueryItem(name: "g0.tab", value: "0"),
            URLQueryItem(name: "g0.range_input", value: "1m"),
        ]
        let url = try #require(components?.url?.absoluteString)
        let shots = packageRoot.appendingPathComponent(".build/screenshots", isDirectory: true)
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        let file = shots.appendingPathComponent("prometheus-payments-by-outcome.png")
        try? FileManager.default.removeItem(at: file)
        let chromium = try SpawnedProcess(
            "/usr/bin/chromium",
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--user-data-dir=\(directory.file("chromium").path)", "--window-size=1280,720",
                "--virtual-time-budget=10000", "--screenshot=\(file.path)", url,
            ],
            environment: ProcessInfo.processInfo.environment
        )
        _ = await chromium.waitForExit()
        let png = try Data(contentsOf: file)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        print("screenshot: \(file.path)")
    }
}
