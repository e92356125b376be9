import Foundation
public import VippsAPI

/// The eCom v2 API as a ``PaymentProvider``: `skipLandingPage: false`, the QR API's one-time target URL (or the
/// landing page itself in `payment-url` mode), and the payment's state derived from its transaction log.
public struct EcomProvider: PaymentProvider {
    let client: VippsClient
    let qrMode: EngineConfiguration.QRMode
    let fallBackURL: String
    let callbackPrefix: String

    public init(client: VippsClient, configuration: EngineConfiguration) {
        self.client = client
        self.qrMode = configuration.qrMode
        self.fallBackURL = configuration.fallBackURL
        self.callbackPrefix = configuration.callbackPrefix
    }

    public var api: VippsAPIKind { .ecom }

    /// eCom's initiate has no idempotency key (a lost answer is looked up in `/details`); it takes NOK only, which
    /// the configuration enforces.
    public func create(orderId: String, amount: Int, currency: VippsCurrency, text: String, idempotencyKey: String)
        async throws(VippsError) -> String
    {
        try await self.client.initiate(
            PaymentInitiation(
                orderId: orderId,
                amount: amount,
                transactionText: text,
                fallBackURL: self.fallBackURL,
                callbackPrefix: self.callbackPrefix
            )
        ).url
    }

    public func qrText(paymentURL: String) async throws(VippsError) -> String {
        switch self.qrMode {
        case .qrAPI: try await self.client.qrTarget(paymentURL: paymentURL).text
        case .paymentURL: paymentURL
        }
    }

    public func read(orderId: String) async throws(VippsError) -> ProviderPayment {
        ProviderPayment(ecom: try await self.client.details(orderId: orderId))
    }

    public func capture(orderId: String, amount: Int?, currency: VippsCurrency, text: String, idempotencyKey: String)
        async throws(VippsError) -> ProviderAmounts?
    {
        try await self.client.capture(orderId: orderId, amount: amount, text: text, requestId: idempotencyKey)
            .map(ProviderAmounts.init(ecom:))
    }

    public func refund(orderId: String, amount: Int, currency: VippsCurrency, text: String, idempotencyKey: String)
        async throws(VippsError) -> ProviderAmounts?
    {
        try await self.client.refund(orderId: orderId, amount: amount, text: text, requestId: idempotencyKey)
            .map(ProviderAmounts.init(ecom:))
    }

    public func cancel(orderId: String, text: String, releaseRemaining: Bool, idempotencyKey: String)
        async throws(VippsError)
    {
        _ = try await self.client.cancel(orderId: orderId, text: text, releaseRemainingFunds: releaseRemaining)
    }
}

extension ProviderPayment {
    /// eCom has no state field: the state comes from the transaction log (``PaymentStatus``), the applied operations
    /// from the `requestId`s of its successful CAPTURE and REFUND entries.
    init(ecom details: PaymentDetails) {
        let status: Status
        switch details.status {
        case .initiated: status = .created
        case .scanned, .declinedRetryable: status = .opened
        case .reserved(let amount): status = .authorized(amount: amount)
        case .captured(let captured, let remaining, let refunded):
            status = .captured(captured: captured, remaining: remaining, refunded: refunded)
        case .cancelled: status = .cancelled
        case .voided: status = .voided
        case .failed: status = .failed
        }
        let log = details.log
        let initiate = log.first { $0.operation == .initiate }
        func applied(_ operation: TransactionLogEntry.Operation) -> Set<String> {
            Set(log.filter { $0.operation == operation && $0.success }.compactMap(\.requestId))
        }
        self.init(
            status: status,
            declinedCards: log.filter { $0.operation == .reserve && !$0.success }.count,
            opened: initiate?.transactionId != nil || log.contains { $0.operation == .reserve },
            createdAt: initiate?.timeStamp,
            stoppedAt: log.first { $0.operation == .cancel && $0.success }?.timeStamp,
            released: log.contains { $0.operation == .void && $0.success },
            appliedCaptures: applied(.capture),
            appliedRefunds: applied(.refund)
        )
    }
}

extension ProviderAmounts {
    init(ecom summary: TransactionSummary) {
        self.init(
            captured: summary.capturedAmount,
            remainingToCapture: summary.remainingAmountToCapture,
            refunded: summary.refundedAmount
        )
    }
}
