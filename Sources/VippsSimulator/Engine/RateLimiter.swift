import Foundation

/// Vipps' per-payment rate limits: a sliding 60-second window on the simulator clock.
struct RateLimiter: Sendable {
    enum Endpoint: String, Sendable {
        case initiate, capture, cancel, refund, details
        /// ePayment's create (5 a minute, where eCom's initiate allows 2) and its event log (120, like a read).
        case create, events

        var limitPerMinute: Int {
            switch self {
            case .initiate: 2
            case .create, .capture, .cancel, .refund: 5
            case .details, .events: 120
            }
        }
    }

    private static let window: TimeInterval = 60
    private var admitted: [String: [Date]] = [:]

    /// Admits the call, or says how many whole seconds until it would be admitted. Every attempt counts, refused ones
    /// too, as at Vipps: a client that keeps knocking stays locked out.
    /// - Parameter scope: MSN for the money operations, the subscription key for `details` (as Vipps keys them).
    mutating func admit(_ endpoint: Endpoint, scope: String, orderId: String, at now: Date) -> Int? {
        let key = "\(endpoint.rawValue)|\(scope)|\(orderId)"
        var times = self.admitted[key, default: []].filter { now.timeIntervalSince($0) < Self.window }
        defer { self.admitted[key] = times }
        guard times.count >= endpoint.limitPerMinute, let oldest = times.first else {
            times.append(now)
            return nil
        }
        times.append(now)
        let wait = oldest.addingTimeInterval(Self.window).timeIntervalSince(now)
        return max(1, Int(wait.rounded(.up)))
    }
}
