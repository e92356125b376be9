import Foundation
package import VippsAPI

/// Which Vipps sales unit this box takes payments for, and how qrpayd reaches it: `vipps.*`, the two secrets and the
/// sales unit's currency (`payment.currency`, which the chosen API must support).
package struct VippsSettings: Sendable {
    package var environment: VippsEnvironment
    package var credentials: VippsCredentials
    /// Where each secret came from (never its value), for `qrpayctl doctor` and the start-up log.
    package var secretSources: [String: Secrets.Source]
    package var requestTimeout: Duration
    /// `vipps.api`: the API new payments are created with.
    package var api: VippsAPIKind
    /// `payment.currency`.
    package var currency: VippsCurrency
    package var callbackPrefix: String
    package var fallBackURL: String

    /// Reads and checks `vipps.*`, the secrets and `payment.currency`.
    ///
    /// - Throws: ``ConfigurationError`` naming the first bad setting.
    package init(settings read: SettingsReader, environment: [String: String]) throws(ConfigurationError) {
        let environmentName = read.string("vipps.environment") ?? "test"
        let baseURL = read.string("vipps.baseURL")
        self.environment = try Self.vippsEnvironment(name: environmentName, baseURL: baseURL)
        guard let clientID = read.string("vipps.clientId"), !clientID.isEmpty else {
            throw ConfigurationError(
                key: "vipps.clientId",
                "is required: the client_id of the sales unit (portal.vipps.no)."
            )
        }
        if !Self.isLoopback(self.environment), UUID(uuidString: clientID) == nil {
            throw ConfigurationError(
                key: "vipps.clientId",
                "'\(clientID)' is not a client_id: Vipps client ids are GUIDs like 2f7c1a6e-8d3b-4c55-9b61-0f4c2e7d9a10."
            )
        }
        guard let msn = read.string("vipps.merchantSerialNumber") else {
            throw ConfigurationError(
                key: "vipps.merchantSerialNumber",
                "is required: the sales unit's MSN (5 or 6 digits)."
            )
        }
        guard (5...6).contains(msn.count), msn.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ConfigurationError(key: "vipps.merchantSerialNumber", "'\(msn)' must be 5 or 6 digits.")
        }
        let clientSecret = try Secrets.load(
            key: "vipps.clientSecret",
            credential: Secrets.clientSecretCredential,
            file: read.string("vipps.clientSecretFile"),
            environmentName: "VIPPS_CLIENT_SECRET",
            environment: environment
        )
        let subscriptionKey = try Secrets.load(
            key: "vipps.subscriptionKey",
            credential: Secrets.subscriptionKeyCredential,
            file: read.string("vipps.subscriptionKeyFile"),
            environmentName: "VIPPS_SUBSCRIPTION_KEY",
            environment: environment
        )
        self.credentials = VippsCredentials(
            clientID: clientID,
            clientSecret: clientSecret.value,
            subscriptionKey: subscriptionKey.value,
            merchantSerialNumber: msn
        )
        self.secretSources = [
            "vipps.clientSecret": clientSecret.source, "vipps.subscriptionKey": subscriptionKey.source,
        ]
        let timeout = try read.int("vipps.requestTimeoutSeconds", default: 10, range: 6...60)
        self.requestTimeout = .seconds(timeout)
        self.callbackPrefix = read.string("vipps.callbackPrefix") ?? "https://example.com/qrpayd-uses-polling"
        try Self.requireHTTPS(self.callbackPrefix, key: "vipps.callbackPrefix", allowAppScheme: false)
        self.fallBackURL = read.string("vipps.fallBackURL") ?? "https://www.vipps.no/thankyoupage/"
        try Self.requireHTTPS(self.fallBackURL, key: "vipps.fallBackURL", allowAppScheme: true)

        let apiName = read.string("vipps.api") ?? VippsAPIKind.ecom.rawValue
        guard let api = VippsAPIKind(rawValue: apiName) else {
            throw ConfigurationError(key: "vipps.api", "'\(apiName)' must be 'ecom' or 'epayment'.")
        }
        self.api = api
        let currencyName = read.string("payment.currency") ?? VippsCurrency.nok.rawValue
        guard let currency = VippsCurrency(rawValue: currencyName.uppercased()) else {
            throw ConfigurationError(key: "payment.currency", "'\(currencyName)' must be NOK, DKK or EUR.")
        }
        guard currency.isSupported(by: api) else {
            throw ConfigurationError(
                key: "payment.currency",
                "'\(currency.rawValue)' needs vipps.api 'epayment': the eCom API takes NOK only."
            )
        }
        self.currency = currency
    }

    static func vippsEnvironment(name: String, baseURL: String?) throws(ConfigurationError) -> VippsEnvironment {
        guard name == "test" || name == "production" else {
            throw ConfigurationError(key: "vipps.environment", "'\(name)' must be 'test' or 'production'.")
        }
        guard let baseURL, !baseURL.isEmpty else {
            return name == "test" ? .test : .production
        }
        guard let url = URL(string: baseURL), let scheme = url.scheme, let host = url.host, url.query == nil else {
            throw ConfigurationError(key: "vipps.baseURL", "'\(baseURL)' is not a URL like https://apitest.vipps.no.")
        }
        if scheme == "http" {
            // Plain http carries the secrets and the access token in clear: only a simulator on this box, and only
            // for the test environment, never with production keys.
            guard name == "test" else {
                throw ConfigurationError(
                    key: "vipps.baseURL",
                    "'\(baseURL)' uses plain http, which only vipps.environment 'test' accepts (a simulator on this box); "
                        + "production must use https."
                )
            }
            guard Loopback.isHost(host) else {
                throw ConfigurationError(
                    key: "vipps.baseURL",
                    "must use https (plain http only for a simulator on loopback, with vipps.environment 'test')."
                )
            }
        } else if scheme != "https" {
            throw ConfigurationError(
                key: "vipps.baseURL",
                "must use https (plain http only for a simulator on loopback, with vipps.environment 'test')."
            )
        }
        // Test keys do not work in production and the other way round: catch a mix-up before Vipps does.
        if name == "test" && host == "api.vipps.no" {
            throw ConfigurationError(
                key: "vipps.baseURL",
                "points at production (api.vipps.no) while vipps.environment is 'test'. Test and production keys differ; "
                    + "set vipps.environment to 'production' with production keys, or use https://apitest.vipps.no."
            )
        }
        if name == "production" && host == "apitest.vipps.no" {
            throw ConfigurationError(
                key: "vipps.baseURL",
                "points at the test environment (apitest.vipps.no) while vipps.environment is 'production'."
            )
        }
        return .custom(baseURL: baseURL, isTest: name == "test")
    }

    /// A simulator on this box (plain ids are fine there).
    static func isLoopback(_ environment: VippsEnvironment) -> Bool {
        guard case .custom(let baseURL, _) = environment, let host = URL(string: baseURL)?.host else { return false }
        return Loopback.isHost(host)
    }

    static func requireHTTPS(_ value: String, key: String, allowAppScheme: Bool) throws(ConfigurationError) {
        guard value.count <= 255, let url = URL(string: value), let scheme = url.scheme?.lowercased() else {
            throw ConfigurationError(key: key, "'\(value)' is not a URL of at most 255 characters.")
        }
        if scheme == "https" {
            guard let host = url.host?.lowercased(), host.contains("."), !Loopback.isHost(host) else {
                throw ConfigurationError(key: key, "'\(value)' must have a public host name (Vipps rejects localhost).")
            }
            return
        }
        if allowAppScheme && scheme != "http" && !scheme.isEmpty {
            return
        }
        throw ConfigurationError(
            key: key,
            "'\(value)' must be an HTTPS URL\(allowAppScheme ? " (or an app scheme like myapp://)" : ""); Vipps rejects plain http."
        )
    }
}
