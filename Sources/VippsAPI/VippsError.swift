/// The `errorGroup` of a Vipps error, parsed case-insensitively: Vipps has written the same group as
/// `Payment`, `Payments` and `PAYMENTS`, and the user group as `User`, `user` and `Customer`.
public enum VippsErrorGroup: Sendable, Hashable, CustomStringConvertible {
    case authentication
    case payment
    case invalidRequest
    case vippsError
    case user
    case merchant
    case other(String)

    public init(parsing raw: String) {
        switch raw.lowercased() {
        case "authentication": self = .authentication
        case "payment", "payments": self = .payment
        case "invalidrequest": self = .invalidRequest
        case "vippserror": self = .vippsError
        case "user", "customer": self = .user
        case "merchant": self = .merchant
        default: self = .other(raw)
        }
    }

    public var description: String {
        switch self {
        case .authentication: "Authentication"
        case .payment: "Payment"
        case .invalidRequest: "InvalidRequest"
        case .vippsError: "VippsError"
        case .user: "User"
        case .merchant: "Merchant"
        case .other(let raw): raw
        }
    }
}

/// Everything that can go wrong when talking to Vipps, as one type.
///
/// It keeps what Vipps said (HTTP status, `errorGroup`, `errorCode`, `errorMessage`, `contextId`) next to what
/// qrpayd makes of it: whether a retry can help and the ``guidance`` for the operator, the till and the customer.
/// It never contains a secret or an access token.
public struct VippsError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Vipps answered with an HTTP error status.
        case http
        /// No answer in time. For a call that changes money the outcome is unknown until the payment is read back.
        case timeout
        /// The connection failed or was dropped. Same caveat as ``timeout``.
        case network
        /// Vipps answered 2xx with something qrpayd cannot read.
        case invalidResponse
    }

    public var kind: Kind
    public var operation: VippsOperation
    public var httpStatus: Int?
    public var errorGroup: VippsErrorGroup?
    public var errorCode: String?
    public var errorMessage: String?
    public var contextId: String?
    /// How long Vipps asked us to wait (`Retry-After` on 429), if it said.
    public var retryAfter: Duration?
    /// The whole problem+json body (ePayment), kept for the operator: type, title, traceId/instance, extraDetails.
    public var problem: VippsProblem?
    /// What this error means and what to check; looked up in ``VippsErrorGuidance/table``.
    public var guidance: VippsErrorGuidance

    public init(
        kind: Kind,
        operation: VippsOperation,
        httpStatus: Int? = nil,
        errorGroup: VippsErrorGroup? = nil,
        errorCode: String? = nil,
        errorMessage: String? = nil,
        contextId: String? = nil,
        retryAfter: Duration? = nil,
        problem: VippsProblem? = nil
    ) {
        self.kind = kind
        self.operation = operation
        self.httpStatus = httpStatus
        self.errorGroup = errorGroup
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.contextId = contextId
        self.retryAfter = retryAfter
        self.problem = problem
        self.guidance = VippsErrorGuidance.lookup(
            kind: kind,
            operation: operation,
            httpStatus: httpStatus,
            errorGroup: errorGroup,
            errorCode: errorCode,
            errorMessage: errorMessage,
            problem: problem
        )
    }

    /// Whether sending the same request again later can succeed.
    public var isRetryable: Bool { self.guidance.retryable }

    /// Whether the request may have reached Vipps even though no answer came back.
    public var outcomeUnknown: Bool {
        (self.kind == .timeout || self.kind == .network) && self.operation.changesMoney
    }

    public var description: String {
        var parts = ["Vipps \(self.operation) failed"]
        switch self.kind {
        case .http: parts.append("with HTTP \(self.httpStatus.map(String.init) ?? "?")")
        case .timeout: parts.append("(no answer in time)")
        case .network: parts.append("(connection failed)")
        case .invalidResponse: parts.append("(unreadable answer)")
        }
        if let errorGroup = self.errorGroup { parts.append("\(errorGroup)") }
        if let errorCode = self.errorCode { parts.append(errorCode) }
        if let errorMessage = self.errorMessage { parts.append("\"\(errorMessage)\"") }
        if let contextId = self.contextId { parts.append("contextId \(contextId)") }
        if let type = self.problem?.type { parts.append("type \(type)") }
        for extra in self.problem?.extraDetails ?? [] { parts.append("[\(extra.name): \(extra.reason)]") }
        return parts.joined(separator: " ") + ". " + self.guidance.operatorHint
    }
}
