/// Why Vipps refused a request, as far as the payment's state machine needs to know. Decided from the HTTP status and
/// the eCom `errorCode` alone, never from the operator guidance (which only holds the words).
public enum VippsRefusal: String, Sendable, Hashable, CaseIterable {
    /// Vipps has no payment with this orderId (HTTP 404, or errorCode 35).
    case notFound = "not-found"
    /// The orderId was used before (errorCode 34).
    case duplicateOrderId = "duplicate-order-id"
    /// The payment is not in a state that allows this (already captured, cancelled, not reserved, ...).
    case notAllowedInState = "not-allowed-in-state"
    /// The amount is not possible (more than reserved, more than captured, ...).
    case amount
    /// The keys or the sales unit are not accepted (HTTP 401 or 403).
    case credentials
    /// The request itself was refused (any other 4xx).
    case invalidRequest = "invalid-request"
}

/// What an error means for a call that was made: refused for good, or its outcome is not known.
public enum VippsDisposition: Sendable, Hashable {
    /// Vipps looked at the request and said no. Nothing happened, and sending it again unchanged will not help.
    case refused(VippsRefusal)
    /// No answer, a server error, a rate limit, or an answer that cannot be read: the call may or may not have been
    /// carried out. Read the payment before anything else, and wait at least `retryAfter` if Vipps said so.
    case unknown(retryAfter: Duration?)
}

extension VippsError {
    /// The eCom error codes that mean "not in this state".
    private static let stateCodes: Set<String> = ["51", "52", "53", "62", "72", "73", "91", "92", "93", "94"]
    /// The eCom error codes that are about the amount.
    private static let amountCodes: Set<String> = ["61", "63", "71", "74"]

    /// Refused for good, or outcome unknown: the one place this is decided.
    public var disposition: VippsDisposition {
        switch self.kind {
        case .timeout, .network, .invalidResponse:
            return .unknown(retryAfter: self.retryAfter)
        case .http:
            break
        }
        guard let status = self.httpStatus else { return .unknown(retryAfter: self.retryAfter) }
        if status == 408 || status == 429 || status >= 500 || !(400..<500).contains(status) {
            return .unknown(retryAfter: self.retryAfter)
        }
        if status == 401 || status == 403 { return .refused(.credentials) }
        if let kind = EpaymentProblemCatalog.kind(of: self.problem) {
            if case .unknown(let hint) = kind.disposition { return .unknown(retryAfter: self.retryAfter ?? hint) }
            return kind.disposition
        }
        if status == 404 { return .refused(.notFound) }
        switch self.errorCode {
        case "34": return .refused(.duplicateOrderId)
        case "35": return .refused(.notFound)
        case let code? where Self.stateCodes.contains(code): return .refused(.notAllowedInState)
        case let code? where Self.amountCodes.contains(code): return .refused(.amount)
        default: return .refused(.invalidRequest)
        }
    }

    /// The refusal, if Vipps refused for good.
    public var refusal: VippsRefusal? {
        if case .refused(let refusal) = self.disposition { return refusal }
        return nil
    }
}
