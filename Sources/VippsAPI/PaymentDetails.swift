public import Foundation

/// One entry of `transactionLogHistory`.
public struct TransactionLogEntry: Sendable, Hashable {
    /// The operations Vipps documents; unknown future values are kept as ``other(_:)`` and ignored by the status.
    public enum Operation: Sendable, Hashable {
        case initiate, reserve, sale, capture, refund, cancel, void
        case other(String)

        init(_ raw: String) {
            switch raw.uppercased() {
            case "INITIATE": self = .initiate
            case "RESERVE": self = .reserve
            case "SALE": self = .sale
            case "CAPTURE": self = .capture
            case "REFUND": self = .refund
            case "CANCEL": self = .cancel
            case "VOID": self = .void
            default: self = .other(raw)
            }
        }
    }

    public var operation: Operation
    public var amount: Int
    public var success: Bool
    public var transactionText: String?
    public var transactionId: String?
    public var requestId: String?
    public var timeStamp: Date?

    public init(
        operation: Operation,
        amount: Int,
        success: Bool,
        transactionText: String? = nil,
        transactionId: String? = nil,
        requestId: String? = nil,
        timeStamp: Date? = nil
    ) {
        self.operation = operation
        self.amount = amount
        self.success = success
        self.transactionText = transactionText
        self.transactionId = transactionId
        self.requestId = requestId
        self.timeStamp = timeStamp
    }
}

/// `transactionSummary`: what has been captured and refunded, in øre.
public struct TransactionSummary: Sendable, Hashable, Codable {
    public var capturedAmount: Int
    public var remainingAmountToCapture: Int
    public var refundedAmount: Int
    public var remainingAmountToRefund: Int

    public init(capturedAmount: Int, remainingAmountToCapture: Int, refundedAmount: Int, remainingAmountToRefund: Int) {
        self.capturedAmount = capturedAmount
        self.remainingAmountToCapture = remainingAmountToCapture
        self.refundedAmount = refundedAmount
        self.remainingAmountToRefund = remainingAmountToRefund
    }
}

/// The answer of `GET /ecomm/v2/payments/{orderId}/details`.
public struct PaymentDetails: Sendable, Hashable {
    public var orderId: String
    /// Absent until the customer has reacted to the payment.
    public var summary: TransactionSummary?
    /// Newest first, as Vipps sends it (qrpayd does not rely on the order: see ``status``).
    public var log: [TransactionLogEntry]

    public init(orderId: String, summary: TransactionSummary?, log: [TransactionLogEntry]) {
        self.orderId = orderId
        self.summary = summary
        self.log = log
    }

    /// The payment's state, derived from the log: eCom has no status field.
    public var status: PaymentStatus { PaymentStatus(details: self) }

    /// Whether an operation with this `X-Request-Id` shows in the log as done.
    public func hasSucceeded(_ operation: TransactionLogEntry.Operation, requestId: String) -> Bool {
        self.log.contains { $0.operation == operation && $0.success && $0.requestId == requestId }
    }
}

extension PaymentDetails {
    /// Parses the details answer, ignoring unknown fields and unknown enum values.
    static func decode(_ body: [UInt8]) throws -> PaymentDetails {
        struct Wire: Decodable {
            struct Entry: Decodable {
                var operation: String
                var amount: Int?
                var operationSuccess: Bool?
                var transactionText: String?
                var transactionId: String?
                var requestId: String?
                var timeStamp: String?
            }
            var orderId: String
            var transactionSummary: TransactionSummary?
            var transactionLogHistory: [Entry]?
        }
        let wire = try JSONDecoder().decode(Wire.self, from: Data(body))
        let log = (wire.transactionLogHistory ?? []).map { entry in
            TransactionLogEntry(
                operation: .init(entry.operation),
                amount: entry.amount ?? 0,
                success: entry.operationSuccess ?? false,
                transactionText: entry.transactionText,
                transactionId: entry.transactionId.flatMap { $0.isEmpty ? nil : $0 },
                requestId: entry.requestId.flatMap { $0.isEmpty ? nil : $0 },
                timeStamp: entry.timeStamp.flatMap(VippsTimestamp.parse)
            )
        }
        return PaymentDetails(orderId: wire.orderId, summary: wire.transactionSummary, log: log)
    }
}

/// Vipps writes times as ISO 8601 in UTC, with or without milliseconds.
enum VippsTimestamp {
    static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return date
        }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }
}
