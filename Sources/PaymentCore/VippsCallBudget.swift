import VippsAPI

/// Decides when qrpayd may send the next call for a payment: every attempt counts against Vipps' per-orderId limits
/// (a sliding minute: 120 `/details`, 5 each of capture, cancel and refund, 2 initiates), and a `Retry-After` holds
/// back every call for that orderId until it has passed.
///
/// It never waits itself: callers that are not admitted get the instant to come back, and the poll loop picks the
/// payment up then. So no lock is held while Vipps asks qrpayd to wait.
///
/// Vipps counts calls when they arrive, qrpayd when they leave, and no two take the same time to cross the network.
/// So the budget counts against a window longer than Vipps' minute by `margin`, the longest a call can be under way
/// (the request timeout): if `limit + 1` calls arrived within one minute at Vipps, they left within a minute plus the
/// margin here, and the last of them would not have been admitted.
struct VippsCallBudget: Sendable {
    /// The calls that are limited per orderId, and their limits per minute.
    enum Call: String, Sendable, Hashable, CaseIterable {
        case initiate, details, capture, cancel, refund

        var limitPerMinute: Int {
            switch self {
            case .initiate: 2
            case .capture, .cancel, .refund: 5
            case .details: 120
            }
        }
    }

    /// Vipps' own window.
    static let vippsWindow = Duration.seconds(60)

    /// The window qrpayd counts in: Vipps' minute plus the margin.
    let window: Duration
    private var attempts: [String: [ContinuousClock.Instant]] = [:]
    private var notBefore: [String: ContinuousClock.Instant] = [:]

    /// - Parameter margin: How much later than another a call can reach Vipps: the longest a request is under way.
    init(margin: Duration) {
        self.window = Self.vippsWindow + max(margin, .zero)
    }

    /// Counts an attempt and returns nil, or returns when one would be admitted (and counts nothing).
    mutating func admit(_ call: Call, orderId: String, at now: ContinuousClock.Instant = .now)
        -> ContinuousClock.Instant?
    {
        if let waitUntil = self.notBefore[orderId] {
            if waitUntil > now { return waitUntil }
            self.notBefore[orderId] = nil
        }
        let key = "\(call.rawValue)|\(orderId)"
        var times = self.attempts[key, default: []].filter { $0.duration(to: now) < self.window }
        if times.count >= call.limitPerMinute, let oldest = times.first {
            self.attempts[key] = times
            return oldest.advanced(by: self.window)
        }
        times.append(now)
        self.attempts[key] = times
        return nil
    }

    /// Vipps said `Retry-After`: nothing more for this orderId until then.
    mutating func hold(orderId: String, for duration: Duration, at now: ContinuousClock.Instant = .now) {
        let until = now.advanced(by: duration)
        if let current = self.notBefore[orderId], current >= until { return }
        self.notBefore[orderId] = until
    }

    /// Whether a `Retry-After` holds back every call for `orderId` now.
    func isHeld(orderId: String, at now: ContinuousClock.Instant = .now) -> Bool {
        self.notBefore[orderId].map { $0 > now } ?? false
    }

    /// The instant a call for `orderId` may go out at the earliest (now if nothing holds it back).
    func earliest(_ call: Call, orderId: String, at now: ContinuousClock.Instant = .now) -> ContinuousClock.Instant {
        var earliest = now
        if let waitUntil = self.notBefore[orderId], waitUntil > earliest { earliest = waitUntil }
        let times = self.attempts["\(call.rawValue)|\(orderId)", default: []].filter {
            $0.duration(to: now) < self.window
        }
        if times.count >= call.limitPerMinute, let oldest = times.first {
            earliest = max(earliest, oldest.advanced(by: self.window))
        }
        return earliest
    }

    /// Drops what no longer limits anything, so a box that runs for months keeps only the last minute's attempts.
    mutating func prune(at now: ContinuousClock.Instant = .now) {
        self.notBefore = self.notBefore.filter { $0.value > now }
        self.attempts = self.attempts.compactMapValues { times in
            let recent = times.filter { $0.duration(to: now) < self.window }
            return recent.isEmpty ? nil : recent
        }
    }

    var isEmpty: Bool { self.attempts.isEmpty && self.notBefore.isEmpty }
}

extension VippsCallBudget.Call {
    init?(_ operation: VippsOperation) {
        switch operation {
        case .initiate: self = .initiate
        case .details: self = .details
        case .capture: self = .capture
        case .cancel: self = .cancel
        case .refund: self = .refund
        case .accessToken, .forceApprove, .qrCode: return nil
        }
    }
}
