import Configuration
import CustomerDisplay
import Foundation
import PaymentCore
import QRRendering
import VippsAPI

/// Everything qrpayd needs to run, read once at start-up and validated as a whole.
///
/// Sources, first match wins: environment variables (`VIPPS_MERCHANT_SERIAL_NUMBER` for `vipps.merchantSerialNumber`),
/// then the JSON file (`/etc/qrpayd/qrpayd.json`, or `--config`). Secrets: see ``Secrets``.
///
/// ## Configuration keys
/// - `vipps.environment`: `test` (default) or `production`.
/// - `vipps.api`: `ecom` (default, eCom v2) or `epayment` (the ePayment API v1: MobilePay, DKK and EUR too).
/// - `vipps.baseURL`: another base URL (the simulator); plain `http://` only on loopback.
/// - `vipps.clientId` (required), `vipps.merchantSerialNumber` (required, 5-6 digits).
/// - `vipps.clientSecretFile`, `vipps.subscriptionKeyFile`: secret files (mode 0600) when not using credentials.
/// - `vipps.callbackPrefix` (HTTPS; Vipps requires one though qrpayd polls), `vipps.fallBackURL` (HTTPS or app scheme,
///   default `https://www.vipps.no/thankyoupage/`), `vipps.requestTimeoutSeconds` (default 10).
/// - `payment.orderIdPrefix` (default `qrpayd-`), `payment.settlement` (`auto`/`till`), `payment.pollIntervalMilliseconds`
///   (default 1000), `payment.currency` (`NOK` default; `DKK`, `EUR` with `vipps.api` `epayment`),
///   `payment.minimumAmount` (minor units, default 100), `payment.maximumAmount` (minor units, default 1000000),
///   `payment.defaultText`,
///   `payment.refunds.enabled`, `payment.refunds.maximumPerRefund`, `payment.refunds.maximumPerDay`.
/// - `qr.mode` (`qr-api` default, or `payment-url`), `qr.moduleSize` (px, default 10), `qr.errorCorrection` (L/M/Q/H).
/// - `control.socketPath` (default `/run/qrpayd/control.sock`), `control.socketMode` (octal, default `0660`).
/// - `state.directory` (default `$STATE_DIRECTORY` or `/var/lib/qrpayd`).
/// - `display.enabled`, `display.port` (8765), `display.shopName`, `display.language` (`nb`/`da`/`fi`/`en`),
///   `display.brand` (`vipps`/`mobilepay`), `display.accentColor` (default: the brand's colour), `display.paidSeconds`,
///   `display.assetsDirectory`.
/// - `metrics.enabled` (default false, or true when `metrics.listen` is set), `metrics.listen` (`host:port`, default
///   `127.0.0.1:9808`): Prometheus metrics over TCP. `GET /metrics` on the control socket works either way.
/// - `log.level` (`info`).
public struct DaemonConfiguration: Sendable {
    public var environment: VippsEnvironment
    public var credentials: VippsCredentials
    public var secretSources: [String: Secrets.Source]
    public var requestTimeout: Duration
    public var engine: EngineConfiguration
    public var controlSocketPath: String
    public var controlSocketMode: UInt32
    public var stateDirectory: String
    public var displayEnabled: Bool
    public var display: DisplaySettings
    public var logLevel: String
    /// Where to serve `GET /metrics` over TCP; nil when `metrics.enabled` is off.
    public var metricsListen: MetricsListenAddress?

    public static let defaultConfigFile = "/etc/qrpayd/qrpayd.json"

    /// `vipps.api`: the API new payments are created with.
    public var api: VippsAPIKind { self.engine.api }
    /// `payment.currency`.
    public var currency: VippsCurrency { self.engine.currency }

