public import VippsAPI

/// A refusal or failure the till gets as `application/problem+json` (RFC 9457).
///
/// `type` is `urn:qrpayd:error:<slug>` with a slug from ``Slug``; tills switch on it. `code` is finer and also stable.
public struct PaymentProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Slug: String, Sendable, Hashable, CaseIterable {
        case invalidRequest = "invalid-request"
        case notFound = "not-found"
        case paymentInProgress = "payment-in-progress"
        case referenceConflict = "reference-conflict"
        case invalidState = "invalid-state"
        case amountTooHigh = "amount-too-high"
        case vippsRejected = "vipps-rejected"
        case vippsUnavailable = "vipps-unavailable"
        case refundNotAllowed = "refund-not-allowed"
        case operationPending = "operation-pending"
        case idempotencyConflict = "idempotency-conflict"
        case payloadTooLarge = "payload-too-large"
        case methodNotAllowed = "method-not-allowed"
        case unsupportedMediaType = "unsupported-media-type"
        case internalError = "internal-error"
        case shuttingDown = "shutting-down"

        /// The HTTP status that goes with the slug.
        public var status: Int {
            switch self {
            case .invalidRequest: 400
            case .notFound: 404
            case .paymentInProgress, .referenceConflict, .invalidState, .operationPending, .idempotencyConflict: 409
            case .amountTooHigh: 422
            case .vippsRejected: 502
            case .vippsUnavailable: 503
            case .refundNotAllowed: 403
            case .payloadTooLarge: 413
            case .methodNotAllowed: 405
            case .unsupportedMediaType: 415
            case .internalError: 500
            case .shuttingDown: 503
            }
        }

        /// `urn:qrpayd:error:<slug>`.
        public var urn: String { "urn:qrpayd:error:\(self.rawValue)" }
    }

    public var slug: Slug
    public var title: String
    public var detail: String
    /// A finer stable identifier: the error guidance row for Vipps errors, else the slug.
    public var code: String
    public var hint: String?
    public var vipps: VippsErrorInfo?
    /// The payment as it stands, when the problem concerns one.
    public var payment: Payment?
    /// The capture, refund or cancel the problem is about: the failed one, or the pending one in the way.
    public var operation: MoneyOperation?

    public init(
        _ slug: Slug,
        title: String,
        detail: String,
        code: String? = nil,
        hint: String? = nil,
        vipps: VippsErrorInfo? = nil,
        payment: Payment? = nil,
        operation: MoneyOperation? = nil
    ) {
        self.slug = slug
        self.operation = operation
        self.title = title
        self.detail = detail
        self.code = code ?? slug.rawValue
        self.hint = hint
        self.vipps = vipps
        self.payment = payment
    }

    public var type: String { self.slug.urn }
    public var status: Int { self.slug.status }
    public var description: String { "\(self.title): \(self.detail)" }

    /// The problem for a Vipps error, with the guidance's hint for the operator.
    public init(vipps error: VippsError, payment: Payment? = nil) {
        let slug: Slug = error.guidance.tillErrorType == .vippsUnavailable ? .vippsUnavailable : .vippsRejected
        self.init(
            slug,
            title: error.guidance.title,
            detail: "Vipps \(error.operation) failed" + (error.errorMessage.map { ": \($0)" } ?? "."),
            code: error.guidance.id,
            hint: error.guidance.operatorHint,
            vipps: VippsErrorInfo(vipps: error),
            payment: payment
        )
    }
}

extension PaymentProblem {
    /// The problem a failed operation is answered with, whenever it is asked about.
    init(failed operation: MoneyOperation, payment: Payment) {
        let error = operation.error
        let slug = error.flatMap { error in Slug.allCases.first { $0.urn == error.type } } ?? .vippsRejected
        self.init(
            slug,
            title: error?.title ?? "The \(operation.kind.rawValue) failed",
            detail: error?.detail ?? "Vipps refused the \(operation.kind.rawValue); no money moved for it.",
            code: error?.code,
            hint: error?.hint,
            vipps: error?.vipps,
            payment: payment,
            operation: operation
        )
    }
}

extension VippsErrorInfo {
    init(vipps error: VippsError) {
        self.init(
            status: error.httpStatus,
            errorGroup: error.errorGroup.map { "\($0)" },
            errorCode: error.errorCode,
            errorMessage: error.errorMessage,
            contextId: error.contextId,
            problem: error.problem
        )
    }
}

extension PaymentError {
    init(vipps error: VippsError) {
        let problem = PaymentProblem(vipps: error)
        self.init(
            type: problem.type,
            code: problem.code,
            title: problem.title,
            detail: problem.detail,
            hint: problem.hint,
            vipps: problem.vipps
        )
    }
}
