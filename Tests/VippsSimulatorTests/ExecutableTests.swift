import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// Runs the real `vipps-sim` binary.
@Suite("vipps-sim executable", .enabled(if: FileManager.default.isExecutableFile(atPath: productPath("vipps-sim"))))
struct ExecutableTests {
    @Test("prints its address and credentials, serves, and exits cleanly on SIGTERM")
    func runsAndStops() async throws {
        let (lines, linesContinuation) = AsyncStream.makeStream(of: String.self)
        let sink: @Sendable (String?) -> Void = { line in
            if let line { linesContinuation.yield(line) } else { linesContinuation.finish() }
        }
        let process = try SpawnedProcess(
            productPath("vipps-sim"),
            ["--port", "0", "--environment", "test", "--qr-answer", "text"],
            environment: ProcessInfo.processInfo.environment,
            standardOutput: .lines(sink)
        )

        var iterator = lines.makeAsyncIterator()
        let banner = try #require(await iterator.next())
        #expect(banner.contains("client_id=sim-client-id"))
        #expect(banner.contains("public demo secret"))
        let match = try #require(banner.firstMatch(of: /http:\/\/127\.0\.0\.1:(\d+)/))
        let baseURL = "http://127.0.0.1:\(match.output.1)"

        var request = HTTPClientRequest(url: baseURL + "/accesstoken/get")
        request.method = .POST
        request.headers.add(name: "client_id", value: "sim-client-id")
        request.headers.add(name: "client_secret", value: "sim-client-secret")
        request.headers.add(name: "Ocp-Apim-Subscription-Key", value: "sim-subscription-key")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        #expect(response.status == .ok)
        _ = try await response.body.collect(upTo: 1 << 16)

        process.signal(SIGTERM)
        #expect(await process.waitForExit() == .exited(0))
    }
}
