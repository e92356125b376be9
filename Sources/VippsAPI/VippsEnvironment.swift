/// Which Vipps installation the daemon talks to. Test and production have separate keys and MSNs.
public enum VippsEnvironment: Sendable, Hashable, CustomStringConvertible {
    /// The merchant test environment, `https://apitest.vipps.no`.
    case test
    /// Production, `https://api.vipps.no`.
    case production
    /// Another base URL (the simulator on loopback); `isTest` says whether it behaves like the test environment.
    case custom(baseURL: String, isTest: Bool)

    public var baseURL: String {
        switch self {
        case .test: "https://apitest.vipps.no"
        case .production: "https://api.vipps.no"
        case .custom(let baseURL, _): baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        }
    }

    /// Force approve and the test app's magic amounts exist only in the test environment.
    public var isTest: Bool {
        switch self {
        case .test: true
        case .production: false
        case .custom(_, let isTest): isTest
        }
    }

    public var description: String {
        switch self {
        case .test: "test (apitest.vipps.no)"
        case .production: "production (api.vipps.no)"
        case .custom(let baseURL, _): "custom (\(baseURL))"
        }
    }
}

/// Names sent in the `Vipps-System-*` headers (at most 30 characters each) so Vipps can tell integrations apart.
public struct VippsSystemInfo: Sendable, Hashable {
    public var name: String
    public var version: String
    public var pluginName: String
    public var pluginVersion: String

    public init(name: String = "qrpayd", version: String, pluginName: String = "qrpayd-pos", pluginVersion: String) {
        self.name = String(name.prefix(30))
        self.version = String(version.prefix(30))
        self.pluginName = String(pluginName.prefix(30))
        self.pluginVersion = String(pluginVersion.prefix(30))
    }
}

/// The keys of one sales unit. `description` never shows the secrets.
public struct VippsCredentials: Sendable, Hashable, CustomStringConvertible {
    public var clientID: String
    public var clientSecret: String
    public var subscriptionKey: String
    /// The Merchant Serial Number of the sales unit: 5 or 6 digits, sent as a string.
    public var merchantSerialNumber: String

    public init(clientID: String, clientSecret: String, subscriptionKey: String, merchantSerialNumber: String) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.subscriptionKey = subscriptionKey
        self.merchantSerialNumber = merchantSerialNumber
    }

    public var description: String {
        "VippsCredentials(clientID: \(self.clientID), MSN: \(self.merchantSerialNumber), secrets: [redacted])"
    }
}
