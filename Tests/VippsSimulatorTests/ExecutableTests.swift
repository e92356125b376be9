import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import TestSupport
import Testing

/// Runs the real `vipps-sim` binary.
@Suite("vipps-sim executable", .enabled(if: FileManager.default.isExecutableFile(atPath: productPath("vipps-sim"))))
struct ExecutableTests {
    @Test("prints its address and credentials, serves, and exits cleanly on SIGTERM")
    func runsAndStops() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: productPath("vipps-sim"))
        process.arguments = ["--port", "0", "--environment", "test", "--qr-answer", "text"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let (lines, linesContinuation) = AsyncStream.makeStream(of: String.self)
        let buffer = Mutex("")
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = PipeReading.readChunk(handle.fileDescriptor)
            if data.isEmpty {
                linesContinuation.finish()
                return
            }
            let complete = buffer.withLock { pending in
                pending += String(decoding: data, as: UTF8.self)
                var lines: [String] = []
                while let newline = pending.firstIndex(of: "\n") {
                    lines.append(String(pending[..<newline]))
                    pending = String(pending[pending.index(after: newline)...])
                }
                return lines
            }
            complete.forEach { linesContinuation.yield($0) }
        }
        let (exits, exitContinuation) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { process in
            exitContinuation.yield(process.terminationStatus)
            exitContinuation.finish()
        }
        try process.run()
        defer { if process.isRunning { process.terminate() } }

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

        kill(process.processIdentifier, SIGTERM)
        var exitIterator = exits.makeAsyncIterator()
        #expect(await exitIterator.next() == 0)
        output.fileHandleForReading.readabilityHandler = nil
    }
}
