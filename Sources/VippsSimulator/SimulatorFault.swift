/// A misbehaviour to inject: the network and gateway failures a payment client must survive.
public struct SimulatorFault: Sendable, Hashable {
    /// Which error body an injected status carries.
    public enum BodyShape: String, Sendable, Hashable, CaseIterable {
        /// eCom's array of errorGroup/errorCode.
        case ecom
        /// The gateway's `{"statusCode", "message"}`.
        case azure
        /// The gateway's `{"responseInfo": {...}}`.
        case responseInfo
        /// No body at all.
        case empty
    }

    /// Whether a dropped request was carried out before the connection went away.
    public enum DropPhase: String, Sendable, Hashable, CaseIterable {
        /// Nothing happened: the connection closed before the request was handled.
        case beforeApplying = "before"
        /// The request took effect, then the connection closed without an answer: the case where a client
        /// that times out on a capture must not assume the capture failed.
        case afterApplying = "after"
    }

    public enum Action: Sendable, Hashable {
        /// Answer with this status instead of handling the request (429 gets `Retry-After`).
        case status(Int, bodyShape: BodyShape?, retryAfter: Int?)
        /// Hold the answer back.
        case latency(Duration)
        /// Close the TCP connection without answering.
        case drop(DropPhase)
        /// Close every connection at once, for this long (real time).
        case unreachable(Duration)
        /// Make every token issued so far invalid, now.
        case expireTokens
        /// Answer with exactly this Vipps error: the eCom array shape when a group or code is given, else the
        /// gateway's `{"statusCode", "message"}`. For errors the simulator cannot reach by playing the customer.
        case vippsError(status: Int, group: String?, code: String?, message: String)
    }

    public var action: Action
    /// How many matching requests this applies to; `nil` means until cleared.
    public var count: Int?
    /// Only requests with this method (e.g. `GET`); `nil` for any.
    public var method: String?
    /// Only requests whose path starts with this; `nil` for any.
    public var pathPrefix: String?

    public init(action: Action, count: Int? = nil, method: String? = nil, pathPrefix: String? = nil) {
        self.action = action
        self.count = count
        self.method = method
        self.pathPrefix = pathPrefix
    }

    public static func status(
        _ status: Int,
        bodyShape: BodyShape? = nil,
        retryAfter: Int? = nil,
        count: Int = 1,
        method: String? = nil,
        pathPrefix: String? = nil
    ) -> SimulatorFault {
        SimulatorFault(
            action: .status(status, bodyShape: bodyShape, retryAfter: retryAfter),
            count: count,
            method: method,
            pathPrefix: pathPrefix
        )
    }

    public static func latency(
        _ delay: Duration,
        count: Int? = nil,
        method: String? = nil,
        pathPrefix: String? = nil
    ) -> SimulatorFault {
        SimulatorFault(action: .latency(delay), count: count, method: method, pathPrefix: pathPrefix)
    }

    public static func drop(
        _ phase: DropPhase = .beforeApplying,
        count: Int = 1,
        method: String? = nil,
        pathPrefix: String? = nil
    ) -> SimulatorFault {
        SimulatorFault(action: .drop(phase), count: count, method: method, pathPrefix: pathPrefix)
    }

    public static func unreachable(for duration: Duration) -> SimulatorFault {
        SimulatorFault(action: .unreachable(duration))
    }

    public static let expireTokens = SimulatorFault(action: .expireTokens)

    /// Answers the next `count` matching requests with this Vipps error.
    public static func vippsError(
        status: Int,
        group: String? = nil,
        code: String? = nil,
        message: String,
        count: Int = 1,
        method: String? = nil,
        pathPrefix: String? = nil
    ) -> SimulatorFault {
        SimulatorFault(
            action: .vippsError(status: status, group: group, code: code, message: message),
            count: count,
            method: method,
            pathPrefix: pathPrefix
        )
    }

    func matches(method: String, path: String) -> Bool {
        if let expected = self.method, expected.uppercased() != method.uppercased() { return false }
        if let prefix = self.pathPrefix, !path.hasPrefix(prefix) { return false }
        return true
    }
}
