import Foundation
package import QRPayConfiguration
import QRRendering
import VippsAPI

extension EngineConfiguration {
    /// Reads and checks `payment.*` and `qr.*`; the API, currency and URLs come from the Vipps settings already read.
    ///
    /// - Throws: ``ConfigurationError`` naming the first bad setting.
    package init(settings read: SettingsReader, vipps: VippsSettings) throws(ConfigurationError) {
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
        let floor = vipps.currency.minimumAmount
        let minimumAmount = try read.int("payment.minimumAmount", default: floor, range: floor...65_000_000)
        guard minimumAmount <= maximumAmount else {
            throw ConfigurationError(
                key: "payment.minimumAmount",
                "\(minimumAmount) øre is above payment.maximumAmount (\(maximumAmount) øre); no payment could be taken."
            )
        }
        let defaultText = read.string("payment.defaultText") ?? "Betaling"
        do throws(VippsCreateLimits.Violation) {
            // The text of every sale without one: it must pass what the configured API accepts.
            try VippsCreateLimits(vipps.api).checkText(defaultText, field: "payment.defaultText")
        } catch {
            throw ConfigurationError(key: "payment.defaultText", "\(error.detail) (It is shown in the app.)")
        }
        let refunds = RefundPolicy(
            enabled: try read.bool("payment.refunds.enabled", default: true),
            maximumPerRefund: try read.optionalInt("payment.refunds.maximumPerRefund", range: 1...65_000_000),
            maximumPerDay: try read.optionalInt("payment.refunds.maximumPerDay", range: 1...650_000_000),
            allowedGroups: try Self.groupNames(read.strings("payment.refunds.allowedGroups") ?? ["qrpay-refund"])
        )

        let retentionDays = try read.int("state.retention", default: 400, range: 1...36_500)

        let modeName = read.string("qr.mode") ?? QRMode.qrAPI.rawValue
        guard let qrMode = QRMode(rawValue: modeName) else {
            throw ConfigurationError(key: "qr.mode", "'\(modeName)' must be 'qr-api' or 'payment-url'.")
        }
        let moduleSize = try read.int("qr.moduleSize", default: 10, range: 2...40)
        let levelName = read.string("qr.errorCorrection") ?? "M"
        guard let level = ErrorCorrection(rawValue: levelName.uppercased()) else {
            throw ConfigurationError(key: "qr.errorCorrection", "'\(levelName)' must be L, M, Q or H.")
        }
        self.init(
            orderIdPrefix: prefix,
            api: vipps.api,
            currency: vipps.currency,
            settlement: settlement,
            qrMode: qrMode,
            qrOptions: QRRenderOptions(errorCorrection: level, size: .moduleSize(moduleSize)),
            pollInterval: .milliseconds(poll),
            minimumAmount: minimumAmount,
            maximumAmount: maximumAmount,
            defaultText: defaultText,
            fallBackURL: vipps.fallBackURL,
            callbackPrefix: vipps.callbackPrefix,
            refunds: refunds,
            callBudgetMargin: vipps.requestTimeout,
            boxIdentity: BoxIdentity.derive(),
            retention: .seconds(retentionDays * 86_400)
        )
    }

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
