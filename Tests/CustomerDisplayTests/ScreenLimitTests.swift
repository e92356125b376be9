import AsyncHTTPClient
import CustomerDisplay
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// `display.maxScreens`: a crowd of event streams is turned away with 503 and Retry-After instead of growing without
/// bound.
@Suite(.timeLimit(.minutes(2)))
struct ScreenLimitTests {
    @Test func eventStreamsBeyondMaxScreensAreAnswered503WithRetryAfter() async throws {
        var settings = testSettings()
        settings.maxScreens = 2
        try await withDisplayServer(settings: settings) { server in
            let url = server.baseURL + "/events"
            // Two pages hold their streams open (the answer's head is in; the body goes on).
            let first = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
            let second = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
            #expect(first.status == .ok)
            #expect(second.status == .ok)
            #expect(await server.feed.subscriberCount == 2)

            let third = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
            #expect(third.status == .serviceUnavailable)
            #expect(third.headers.first(name: "Retry-After") == "5")
            _ = try await third.body.collect(upTo: 1 << 16)
            #expect(await server.feed.subscriberCount == 2)
            // The page itself is still served.
            let page = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: server.baseURL + "/"),
                timeout: .seconds(30)
            )
            #expect(page.status == .ok)
        }
    }
}
