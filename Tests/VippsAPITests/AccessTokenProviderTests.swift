import Logging
import Synchronization
import Testing

@testable import VippsAPI

@Suite struct AccessTokenProviderTests {
    @Test func concurrentCallersShareOneFetch() async throws {
        let fetches = Mutex(0)
        let provider = AccessTokenProvider(logger: Logger(label: "test")) {
            () async throws(VippsError) -> AccessToken in
            let count = fetches.withLock { value -> Int in
                value += 1
                return value
            }
            await Task.yield()
            return AccessToken(value: "token-\(count)", lifetime: .seconds(3600))
        }
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await provider.token() } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(tokens == ["token-1"])
        #expect(fetches.withLock { $0 } == 1)
    }

    @Test func invalidatedTokenIsReplaced() async throws {
        let fetches = Mutex(0)
        let provider = AccessTokenProvider(logger: Logger(label: "test")) {
            () async throws(VippsError) -> AccessToken in
            let count = fetches.withLock { value -> Int in
                value += 1
                return value
            }
            return AccessToken(value: "token-\(count)", lifetime: .seconds(3600))
        }
        let first = try await provider.token()
        await provider.invalidate("some-other-token")
        #expect(try await provider.token() == first)
        await provider.invalidate(first)
        #expect(try await provider.token() == "token-2")
    }

    @Test func backgroundLoopRenewsAheadOfExpiry() async throws {
        let (renewals, continuation) = AsyncStream.makeStream(of: Int.self)
        let fetches = Mutex(0)
        // A 200 ms token is renewed 100 ms before it expires, again and again, without anyone asking.
        let provider = AccessTokenProvider(logger: Logger(label: "test")) {
            () async throws(VippsError) -> AccessToken in
            let count = fetches.withLock { value -> Int in
                value += 1
                return value
            }
            continuation.yield(count)
            return AccessToken(value: "token-\(count)", lifetime: .milliseconds(200))
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await provider.refreshLoop() }
            var seen = 0
            for await count in renewals {
                seen = count
                if count >= 3 { break }
            }
            group.cancelAll()
            #expect(seen >= 3)
        }
        #expect(await provider.validUntil != nil)
    }

    @Test func fetchFailureIsRememberedForHealth() async throws {
        let provider = AccessTokenProvider(logger: Logger(label: "test")) {
            () async throws(VippsError) -> AccessToken in
            throw VippsError(
                kind: .http,
                operation: .accessToken,
                httpStatus: 401,
                errorMessage: "invalid subscription key"
            )
        }
        await #expect(throws: VippsError.self) { try await provider.token() }
        #expect(await provider.lastFetchError?.guidance.id == "invalid-subscription-key")
        #expect("\(AccessToken(value: "secret-token", lifetime: .seconds(1)))".contains("secret-token") == false)
    }
}