    /// Reads and checks every setting.
    ///
    /// - Throws: ``ConfigurationError`` naming the first bad setting.
    public init(config: ConfigReader, environment: [String: String]) throws(ConfigurationError) {
        let read = Reader(config: config)

        // Vipps
        let environmentName = read.string("vipps.environment") ?? "test"
        let baseURL = read.string("vipps.baseURL")
        self.environment = try Self.vippsEnvironment(name: environmentName, baseURL: baseURL)
        guard let clientID = read.string("vipps.clientId"), !clientID.isEmpty else {
            throw ConfigurationError(
                key: "vipps.clientId",
                "is required: the client_id of the sales unit (portal.vipps.no)."
            )
        }
        if !self.environment.isLoopback, UUID(uuidString: clientID) == nil {
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
        let callbackPrefix = read.string("vipps.callbackPrefix") ?? "https://example.com/qrpayd-uses-polling"
        try Self.requireHTTPS(callbackPrefix, key: "vipps.callbackPrefix", allowAppScheme: false)
        let fallBack = read.string("vipps.fallBackURL") ?? "https://www.vipps.no/thankyoupage/"
        try Self.requireHTTPS(fallBack, key: "vipps.fallBackURL", allowAppScheme: true)

        let apiName = read.string("vipps.api") ?? VippsAPIKind.ecom.rawValue
        guard let api = VippsAPIKind(rawValue: apiName) else {
            throw ConfigurationError(key: "vipps.api", "'\(apiName)' must be 'ecom' or 'epayment'.")
        }

        // Payments
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
        let prefix: String
        if let configured = read.string("payment.orderIdPrefix") {
            prefix = configured
        } else {
            prefix = try Self.boxOrderIdPrefix()
        }
        guard prefix.count <= 30, prefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw ConfigurationError(
                key: "payment.orderIdPrefix",
                "'\(prefix)' must be at most 30 characters of A-Z, a-z, 0-9 and '-'."
            )
        }
        let settlementName = read.string("payment.settlement") ?? "auto"
        guard let settlement = Settlement(rawValue: settlementName) else {
            throw ConfigurationError(key: "payment.settlement", "'\(settlementName)' must be 'auto' or 'till'.")
        }
        let poll = try read.int("payment.pollIntervalMilliseconds", default: 1000, range: 500...5000)
        let maximumAmount = try read.int("payment.maximumAmount", default: 1_000_000, range: 100...65_000_000)
        let floor = currency.minimumAmount
        let minimumAmount = try read.int("payment.minimumAmount", default: floor, range: floor...65_000_000)
        guard minimumAmount <= maximumAmount else {
            throw ConfigurationError(
                key: "payment.minimumAmount",
                "\(minimumAmount) øre is above payment.maximumAmount (\(maximumAmount) øre); no payment could be taken."
            )
        }
        let defaultText = read.string("payment.defaultText") ?? "Betaling"
        guard (1...100).contains(defaultText.count) else {
            throw ConfigurationError(key: "payment.defaultText", "must be 1-100 characters (it is shown in the app).")
        }
        let refunds = EngineConfiguration.RefundPolicy(
            enabled: try read.bool("payment.refunds.enabled", default: true),
            maximumPerRefund: try read.optionalInt("payment.refunds.maximumPerRefund", range: 1...65_000_000),
            maximumPerDay: try read.optionalInt("payment.refunds.maximumPerDay", range: 1...650_000_000),
            allowedGroups: try Self.groupNames(read.strings("payment.refunds.allowedGroups") ?? ["qrpay-refund"])
        )

        // QR
        let modeName = read.string("qr.mode") ?? EngineConfiguration.QRMode.qrAPI.rawValue
        guard let qrMode = EngineConfiguration.QRMode(rawValue: modeName) else {
            throw ConfigurationError(key: "qr.mode", "'\(modeName)' must be 'qr-api' or 'payment-url'.")
        }
        let moduleSize = try read.int("qr.moduleSize", default: 10, range: 2...40)
        let levelName = read.string("qr.errorCorrection") ?? "M"
        guard let level = ErrorCorrection(rawValue: levelName.uppercased()) else {
            throw ConfigurationError(key: "qr.errorCorrection", "'\(levelName)' must be L, M, Q or H.")
        }
        self.engine = EngineConfiguration(
            orderIdPrefix: prefix,
            api: api,
            currency: currency,
            settlement: settlement,
            qrMode: qrMode,
            qrOptions: QRRenderOptions(errorCorrection: level, size: .moduleSize(moduleSize)),
            pollInterval: .milliseconds(poll),
            minimumAmount: minimumAmount,
            maximumAmount: maximumAmount,
            defaultText: defaultText,
            fallBackURL: fallBack,
            callbackPrefix: callbackPrefix,
            refunds: refunds
        )

        // Control socket and state
        self.controlSocketPath = read.string("control.socketPath") ?? "/run/qrpayd/control.sock"
        guard self.controlSocketPath.hasPrefix("/"), self.controlSocketPath.utf8.count < 108 else {
            throw ConfigurationError(key: "control.socketPath", "must be an absolute path shorter than 108 bytes.")
        }
        let modeText = read.string("control.socketMode") ?? "0660"
        guard let mode = UInt32(modeText, radix: 8), mode & 0o7007 == 0, mode & 0o600 == 0o600 else {
            throw ConfigurationError(
                key: "control.socketMode",
                "'\(modeText)' must be an octal mode giving the owner read/write and nothing to others, e.g. 0660."
            )
        }
        self.controlSocketMode = mode
        self.stateDirectory =
            read.string("state.directory") ?? environment["STATE_DIRECTORY"].flatMap {
                $0.split(separator: ":").first.map(String.init)
            } ?? "/var/lib/qrpayd"

        // Display
        self.displayEnabled = try read.bool("display.enabled", default: true)
        let languageName = read.string("display.language") ?? "nb"
        guard let language = DisplaySettings.Language(rawValue: languageName) else {
            throw ConfigurationError(key: "display.language", "'\(languageName)' must be 'nb', 'da', 'fi' or 'en'.")
        }
        let brandName = read.string("display.brand") ?? DisplaySettings.Brand.vipps.rawValue
        guard let brand = DisplaySettings.Brand(rawValue: brandName) else {
            throw ConfigurationError(key: "display.brand", "'\(brandName)' must be 'vipps' or 'mobilepay'.")
        }
        guard brand == .vipps || api == .epayment else {
            throw ConfigurationError(
                key: "display.brand",
                "'mobilepay' needs vipps.api 'epayment': only the ePayment API reaches MobilePay users."
            )
        }
        self.display = DisplaySettings(
            shopName: read.string("display.shopName") ?? "qrpayd",
            language: language,
            brand: brand,
            accentColor: read.string("display.accentColor") ?? brand.defaultAccentColor,
            paidScreenDuration: .seconds(try read.int("display.paidSeconds", default: 8, range: 1...600)),
            host: read.string("display.host") ?? "127.0.0.1",
            port: try read.int("display.port", default: 8765, range: 0...65535),
            assetsDirectory: read.string("display.assetsDirectory") ?? DisplaySettings.installedAssetsDirectory
        )
        if self.displayEnabled {
            do {
                try self.display.validate()
            } catch {
                throw ConfigurationError(key: "display", "\(error)")
            }
        }
        let metricsAddress = read.string("metrics.listen")
        if try read.bool("metrics.enabled", default: metricsAddress != nil) {
            self.metricsListen = try MetricsListenAddress(parsing: metricsAddress ?? "127.0.0.1:9808")
        } else {
            self.metricsListen = nil
        }
        self.logLevel = read.string("log.level") ?? "info"
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(self.logLevel) else {
            throw ConfigurationError(
                key: "log.level",
                "'\(self.logLevel)' must be trace, debug, info, notice, warning, error or critical."
            )
        }
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
        let loopback = host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]"
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw ConfigurationError(
                key: "vipps.baseURL",
                "must use https (plain http only for a simulator on loopback)."
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

    static func requireHTTPS(_ value: String, key: String, allowAppScheme: Bool) throws(ConfigurationError) {
        guard value.count <= 255, let url = URL(string: value), let scheme = url.scheme?.lowercased() else {
            throw ConfigurationError(key: key, "'\(value)' is not a URL of at most 255 characters.")
        }
        if scheme == "https" {
            guard let host = url.host?.lowercased(), host.contains("."), host != "localhost", !host.hasPrefix("127.")
            else {
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

/// `metrics.listen`: an IP address (IPv6 in brackets) or `localhost`, and a port.
public struct MetricsListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    init(parsing text: String) throws(ConfigurationError) {
        let problem = ConfigurationError(
            key: "metrics.listen",
            "'\(text)' must be host:port, e.g. 127.0.0.1:9808 or [::1]:9808 (0.0.0.0:9808 to let the shop's network scrape)."
        )
        guard let colon = text.lastIndex(of: ":") else { throw problem }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port), !host.isEmpty,
            host == "localhost" || host.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == ":" })
        else { throw problem }
        self.host = host
        self.port = port
    }

    public var description: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }
}

