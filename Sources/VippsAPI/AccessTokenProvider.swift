public import Foundation
public import Logging

/// An access token and when it stops working.
public struct AccessToken: Sendable, CustomStringConvertible {
    let value: String
    /// When Vipps stops accepting it (monotonic, immune to clock jumps).
    let expires: ContinuousClock.Instant
    /// The same moment on the wall clock, for `qrpayctl health` and the journal.
    public let validUntil: Date
    let lifetime: Duration

    public init(value: String, lifetime: Duration, now: ContinuousClock.Instant = .now, wallNow: Date = Date()) {
        self.value = value
        self.lifetime = lifetime
        self.expires = now.advanced(by: lifetime)
        self.validUntil = wallNow.addingTimeInterval(Double(lifetime.components.seconds))
    }

    /// The token never shows up in logs or errors.
    public var description: String { "AccessToken(valid until \(self.validUntil), value: [redacted])" }

    /// Refresh this long before expiry: a tenth of the lifetime, between one and fifteen minutes, and never more
    /// than half of a (very short) lifetime.
    var refreshMargin: Duration {
        min(max(self.lifetime / 10, .seconds(60)), .seconds(15 * 60), self.lifetime / 2)
    }
}

/// Keeps one valid access token at hand.
///
/// Requests ask ``token()``, which returns the cached token at once; only the very first request, or one made after
/// Vipps rejected the token, waits for a fetch, and concurrent callers share that one fetch. ``refreshLoop()`` renews
/// the token ahead of expiry in the background so no payment waits for it.
public actor AccessTokenProvider {
    public typealias Fetch = @Sendable () async throws(VippsError) -> AccessToken

    private let fetch: Fetch
    private let logger: Logger
    private var cached: AccessToken?
    private var waiters: [CheckedContinuation<AccessToken, any Error>]?
    private var lastError: VippsError?

    public init(logger: Logger, fetch: @escaping Fetch) {
        self.fetch = fetch
        self.logger = logger
    }

    /// When the cached token expires, if there is one.
    public var validUntil: Date? { self.cached?.validUntil }

    /// The last failure to fetch a token, cleared by the next success.
    public var lastFetchError: VippsError? { self.lastError }

    /// A token that is valid now.
    public func token() async throws(VippsError) -> String {
        if let cached = self.cached, ContinuousClock.now < cached.expires {
            return cached.value
        }
        return try await self.refresh().value
    }

    /// Forgets `token` after Vipps refused it, so the next ``token()`` fetches a new one.
    public func invalidate(_ token: String) {
        if self.cached?.value == token {
            self.cached = nil
        }
    }

    /// Forgets the cached token whatever it is.
    public func invalidateAll() {
        self.cached = nil
    }

    /// Fetches a new token; callers that arrive while a fetch is running wait for that same fetch.
    @discardableResult
    func refresh() async throws(VippsError) -> AccessToken {
        if self.waiters != nil {
            do {
                return try await withCheckedThrowingContinuation { continuation in
                    self.waiters?.append(continuation)
                }
            } catch let error as VippsError {
                throw error
            } catch {
                throw VippsError(kind: .network, operation: .accessToken, errorMessage: "\(error)")
            }
        }
        self.waiters = []
        let result: Result<AccessToken, VippsError>
        do {
            result = .success(try await self.fetch())
        } catch {
            result = .failure(error)
        }
        let waiting = self.waiters ?? []
        self.waiters = nil
        switch result {
        case .success(let token):
            self.cached = token
            self.lastError = nil
            self.logger.debug(
                "Fetched a Vipps access token",
                metadata: ["vipps.token_valid_until": "\(token.validUntil)"]
            )
            for waiter in waiting { waiter.resume(returning: token) }
            return token
        case .failure(let error):
            self.lastError = error
            for waiter in waiting { waiter.resume(throwing: error) }
            throw error
        }
    }

    /// Renews the token ahead of expiry until the task is cancelled. A failed renewal is retried with backoff
    /// (5 s doubling to 60 s); the old token stays in use while it is still valid.
    public func refreshLoop() async {
        var failures = 0
        while !Task.isCancelled {
            let delay: Duration
            if let cached = self.cached {
                let refreshAt = cached.expires.advanced(by: .zero - cached.refreshMargin)
                delay = max(.zero, ContinuousClock.now.duration(to: refreshAt))
            } else {
                delay = .zero
            }
            if delay > .zero {
                // If a request refreshed the token meanwhile (after a 401), the check below reschedules.
                do { try await Task.sleep(for: delay) } catch { return }
                if let cached = self.cached,
                    ContinuousClock.now < cached.expires.advanced(by: .zero - cached.refreshMargin)
                {
                    continue
                }
            }
            do {
                try await self.refresh()
                failures = 0
            } catch {
                failures += 1
                let backoff = min(Duration.seconds(5) * (1 << min(failures - 1, 4)), .seconds(60))
                self.logger.warning(
                    "Could not renew the Vipps access token; will retry",
                    metadata: [
                        "vipps.operation": "access-token",
                        "vipps.guidance": "\(error.guidance.id)",
                        "retry_in_seconds": "\(backoff.components.seconds)",
                    ]
                )
                do { try await Task.sleep(for: backoff) } catch { return }
            }
        }
    }
}
