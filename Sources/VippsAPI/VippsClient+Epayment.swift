public import Foundation
import NIOHTTP1

/// A payment as `GET /epayment/v1/payments/{reference}` shows it.
public struct EpaymentPayment: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Created; nobody has acted on it (the API has no "opened" signal).
        case created = "CREATED"
        /// The customer cancelled in the app (final).
        case aborted = "ABORTED"
        /// Nobody finished it in time (final).
        case expired = "EXPIRED"
        /// Approved (final: captures, refunds and cancels show in the aggregate, not here).
        case authorized = "AUTHORIZED"
        /// The merchant cancelled before it was approved (final).
        case terminated = "TERMINATED"
    }

    public var reference: String
    public var state: State
    public var amount: Int
    public var currency: String
    public var authorizedAmount: Int
    public var capturedAmount: Int
    public var refundedAmount: Int
    public var cancelledAmount: Int
    public var redirectUrl: String?
}

/// One entry of `GET /epayment/v1/payments/{reference}/events`.
public struct EpaymentEvent: Sendable, Hashable {
    public enum Name: String, Sendable, Hashable, CaseIterable {
        case created = "CREATED"
        case aborted = "ABORTED"
        case expired = "EXPIRED"
        case cancelled = "CANCELLED"
        case captured = "CAPTURED"
        case refunded = "REFUNDED"
        case authorized = "AUTHORIZED"
        case terminated = "TERMINATED"
    }

    /// Nil for a name this client does not know (kept so new names never make the log unreadable).
    public var name: Name?
    public var amount: Int
    public var timestamp: Date?
    public var idempotencyKey: String?
    public var success: Bool
}

/// The ePayment API v1 on the same transport as eCom (token, subscription key, `Merchant-Serial-Number`,
/// `Vipps-System-*`, one retry on 401). Every call that changes something carries an `Idempotency-Key`: the same on
/// every attempt at the same operation, so Vipps carries it out once and answers a repeat with the first answer.
extension VippsClient {
    /// `POST /epayment/v1/payments` in the QR flow with `TEXT/TARGETURL`: the answer's `redirectUrl` is the text to
    /// draw as the QR code (no QR API call).
    public func epaymentCreate(
        reference: String,
        amount: Int,
        currency: VippsCurrency,
        description: String,
        idempotencyKey: String
    ) async throws(VippsError) -> String {
        let body = EpaymentWire.Create(
            amount: .init(currency: currency.rawValue, value: amount),
            paymentMethod: .init(type: "WALLET"),
            reference: try self.escape(reference),
            userFlow: "QR",
            qrFormat: .init(format: "TEXT/TARGETURL"),
            customerInteraction: "CUSTOMER_PRESENT",
            paymentDescription: description
        )
        let response = try await self.send(
            .initiate,
            .POST,
            "/epayment/v1/payments",
            json: body,
            idempotencyKey: idempotencyKey
        )
        let decoded: EpaymentWire.CreateResponse = try self.decode(response, .initiate)
        guard decoded.redirectUrl.hasPrefix("https://"), decoded.redirectUrl.count <= 2048,
            !decoded.redirectUrl.contains(where: \.isWhitespace)
        else {
            throw VippsError(
                kind: .invalidResponse,
                operation: .initiate,
                errorMessage: "redirectUrl is not an https URL"
            )
        }
        return decoded.redirectUrl
    }

    /// `GET /epayment/v1/payments/{reference}`.
    public func epaymentPayment(reference: String) async throws(VippsError) -> EpaymentPayment {
        let response = try await self.send(.details, .GET, "/epayment/v1/payments/\(try self.escape(reference))")
        let wire: EpaymentWire.Payment = try self.decode(response, .details)
        guard let state = EpaymentPayment.State(rawValue: wire.state) else {
            throw VippsError(kind: .invalidResponse, operation: .details, errorMessage: "unknown state \(wire.state)")
        }
        return EpaymentPayment(
            reference: wire.reference,
            state: state,
            amount: wire.amount.value,
            currency: wire.amount.currency,
            authorizedAmount: wire.aggregate.authorizedAmount.value,
            capturedAmount: wire.aggregate.capturedAmount.value,
            refundedAmount: wire.aggregate.refundedAmount.value,
            cancelledAmount: wire.aggregate.cancelledAmount.value,
            redirectUrl: wire.redirectUrl
        )
    }

    /// `GET /epayment/v1/payments/{reference}/events`, oldest first.
    public func epaymentEvents(reference: String) async throws(VippsError) -> [EpaymentEvent] {
        let response = try await self.send(
            .details,
            .GET,
            "/epayment/v1/payments/\(try self.escape(reference))/events"
        )
        let wire: [EpaymentWire.Event] = try self.decode(response, .details)
        return wire.map { event in
            EpaymentEvent(
                name: EpaymentEvent.Name(rawValue: event.name),
                amount: event.amount.value,
                timestamp: event.timestamp.flatMap(EpaymentWire.date(from:)),
                idempotencyKey: event.idempotencyKey,
                success: event.success
            )
        }
    }

