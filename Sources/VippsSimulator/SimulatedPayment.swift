public import Foundation

/// The simulator's truth about one payment, independent of what any API answer said.
public struct SimulatedPayment: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        /// Created; the customer has not opened it.
        case initiated
        /// The customer opened it in the app (possibly after a declined card) and has not finished.
        case opened
        /// Approved: money is reserved. Captures and refunds show in the amounts, not here.
        case reserved
        /// The customer said no.
        case declined
        /// The merchant cancelled before a reservation.
        case cancelled
        /// The merchant cancelled after a reservation.
        case voided
        /// Nobody finished it in time.
        case expired
    }

    /// One line of `transactionLogHistory`.
    public struct LogEntry: Sendable, Hashable, Codable {
        public enum Operation: String, Sendable, Hashable, Codable {
            case initiate = "INITIATE"
            case reserve = "RESERVE"
            case capture = "CAPTURE"
            case refund = "REFUND"
            case cancel = "CANCEL"
            case void = "VOID"
        }

        public var operation: Operation
        public var amount: Int
        public var success: Bool
        public var transactionText: String
        public var timeStamp: Date
        public var transactionId: String?
        public var requestId: String
    }

    /// The API that created a payment.
    public enum API: String, Sendable, Hashable, Codable {
        case ecom
        case epayment
    }

    public var orderId: String
    public var merchantSerialNumber: String
    public var amount: Int
    public var transactionText: String
    public var mobileNumber: String?
    public var url: String
    public var state: State
    public var capturedAmount: Int
    public var refundedAmount: Int
    public var successfulCaptures: Int
    public var successfulRefunds: Int
    public var successfulCancels: Int
    public var failedReservations: Int
    public var createdAt: Date
    public var openedAt: Date?
    /// Newest first, as `/details` shows it.
    public var log: [LogEntry]
    public var api: API
    public var currency: String
}

/// One request the simulator received (control requests under `/_sim/` excluded). Only header *presence*
/// is kept for credentials, never their values.
public struct RecordedRequest: Sendable, Hashable, Codable {
    public var sequence: Int
    public var time: Date
    public var method: String
    public var path: String
    public var orderId: String?
    /// `nil` when the connection was dropped instead of answered.
    public var status: Int?
    public var requestId: String?
    public var merchantSerialNumber: String?
    public var systemName: String?
    public var systemVersion: String?
    public var pluginName: String?
    public var pluginVersion: String?
    /// Lower-cased names of every header sent.
    public var headerNames: Set<String>
    /// `Merchant-Serial-Number` and `Vipps-System-*` headers longer than Vipps' 30-character limit.
    public var overlongHeaders: Set<String>
    /// The injected fault that shaped the answer, if any: `status`, `drop`, `latency`.
    public var fault: String?

    public func has(header name: String) -> Bool {
        self.headerNames.contains(name.lowercased())
    }

    /// All four `Vipps-System-*` headers present and within the limit.
    public var sentSystemHeaders: Bool {
        [self.systemName, self.systemVersion, self.pluginName, self.pluginVersion].allSatisfy { $0 != nil }
            && self.overlongHeaders.isEmpty
    }
}

/// Thrown by the customer actions and truth lookups of ``VippsSimulator``.
public struct SimulatorError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case paymentNotFound
            case actionNotAllowed
        }

        private let value: Value

        public static let paymentNotFound = Code(value: .paymentNotFound)
        /// The payment is in a state where the customer cannot do that any more.
        public static let actionNotAllowed = Code(value: .actionNotAllowed)

        public var description: String {
            switch self.value {
            case .paymentNotFound: "paymentNotFound"
            case .actionNotAllowed: "actionNotAllowed"
            }
        }
    }

    public var code: Code
    public var message: String

    public var description: String { "\(self.code): \(self.message)" }
}
