/// The control API's JSON as the client reads it. qrpayctl shares no types with the daemon: it reads the wire
/// format like any other till would, so a change to the contract shows up here as a failing test.
struct WirePayment: Decodable, Sendable {
    var reference: String
    var orderId: String?
    var amount: Int
    var currency: String?
    var text: String?
    var state: String
    var final: Bool?
    var settlement: String?
    var capturedAmount: Int?
    var refundedAmount: Int?
    var qrText: String?
    var createdAt: String?
    var updatedAt: String?
    var expiresAt: String?
    var error: WireError?
    var reservedAmount: Int?
    var operations: [WireOperation]?
    var unreconciled: Bool?

    /// Where `pay --wait` stops: the payment is over, or approved and left for the till to capture (settlement
    /// `till`; with `auto` the daemon captures next, so it waits for that).
    var isSettledForTill: Bool {
        self.final == true || self.state == "captured" || (self.state == "authorized" && self.settlement != "auto")
    }

    var isPaid: Bool { self.state == "authorized" || self.state == "captured" }
}

/// Why a payment ended as it did (`error` in a payment).
struct WireError: Decodable, Sendable {
    var type: String?
    var code: String?
    var title: String
    var detail: String?
    var hint: String?
    var vipps: WireVipps?
}

/// What Vipps said.
struct WireVipps: Decodable, Sendable {
    var status: Int?
    var errorGroup: String?
    var errorCode: String?
    var errorMessage: String?
}

/// An `application/problem+json` answer.
struct WireProblem: Decodable, Sendable {
    var type: String?
    var title: String
    var status: Int?
    var detail: String?
    var code: String?
    var hint: String?
    var vipps: WireVipps?
    var payment: WirePayment?
}

/// `GET /v1/payments`.
/// A capture, refund or cancel on a payment.
struct WireOperation: Decodable, Sendable {
    var id: String
    var kind: String
    var amount: Int?
    var state: String
    var origin: String?
    var error: WireError?
}

struct WirePaymentList: Decodable, Sendable {
    var payments: [WirePayment]
}

/// `GET /v1/health`.
struct WireHealth: Decodable, Sendable {
    struct Vipps: Decodable, Sendable {
        var reachable: Bool
        var environment: String?
        var tokenValidUntil: String?
        var lastError: WireError?
        var lastSuccess: String?
    }

    struct Display: Decodable, Sendable {
        var listening: Bool
        var url: String?
        var connectedPages: Int?
    }

    struct Store: Decodable, Sendable {
        var path: String?
        var writable: Bool
    }

    var status: String
    var version: String?
    var vipps: Vipps
    var activePayment: WirePayment?
    var display: Display?
    var store: Store?
}