extension VippsEnvironment {
    var isLoopback: Bool {
        guard case .custom(let baseURL, _) = self, let host = URL(string: baseURL)?.host else { return false }
        return host == "127.0.0.1" || host == "localhost" || host == "::1"
    }
}

extension DaemonConfiguration {
    /// The default orderId prefix: unique to this box (``BoxPrefix``).
    static func boxOrderIdPrefix() throws(ConfigurationError) -> String {
        guard let prefix = BoxPrefix.derive() else {
            throw ConfigurationError(
                key: "payment.orderIdPrefix",
                "is not set and /etc/machine-id cannot be read to derive one unique to this box; set a prefix that "
                    + "no other box on this sales unit uses (for example the shop and till number, 'shop12-till3-')."
            )
        }
        return prefix
    }

    /// Group names as `groupadd` accepts them.
    static func groupNames(_ names: [String]) throws(ConfigurationError) -> [String] {
        for name in names {
            let valid =
                (1...32).contains(name.count)
                && name.unicodeScalars.allSatisfy {
                    $0.isASCII
                        && (CharacterSet.lowercaseLetters.contains($0) || CharacterSet.decimalDigits.contains($0)
                            || $0 == "_" || $0 == "-")
                }
            guard valid else {
                throw ConfigurationError(
                    key: "payment.refunds.allowedGroups",
                    "'\(name)' is not a group name (lower-case letters, digits, '_' and '-')."
                )
            }
        }
        return names
    }
}

