/// What the daemon asks Vipps to create.
public struct PaymentInitiation: Sendable, Hashable {
    public var orderId: String
    /// Øre; at least 100.
    public var amount: Int
    /// Shown in the customer's app; at most 100 characters.
    public var transactionText: String
    /// Where the customer's phone goes after paying (HTTPS or an app scheme).
    public var fallBackURL: String
    /// Required by eCom although the daemon never receives callbacks (HTTPS, public host).
    public var callbackPrefix: String

    public init(orderId: String, amount: Int, transactionText: String, fallBackURL: String, callbackPrefix: String) {
        self.orderId = orderId
        self.amount = amount
        self.transactionText = transactionText
        self.fallBackURL = fallBackURL
        self.callbackPrefix = callbackPrefix
    }
}

/// Vipps' answer to initiate: the landing-page URL, valid for 5 minutes.
public struct InitiatedPayment: Sendable, Hashable {
    public var orderId: String
    public var url: String

    /// The `token` query parameter of the URL, which the test environment's force approve needs.
    public var landingPageToken: String? {
        guard let query = self.url.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") where pair.hasPrefix("token=") {
            return String(pair.dropFirst("token=".count))
        }
        return nil
    }
}

/// The one-time-payment QR target from the QR API: the text to encode (`https://qr.vipps.no/...`).
public struct QRTarget: Sendable, Hashable {
    public var text: String
    /// Seconds the code stays valid, when the QR API said.
    public var expiresIn: Int?
}

/// The JSON bodies, spelled exactly as the eCom API wants them.
enum Wire {
    struct MerchantInfo: Encodable {
        var merchantSerialNumber: String
        var callbackPrefix: String?
        // Exactly this capitalisation: `fallback` gives HTTP 500.
        var fallBack: String?
    }

    struct Initiate: Encodable {
        struct CustomerInfo: Encodable {}
        struct Transaction: Encodable {
            var orderId: String
            var amount: Int
            var transactionText: String
            var skipLandingPage: Bool
        }
        var customerInfo = CustomerInfo()
        var merchantInfo: MerchantInfo
        var transaction: Transaction
    }

    struct Action: Encodable {
        struct Transaction: Encodable {
            var amount: Int?
            var transactionText: String
        }
        var merchantInfo: MerchantInfo
        var transaction: Transaction
        var shouldReleaseRemainingFunds: Bool?
    }

    struct ForceApprove: Encodable {
        var customerPhoneNumber: String
        var token: String
    }

    struct QRRequest: Encodable {
        var url: String
    }

    struct InitiateResponse: Decodable {
        var orderId: String
        var url: String
    }

    struct ActionResponse: Decodable {
        var transactionSummary: TransactionSummary?
    }

    struct TokenResponse: Decodable {
        var access_token: String
        var expires_in: String?
        var token_type: String?
    }

    struct QRResponse: Decodable {
        var url: String
        var expiresIn: Int?
    }
}
