import Foundation
import JSONValues

/// All of the simulated Vipps' state in one actor: credentials and tokens, payments, the request log and the
/// clock. Every method runs to completion without suspending, so each request sees and leaves a consistent
/// world, and expiry is applied before anything is read.
actor SimulatorEngine {
    /// Who is calling, once the subscription key and access token check out.
    struct Caller: Sendable {
        var subscriptionKey: String
        /// The sales unit the call acts for: the credential's own, or the partner's `Merchant-Serial-Number`.
        var msn: String
    }

    enum Credential: Sendable {
        case salesUnit(VippsSimulatorConfiguration.SalesUnit)
        case partner(VippsSimulatorConfiguration.PartnerCredential)

        var clientID: String {
            switch self {
            case .salesUnit(let unit): unit.clientID
            case .partner(let partner): partner.clientID
            }
        }

        var clientSecret: String {
            switch self {
            case .salesUnit(let unit): unit.clientSecret
            case .partner(let partner): partner.clientSecret
            }
        }
    }

    let configuration: VippsSimulatorConfiguration
    /// How far the simulator clock is ahead of the wall clock.
    private var clockOffset: TimeInterval = 0
    var tokens = TokenRegistry()
    var payments: [PaymentKey: PaymentRecord] = [:]
    /// Initiation order, so listings are stable.
    var paymentKeys: [PaymentKey] = []
    var qrTargets: [String: PaymentKey] = [:]
    var rateLimiter = RateLimiter()
    var requests: [RecordedRequest] = []
    var nextRequestSequence = 1
    var requestWaiters: [UUID: RequestWaiter] = [:]
    var paymentWaiters: [UUID: PaymentWaiter] = [:]
    /// New payments, for the demo's pretend customer.
    nonisolated let initiations: AsyncStream<PaymentKey>
    private let initiationsContinuation: AsyncStream<PaymentKey>.Continuation

    init(configuration: VippsSimulatorConfiguration) {
        self.configuration = configuration
        (self.initiations, self.initiationsContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(64))
    }

    var now: Date { Date().addingTimeInterval(self.clockOffset) }

    func advanceClock(by duration: Duration) {
        self.transact { _ in self.clockOffset += duration.timeInterval }
    }

    func expireAllTokens() {
        self.tokens.revokeAll()
    }

    /// Runs one operation against an up-to-date world: expiry first, waiters told afterwards.
    func transact<Result>(_ operation: (Date) -> Result) -> Result {
        self.expireDuePayments(now: self.now)
        let result = operation(self.now)
        self.expireDuePayments(now: self.now)
        self.notifyPaymentWaiters()
        return result
    }

    /// An endpoint body that may bail out early with a ready-made answer.
    func answer(_ operation: (Date) throws(Rejection) -> VippsAnswer) -> VippsAnswer {
        self.transact { now in
            do throws(Rejection) {
                return try operation(now)
            } catch {
                return error.answer
            }
        }
    }

    func announceInitiation(of key: PaymentKey) {
        self.initiationsContinuation.yield(key)
    }

    // MARK: Expiry

    private func expireDuePayments(now: Date) {
        for key in self.paymentKeys {
            guard var payment = self.payments[key],
                let deadline = payment.expiryDeadline(
                    openTimeout: self.configuration.openTimeout,
                    approveTimeout: self.configuration.approveTimeout
                ),
                deadline <= now
            else { continue }
            Self.expire(&payment, at: deadline, shape: self.configuration.expiryShape)
            self.payments[key] = payment
        }
    }

    static func expire(_ payment: inout PaymentRecord, at time: Date, shape: VippsSimulatorConfiguration.ExpiryShape) {
        payment.state = .expired
        if shape == .cancelEntry {
            payment.append(
                .cancel,
                amount: payment.amount,
                success: true,
                at: time,
                transactionId: payment.transactionId
            )
        }
    }

    // MARK: Credentials

    func credential(for request: VippsRequest) throws(Rejection) -> (key: String, credential: Credential) {
        guard let key = request.header("Ocp-Apim-Subscription-Key"), !key.isEmpty else {
            throw Rejection(.missingSubscriptionKey)
        }
        guard !self.configuration.otherEnvironmentSubscriptionKeys.contains(key) else {
            throw Rejection(.invalidSubscriptionKey)
        }
        if let unit = self.configuration.salesUnits.first(where: { $0.subscriptionKey == key }) {
            return (key, .salesUnit(unit))
        }
        if let partner = self.configuration.partnerCredentials.first(where: { $0.subscriptionKey == key }) {
            return (key, .partner(partner))
        }
        throw Rejection(.invalidSubscriptionKey)
    }

    /// The checks every eCom and QR call goes through, in the gateway's order: subscription key, access
    /// token (case-sensitive `Bearer`, same key, not expired), partner rights, sales-unit flags.
    func authorize(_ request: VippsRequest, now: Date) throws(Rejection) -> Caller {
        let (key, credential) = try self.credential(for: request)
        let authorization = request.header("Authorization") ?? ""
        let scheme = "Bearer "
        guard authorization.hasPrefix(scheme),
            self.tokens.isValid(String(authorization.dropFirst(scheme.count)), for: key, now: now)
        else { throw Rejection(.invalidAccessToken) }

        let msn: String
        switch credential {
        case .salesUnit(let unit):
            msn = unit.msn
        case .partner(let partner):
            guard let requested = request.header("Merchant-Serial-Number"), partner.connectedMSNs.contains(requested)
            else { throw Rejection(.partnerNotAllowed) }
            msn = requested
        }
        if let unit = self.configuration.salesUnits.first(where: { $0.msn == msn }) {
            if unit.loginOnly { throw Rejection(.loginOnlySalesUnit) }
            if unit.deactivated {
                throw Rejection(
                    .ecomError(
                        400,
                        group: "Merchant",
                        code: "37",
                        message: "Merchant not available or deactivated or blocked"
                    )
                )
            }
        }
        return Caller(subscriptionKey: key, msn: msn)
    }

    func limitRate(_ endpoint: RateLimiter.Endpoint, scope: String, orderId: String, now: Date) throws(Rejection) {
        guard self.configuration.enforceRateLimits else { return }
        if let retryAfter = self.rateLimiter.admit(endpoint, scope: scope, orderId: orderId, at: now) {
            throw Rejection(.rateLimited(retryAfter: retryAfter).about(orderId))
        }
    }

    // MARK: Answers

    /// Adds fields no documentation mentions, when configured, so clients prove they ignore them.
    func withUnknownFields(_ value: JSONValue, extra: [String: JSONValue] = [:]) -> JSONValue {
        guard self.configuration.addUnknownFields else { return value }
        var decorated = value.setting("x-sim-note", to: "unknown fields like this one must be ignored")
        for (key, extraValue) in extra {
            decorated = decorated.setting(key, to: extraValue)
        }
        return decorated
    }

    func summary(of payment: PaymentRecord) -> JSONValue {
        payment.summary
            ?? [
                "capturedAmount": .integer(payment.capturedAmount),
                "remainingAmountToCapture": .integer(payment.remainingToCapture),
                "refundedAmount": .integer(payment.refundedAmount),
                "remainingAmountToRefund": .integer(payment.remainingToRefund),
            ]
    }

    // MARK: Truth

    func payment(orderId: String, msn: String?) -> SimulatedPayment? {
        self.transact { _ in self.findPayment(orderId: orderId, msn: msn).flatMap { self.payments[$0]?.truth } }
    }

    func allPayments() -> [SimulatedPayment] {
        self.transact { _ in self.paymentKeys.compactMap { self.payments[$0]?.truth } }
    }

    func findPayment(orderId: String, msn: String?) -> PaymentKey? {
        self.paymentKeys.last { $0.orderId == orderId && (msn == nil || $0.msn == msn) }
    }
}
