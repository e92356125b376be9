/// The calls the daemon makes to Vipps, named for logs, errors and rate limits.
public enum VippsOperation: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case accessToken = "access-token"
    case initiate
    case details
    case capture
    case cancel
    case refund
    case forceApprove = "force-approve"
    case qrCode = "qr-code"

    /// Whether the call moves or releases money, so an unknown outcome must be looked up before a retry.
    public var changesMoney: Bool {
        switch self {
        case .initiate, .capture, .cancel, .refund, .forceApprove: true
        case .accessToken, .details, .qrCode: false
        }
    }

    public var description: String { self.rawValue }
}
