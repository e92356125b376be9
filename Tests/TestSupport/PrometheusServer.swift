public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// A real Prometheus (Debian's `prometheus` package) on loopback, scraping the given targets every second, with its
/// HTTP API for queries. Its storage lives in a temporary directory; the process is ended with the test.
public final class PrometheusServer: Sendable {
    public let process: SpawnedProcess
    public let port: Int
    let httpClient: HTTPClient

    public static let executable = "/usr/bin/prometheus"

    public struct NotInstalled: Error, CustomStringConvertible {
        public var description: String {
            "\(PrometheusServer.executable) is missing: apt-get install prometheus (CI installs it in .ci/run)"
        }
    }

    /// Starts Prometheus scraping `targets` (`host:port`) as job `qrpayd`, with `rules` loaded when given.
    public init(
        targets: [String],
        rules: String? = nil,
        directory: TemporaryDirectory,
        httpClient: HTTPClient
    ) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else { throw NotInstalled() }
        let port = try FreePort.find()
        var configuration = """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: qrpayd
                static_configs:
                  - targets: [\(targets.map { "'\($0)'" }.joined(separator: ", "))]
                    labels: {shop: test-shop, till: till-1}

            """
        if let rules { configuration += "rule_files: ['\(rules)']\n" }
        let file = directory.file("prometheus.yml")
        try configuration.write(to: file, atomically: true, encoding: .utf8)
        self.process = try SpawnedProcess(
            Self.executable,
            [
                "--config.file=\(file.path)",
                "--storage.tsdb.path=\(directory.file("prometheus-data").path)",
                "--web.listen-address=127.0.0.1:\(port)",
                "--log.level=warn",
            ],
            environment: ProcessInfo.processInfo.environment,
            standardOutput: .discarded,
            standardError: .discarded
        )
        self.port = port
        self.httpClient = httpClient
    }

    public var baseURL: String { "http://127.0.0.1:\(self.port)" }

    /// One instant query; the result vector as (labels, value).
    public func query(_ promQL: String) async throws -> [(labels: [String: String], value: Double)] {
        var components = URLComponents(string: "\(self.baseURL)/api/v1/query")
        components?.queryItems = [URLQueryItem(name: "query", value: promQL)]
        guard let url = components?.url?.absoluteString else { throw QueryFailed(query: promQL, body: "bad URL") }
        let response = try await self.httpClient.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = Data(buffer: try await response.body.collect(upTo: 1 << 22))
        guard let json = try JSONSerialization.jsonObject(with: body) as? [String: Any],
            json["status"] as? String == "success", let data = json["data"] as? [String: Any],
            let result = data["result"] as? [[String: Any]]
        else { throw QueryFailed(query: promQL, body: String(decoding: body, as: UTF8.self)) }
        return result.compactMap { series in
            guard let metric = series["metric"] as? [String: String], let value = series["value"] as? [Any],
                value.count == 2, let text = value[1] as? String, let number = Double(text)
            else { return nil }
            return (metric, number)
        }
    }

    public struct QueryFailed: Error {
        public var query: String
        public var body: String
    }

    /// Waits (without sleeping blindly: each round is one query) until `promQL`'s single value satisfies
    /// `condition`, or fails after `limit`.
    public func waitFor(
        _ promQL: String,
        within limit: Duration = .seconds(60),
        _ condition: @Sendable (Double) -> Bool
    ) async throws -> Double {
        let deadline = ContinuousClock.now.advanced(by: limit)
        var last: Double?
        while ContinuousClock.now < deadline {
            if let ready = try? await self.query(promQL), let value = ready.first?.value {
                last = value
                if condition(value) { return value }
            }
            // Prometheus scrapes once a second: ask again after a fraction of that.
            try await Task.sleep(for: .milliseconds(250))
        }
        throw NotReached(query: promQL, last: last)
    }

    public struct NotReached: Error, CustomStringConvertible {
        public var query: String
        public var last: Double?
        public var description: String {
            "Prometheus never answered \(self.query) as expected (last: \(String(describing: self.last)))"
        }
    }

    deinit {
        self.process.signal(SIGTERM)
    }
}

/// A TCP port free on loopback right now (bound and released), for servers that cannot report a port 0 choice.
public enum FreePort {
    public static func find() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
