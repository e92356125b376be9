import Foundation

/// Access tokens handed out, each tied to the subscription key it was issued for.
struct TokenRegistry: Sendable {
    private struct Issued: Sendable {
        var subscriptionKey: String
        var expiresAt: Date
    }

    private var issued: [String: Issued] = [:]

    mutating func issue(for subscriptionKey: String, now: Date, lifetime: Duration) -> (token: String, expiresAt: Date)
    {
        let token = RandomTokens.jwtLike(subject: "sim-\(subscriptionKey.count)")
        let expiresAt = now.addingTimeInterval(lifetime.timeInterval)
        self.issued[token] = Issued(subscriptionKey: subscriptionKey, expiresAt: expiresAt)
        return (token, expiresAt)
    }

    func isValid(_ token: String, for subscriptionKey: String, now: Date) -> Bool {
        guard let issued = self.issued[token] else { return false }
        return issued.subscriptionKey == subscriptionKey && now < issued.expiresAt
    }

    mutating func revokeAll() {
        self.issued.removeAll()
    }
}
