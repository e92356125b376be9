/// The currencies the ePayment API takes (`Amount.currency`); eCom v2 takes NOK only.
public enum VippsCurrency: String, Sendable, Hashable, Codable, CaseIterable {
    case nok = "NOK"
    case dkk = "DKK"
    case eur = "EUR"

    /// The smallest amount Vipps MobilePay takes, in minor units (øre, cents). The ePayment quick start: "any
    /// currency amount must be an Integer value minimum 100"; the FAQ's "Amount too small" row: "For NOK the minimum
    /// is 100".
    public var minimumAmount: Int { 100 }

    /// Whether this API can take a payment in the currency.
    public func isSupported(by api: VippsAPIKind) -> Bool {
        switch api {
        case .ecom: self == .nok
        case .epayment: true
        }
    }
}

/// Which Vipps API creates the payments (`vipps.api`), and which one created a stored payment.
public enum VippsAPIKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// eCom v2: NOK and Vipps only; legacy, but what qrpayd started with.
    case ecom
    /// The ePayment API v1: Vipps and MobilePay, NOK, DKK and EUR.
    case epayment
}