/// Typed reads with range checks that name the key in the error.
private struct Reader {
    /// A list: a JSON array of strings, or one comma-separated string (as an environment variable gives it).
    func strings(_ key: String) -> [String]? {
        if let list = self.config.stringArray(forKey: ConfigKey(key)) {
            return list.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return self.string(key).map {
            $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    let config: ConfigReader

    /// A JSON file may hold a number where a string is expected (an MSN written 123456): accept both.
    func string(_ key: String) -> String? {
        let configKey = ConfigKey(key)
        let raw =
            self.config.string(forKey: configKey) ?? self.config.int(forKey: configKey).map(String.init)
            ?? self.config.bool(forKey: configKey).map { $0 ? "true" : "false" }
        return raw.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    func int(_ key: String, default value: Int, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        try self.optionalInt(key, range: range) ?? value
    }

    func optionalInt(_ key: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        if let number = self.config.int(forKey: ConfigKey(key)) {
            guard range.contains(number) else {
                throw ConfigurationError(key: key, "\(number) must be from \(range.lowerBound) to \(range.upperBound).")
            }
            return number
        }
        guard let text = self.string(key) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw ConfigurationError(
                key: key,
                "'\(text)' must be a whole number from \(range.lowerBound) to \(range.upperBound)."
            )
        }
        return number
    }

    func bool(_ key: String, default value: Bool) throws(ConfigurationError) -> Bool {
        guard let text = self.string(key) else { return value }
        switch text.lowercased() {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default: throw ConfigurationError(key: key, "'\(text)' must be true or false.")
        }
    }
}
