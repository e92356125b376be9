import AsyncHTTPClient
import CustomerDisplay
import Foundation
import NIOCore
import NIOHTTP1
import QRRendering
import Testing

/// The HTTP surface, through a real server on loopback and a real HTTP client.
@Suite(.timeLimit(.minutes(2)))
struct DisplayServerTests {
    struct Fetched {
        var status: UInt
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: self.body, as: UTF8.self) }
    }

    static func get(_ url: String) async throws -> Fetched {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for header in response.headers {
            headers[header.name.lowercased()] = header.value
        }
        return Fetched(status: response.status.code, headers: headers, body: Array(buffer: body))
    }

    @Test(arguments: [
        ("/", "text/html; charset=utf-8"),
        ("/assets/display.css", "text/css; charset=utf-8"),
        ("/assets/display.js", "text/javascript; charset=utf-8"),
        ("/assets/index.html", "text/html; charset=utf-8"),
    ])
    func pageFilesHaveTheirContentType(path: String, contentType: String) async throws {
        try await withDisplayServer { server in
            let fetched = try await Self.get(server.baseURL + path)
            #expect(fetched.status == 200)
            #expect(fetched.headers["content-type"] == contentType)
            #expect(fetched.headers["cache-control"] == "no-cache")
            #expect(!fetched.body.isEmpty)
        }
    }

    @Test(arguments: ["/", "/assets/display.js", "/config.json", "/nope", "/assets/missing.css", "/qr/abc.png"])
    func everyAnswerCarriesTheSecurityHeaders(path: String) async throws {
        try await withDisplayServer { server in
            let fetched = try await Self.get(server.baseURL + path)
            #expect(fetched.headers["content-security-policy"] == "default-src 'self'")
            #expect(fetched.headers["x-content-type-options"] == "nosniff")
        }
    }

    @Test(arguments: [
        "/nope", "/assets/missing.css", "/assets/.hidden", "/assets/..%2FPackage.swift", "/assets/%2e%2e",
        "/assets/", "/qr/unknown.png", "/qr/bad%20ref.png", "/qr/till7-000123.gif", "/index.html/x",
    ])
    func unknownPathsAre404(path: String) async throws {
        let qrImage: @Sendable (String) async -> [UInt8]? = { $0 == "till7-000123" ? [1, 2, 3] : nil }
        try await withDisplayServer(qrImage: qrImage) { server in
            let fetched = try await Self.get(server.baseURL + path)
            #expect(fetched.status == 404)
        }
    }

    @Test func configTellsThePageHowToLook() async throws {
        let settings = testSettings(language: .english, paidScreenDuration: .milliseconds(6500))
        try await withDisplayServer(settings: settings) { server in
            let fetched = try await Self.get(server.baseURL + "/config.json")
            #expect(fetched.status == 200)
            #expect(fetched.headers["content-type"] == "application/json")
            #expect(fetched.headers["cache-control"] == "no-store")
            struct PageConfig: Decodable, Equatable {
                var shopName: String
                var language: String
                var accentColor: String
                var paidScreenMilliseconds: Int
            }
            let config = try JSONDecoder().decode(PageConfig.self, from: Data(fetched.body))
            #expect(
                config
                    == PageConfig(
                        shopName: "Bakeriet på hjørnet",
                        language: "en",
                        accentColor: "#FF5B24",
                        paidScreenMilliseconds: 6500
                    )
            )
        }
    }

    @Test func qrImagesComeFromTheDaemonAndAreNeverCached() async throws {
        let png = try QRRenderer.render("https://qr.vipps.no/r/ABCdef12").png
        let asked = RequestLog()
        let qrImage: @Sendable (String) async -> [UInt8]? = { reference in
            await asked.append(reference)
            return reference == "till7-000123" ? png : nil
        }
        try await withDisplayServer(qrImage: qrImage) { server in
            let fetched = try await Self.get(server.baseURL + "/qr/till7-000123.png?v=3")
            #expect(fetched.status == 200)
            #expect(fetched.headers["content-type"] == "image/png")
            #expect(fetched.headers["cache-control"] == "no-store")
            #expect(fetched.body == png)

            let missing = try await Self.get(server.baseURL + "/qr/till7-000124.png")
            #expect(missing.status == 404)
        }
        #expect(await asked.entries == ["till7-000123", "till7-000124"])
    }

    @Test func badSettingsStopTheServerBeforeItListens() async throws {
        var settings = testSettings()
        settings.host = "0.0.0.0"
        await #expect(throws: DisplaySettingsError(code: .hostNotLoopback, message: "")) {
            try await withDisplayServer(settings: settings) { _ in }
        }
    }

    @Test func theServerListensOnTheConfiguredLoopbackAddressOnly() async throws {
        try await withDisplayServer { server in
            _ = try RawSocket(host: "127.0.0.1", port: server.port)
            // Another address of the box, same port: nothing listens there, not even on loopback.
            #expect(throws: RawSocket.SocketError.self) {
                _ = try RawSocket(host: "127.0.0.2", port: server.port)
            }
        }
    }
}

/// Records what the server asked for, from any task.
actor RequestLog {
    private(set) var entries: [String] = []

    func append(_ entry: String) {
        self.entries.append(entry)
    }
}