    /// `POST .../capture` of `amount` minor units.
    public func epaymentCapture(
        reference: String,
        amount: Int,
        currency: VippsCurrency,
        idempotencyKey: String
    ) async throws(VippsError) -> EpaymentPayment.Aggregate {
        try await self.epaymentModify(.capture, reference, "capture", amount, currency, idempotencyKey)
    }

    /// `POST .../refund` of `amount` minor units.
    public func epaymentRefund(
        reference: String,
        amount: Int,
        currency: VippsCurrency,
        idempotencyKey: String
    ) async throws(VippsError) -> EpaymentPayment.Aggregate {
        try await self.epaymentModify(.refund, reference, "refund", amount, currency, idempotencyKey)
    }

    /// `POST .../cancel`: before approval the payment becomes TERMINATED; after it, what is still reserved is
    /// released (`cancelledAmount`). `cancelTransactionOnly` asks Vipps not to cancel a payment the customer is no
    /// longer in the middle of (it only stops an ongoing transaction).
    public func epaymentCancel(
        reference: String,
        cancelTransactionOnly: Bool = false,
        idempotencyKey: String
    ) async throws(VippsError) -> EpaymentPayment.Aggregate {
        let body = EpaymentWire.Cancel(cancelTransactionOnly: cancelTransactionOnly ? true : nil)
        let response = try await self.send(
            .cancel,
            .POST,
            "/epayment/v1/payments/\(try self.escape(reference))/cancel",
            json: body,
            idempotencyKey: idempotencyKey
        )
        let decoded: EpaymentWire.ModificationResponse = try self.decode(response, .cancel)
        return decoded.aggregate.plain
    }

    /// The test environment's force approve (`POST /epayment/v1/test/payments/{reference}/approve`).
    public func epaymentForceApprove(reference: String, phoneNumber: String) async throws(VippsError) {
        try self.requireTestEnvironment()
        let body = EpaymentWire.ForceApprove(customer: .init(phoneNumber: phoneNumber))
        _ = try await self.send(
            .forceApprove,
            .POST,
            "/epayment/v1/test/payments/\(try self.escape(reference))/approve",
            json: body
        )
    }

    private func epaymentModify(
        _ operation: VippsOperation,
        _ reference: String,
        _ path: String,
        _ amount: Int,
        _ currency: VippsCurrency,
        _ idempotencyKey: String
    ) async throws(VippsError) -> EpaymentPayment.Aggregate {
        let body = EpaymentWire.Modification(modificationAmount: .init(currency: currency.rawValue, value: amount))
        let response = try await self.send(
            operation,
            .POST,
            "/epayment/v1/payments/\(try self.escape(reference))/\(path)",
            json: body,
            idempotencyKey: idempotencyKey
        )
        let decoded: EpaymentWire.ModificationResponse = try self.decode(response, operation)
        return decoded.aggregate.plain
    }
}

extension EpaymentPayment {
    /// The running totals of a payment, in minor units.
    public struct Aggregate: Sendable, Hashable {
        public var authorized: Int
        public var captured: Int
        public var refunded: Int
        public var cancelled: Int
    }
}

/// The ePayment wire format (only the fields qrpayd uses; unknown ones are ignored).
enum EpaymentWire {
    struct Amount: Codable {
        var currency: String
        var value: Int
    }

    struct Create: Encodable {
        struct Method: Encodable { var type: String }
        struct QRFormat: Encodable { var format: String }
        var amount: Amount
        var paymentMethod: Method
        var reference: String
        var userFlow: String
        var qrFormat: QRFormat
        var customerInteraction: String
        var paymentDescription: String
    }

    struct CreateResponse: Decodable {
        var redirectUrl: String
        var reference: String
    }

    struct Aggregate: Decodable {
        var authorizedAmount: Amount
        var cancelledAmount: Amount
        var capturedAmount: Amount
        var refundedAmount: Amount

        var plain: EpaymentPayment.Aggregate {
            .init(
                authorized: self.authorizedAmount.value,
                captured: self.capturedAmount.value,
                refunded: self.refundedAmount.value,
                cancelled: self.cancelledAmount.value
            )
        }
    }

    struct Payment: Decodable {
        var aggregate: Aggregate
        var amount: Amount
        var state: String
        var reference: String
        var redirectUrl: String?
    }

    struct Event: Decodable {
        var name: String
        var amount: Amount
        var timestamp: String?
        var idempotencyKey: String?
        var success: Bool
    }

    struct Modification: Encodable {
        var modificationAmount: Amount
    }

    struct Cancel: Encodable {
        var cancelTransactionOnly: Bool?
    }

    struct ModificationResponse: Decodable {
        var aggregate: Aggregate
    }

    struct ForceApprove: Encodable {
        struct Customer: Encodable { var phoneNumber: String }
        var customer: Customer
    }

    static func date(from text: String) -> Date? {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }
}
