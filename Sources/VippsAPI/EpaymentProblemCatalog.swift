import Foundation

/// The one place where an ePayment problem+json answer is recognised.
///
/// The ePayment FAQ lists the error titles (`reference/seeds/003`) and says an error is identified by its `type`, but
/// no `type` value is published. So a problem is recognised by its `type` where one is known (``knownTypes``: add a
/// URI here when one is seen in the journal, where every problem's raw `type` is logged), else by its exact
/// `title` (case-insensitive), else it has no kind and the guidance table explains it by its HTTP status.
public enum EpaymentProblemKind: String, Sendable, Hashable, CaseIterable {
    case amountTooSmall, amountInvalid, expressPaymentNotAllowed, missingStaticShippingDetails, noCards
    case paymentLimitExceeded, operationNotSupported
    case captureAmountTooHigh, captureBeforeReservation, captureCancelled, capturePeriodExpired
    case captureIdempotencyConflict
    case cancelCaptured, cancelNonReserved, cancelPeriodExpired, cancelPending
    case orderProcessing, internalError
    case alreadyRefunded, notEnoughRefundable, refundPeriodExpired, refundIdempotencyConflict, refundBeforeReservation
    case invalidPhoneNumber, staticShippingPrefixMissing, customerNotFound
    case referenceExists, idempotencyKeyExists, referenceNotFound
    case invalidURL, missingParameter
    case directCaptureNotAllowed, reserveCaptureNotAllowed, skipLandingPageNotAllowed, longLivingNotAllowed
    case cannotBeCancelled, cannotBeRefunded, cannotBeCaptured, cannotBeCreated, alreadyReserved
    case invalidScope, illegalScope, approveFailed, expirationDateInvalid, expiresAtNotAllowed

    /// The title the FAQ gives this error, as Vipps sends it.
    public var title: String {
        switch self {
        case .amountTooSmall: "Amount too small"
        case .amountInvalid: "Amount invalid"
        case .expressPaymentNotAllowed: "Express payment not allowed"
        case .missingStaticShippingDetails: "Missing static shipping details"
        case .noCards: "No cards"
        case .paymentLimitExceeded: "Payment limit exceeded"
        case .operationNotSupported: "Operation not supported"
        case .captureAmountTooHigh: "Capture amount too high"
        case .captureBeforeReservation: "Cannot capture before reservation"
        case .captureCancelled: "Cannot capture a cancelled payment"
        case .capturePeriodExpired: "Capture period expired"
        case .captureIdempotencyConflict: "Capture idempotency conflict"
        case .cancelCaptured: "Cannot cancel a captured payment"
        case .cancelNonReserved: "Cannot cancel a non-reserved payment"
        case .cancelPeriodExpired: "Cancel period expired"
        case .cancelPending: "Cannot cancel pending"
        case .orderProcessing: "Order processing"
        case .internalError: "Internal error"
        case .alreadyRefunded: "Payment already refunded"
        case .notEnoughRefundable: "Not enough refundable"
        case .refundPeriodExpired: "Refund period expired"
        case .refundIdempotencyConflict: "Refund idempotency conflict"
        case .refundBeforeReservation: "Attempted refund before reservation"
        case .invalidPhoneNumber: "Invalid phone number"
        case .staticShippingPrefixMissing: "merchantinfo.StaticShippingDetailsPrefix.missing"
        case .customerNotFound: "Customer not found"
        case .referenceExists, .idempotencyKeyExists: "Idempotency error"
        case .referenceNotFound: "Reference not found"
        case .invalidURL: "Invalid URL"
        case .missingParameter: "Missing required parameter"
        case .directCaptureNotAllowed: "Direct capture not allowed"
        case .reserveCaptureNotAllowed: "Reserve capture not allowed"
        case .skipLandingPageNotAllowed: "Skip landing page not allowed"
        case .longLivingNotAllowed: "Long-living payment not allowed"
        case .cannotBeCancelled: "Payment cannot be cancelled"
        case .cannotBeRefunded: "Payment cannot be refunded"
        case .cannotBeCaptured: "Payment cannot be captured"
        case .cannotBeCreated: "Payment cannot be created"
        case .alreadyReserved: "Payment is already reserved"
        case .invalidScope: "Invalid scope"
        case .illegalScope: "Illegal scope"
        case .approveFailed: "Approve failed"
        case .expirationDateInvalid: "Expiration date invalid"
        case .expiresAtNotAllowed: "ExpiresAt not allowed"
        }
    }

    /// `type` URIs seen for a kind. None is published; add them here as they are seen.
    static let knownTypes: [String: EpaymentProblemKind] = [:]

    /// What the kind means for the state machine.
    var disposition: VippsDisposition {
        switch self {
        case .cancelPending, .orderProcessing:
            // The customer is in the middle of approving, or Vipps is busy with this payment: nothing happened, and
            // the same call can succeed in a moment. Read the payment, then try again.
            .unknown(retryAfter: .seconds(2))
        case .referenceNotFound: .refused(.notFound)
        case .referenceExists, .cannotBeCreated: .refused(.duplicateOrderId)
        case .captureAmountTooHigh, .notEnoughRefundable, .amountTooSmall, .amountInvalid: .refused(.amount)
        case .captureBeforeReservation, .captureCancelled, .capturePeriodExpired, .cancelCaptured, .cancelNonReserved,
            .cancelPeriodExpired, .alreadyRefunded, .refundPeriodExpired, .refundBeforeReservation, .cannotBeCancelled,
            .cannotBeRefunded, .cannotBeCaptured, .alreadyReserved:
            .refused(.notAllowedInState)
        case .internalError, .expressPaymentNotAllowed, .missingStaticShippingDetails, .noCards, .paymentLimitExceeded,
            .operationNotSupported, .captureIdempotencyConflict, .refundIdempotencyConflict, .invalidPhoneNumber,
            .staticShippingPrefixMissing, .customerNotFound, .idempotencyKeyExists, .invalidURL, .missingParameter,
            .directCaptureNotAllowed, .reserveCaptureNotAllowed, .skipLandingPageNotAllowed, .longLivingNotAllowed,
            .invalidScope, .illegalScope, .approveFailed, .expirationDateInvalid, .expiresAtNotAllowed:
            .refused(.invalidRequest)
        }
    }
}

public enum EpaymentProblemCatalog {
    /// The kind of a problem: by `type` where known, else by title (and, for the two "Idempotency error"s, detail).
    public static func kind(of problem: VippsProblem?) -> EpaymentProblemKind? {
        guard let problem else { return nil }
        if let type = problem.type, let kind = EpaymentProblemKind.knownTypes[type] { return kind }
        guard let title = problem.title?.trimmingCharacters(in: .whitespaces).lowercased() else { return nil }
        if title == "idempotency error" {
            return (problem.detail ?? "").lowercased().contains("idempotency-key")
                ? .idempotencyKeyExists : .referenceExists
        }
        return self.byTitle[title]
    }

    private static let byTitle: [String: EpaymentProblemKind] = Dictionary(
        EpaymentProblemKind.allCases.filter { $0 != .idempotencyKeyExists && $0 != .referenceExists }
            .map { ($0.title.lowercased(), $0) },
        uniquingKeysWith: { first, _ in first }
    )
}
