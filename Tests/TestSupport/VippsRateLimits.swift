import Foundation
public import VippsSimulator

/// Vipps' per-orderId limits (ECOM-GUIDE §Rate limiting), checked over any 60-second window of the requests the
/// simulator received, refused ones included. One place for every suite that judges a run by them.
public enum VippsRateLimits {
    public struct Violation: Sendable, CustomStringConvertible {
        public var orderId: String
        public var detail: String
        public var description: String { "\(self.orderId): \(self.detail)" }
    }

    /// ePayment's create is counted as `initiate` (qrpayd keeps eCom's stricter 2 a minute for both), its payment
    /// read as `details`, its event log as `events`.
    public static let limits = [
        "initiate": 2, "capture": 5, "cancel": 5, "refund": 5, "details": 120, "events": 120,
    ]

    /// Every window over a limit, and every 429 the simulator gave that no test injected.
    public static func violations(_ requests: [RecordedRequest]) -> [Violation] {
        var times: [String: [Date]] = [:]
        var found: [Violation] = []
        for request in requests {
            guard let orderId = request.orderId, let endpoint = self.endpoint(of: request) else { continue }
            if request.status == 429 && request.fault == nil {
                found.append(Violation(orderId: orderId, detail: "Vipps answered 429 to \(endpoint)"))
            }
            times["\(endpoint)|\(orderId)", default: []].append(request.time)
        }
        for (key, stamps) in times {
            let endpoint = String(key.prefix { $0 != "|" })
            let limit = self.limits[endpoint] ?? Int.max
            let sorted = stamps.sorted()
            var start = 0
            for end in sorted.indices {
                while sorted[end].timeIntervalSince(sorted[start]) >= 60 { start += 1 }
                if end - start + 1 > limit {
                    found.append(
                        Violation(
                            orderId: String(key.drop { $0 != "|" }.dropFirst()),
                            detail: "\(end - start + 1) \(endpoint) calls within 60 s (limit \(limit))"
                        )
                    )
                    break
                }
            }
        }
        return found
    }

    private static func endpoint(of request: RecordedRequest) -> String? {
        let path = request.path.split(separator: "?").first.map(String.init) ?? request.path
        if request.method == "POST" && (path.hasSuffix("/ecomm/v2/payments") || path.hasSuffix("/epayment/v1/payments"))
        {
            return "initiate"
        }
        if let endpoint = ["capture", "cancel", "refund", "details", "events"].first(where: { path.hasSuffix("/\($0)") }
        ) {
            return endpoint
        }
        if request.method == "GET" && path.hasPrefix("/epayment/v1/payments/") { return "details" }
        return nil
    }
}
