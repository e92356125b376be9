import Foundation
import QRPayConfiguration

/// How the customer display is served and how it looks.
public struct DisplaySettings: Sendable {
    /// The language of every word on the page.
    public enum Language: String, Sendable, Codable, CaseIterable {
        case norwegian = "nb"
        case danish = "da"
        case finnish = "fi"
        case english = "en"
    }

    /// Whose name and mark the page shows: Vipps in Norway, MobilePay in Denmark and Finland (ePayment only).
    public enum Brand: String, Sendable, Codable, CaseIterable {
        case vipps
        case mobilepay

        /// The brand's own colour, the accent unless `display.accentColor` says otherwise.
        public var defaultAccentColor: String {
            switch self {
            case .vipps: "#FF5B24"
            case .mobilepay: "#5A78FF"
            }
        }
    }

    /// Where the page is served. Only loopback addresses pass ``validate()``.
    public var host: String = "127.0.0.1"
    /// 0 picks a free port (tests); the kiosk unit expects 8765.
    public var port: Int = 8765
    /// Shown on the idle screen.
    public var shopName: String
    public var language: Language
    public var brand: Brand
    /// `#RRGGBB`; the header band and the idle mark use it.
    public var accentColor: String
    /// How long an outcome (paid, declined, ...) stays up before the page returns to idle on its own,
    /// unless the next payment starts first.
    public var paidScreenDuration: Duration
    /// The directory holding `index.html` and the files served under `/assets/`.
    public var assetsDirectory: String
    /// Pages that may hold the event stream open at once (`display.maxScreens`); one more is answered 503.
    public var maxScreens: Int = 8

    /// Where packages install the page.
    public static let installedAssetsDirectory = "/usr/share/qrpayd/display"

    public init(
        shopName: String,
        language: Language = .norwegian,
        brand: Brand = .vipps,
        accentColor: String = "#FF5B24",
        paidScreenDuration: Duration = .seconds(8),
        host: String = "127.0.0.1",
        port: Int = 8765,
        assetsDirectory: String = DisplaySettings.installedAssetsDirectory,
        maxScreens: Int = 8
    ) {
        self.shopName = shopName
        self.language = language
        self.brand = brand
        self.accentColor = accentColor
        self.paidScreenDuration = paidScreenDuration
        self.host = host
        self.port = port
        self.assetsDirectory = assetsDirectory
        self.maxScreens = maxScreens
    }

    /// The outcome screen may stay up between one second and ten minutes.
    public static let paidScreenDurationRange: ClosedRange<Duration> = .seconds(1) ... .seconds(600)
    /// Longer names do not fit the idle screen of an 800×480 panel.
    public static let maximumShopNameLength = 60

    /// Checks every setting once at start-up, so a typo fails loudly instead of leaving the customer screen blank.
    ///
    /// - Throws: ``DisplaySettingsError`` naming the first bad setting.
    public func validate() throws(DisplaySettingsError) {
        guard Loopback.isAddress(self.host) else {
            throw DisplaySettingsError(
                code: .hostNotLoopback,
                message: "display host \(self.host) is not a loopback address; use 127.0.0.1 or ::1 so the page "
                    + "is only reachable from this box"
            )
        }
        guard (0...65535).contains(self.port) else {
            throw DisplaySettingsError(code: .invalidPort, message: "display port \(self.port) is not in 0...65535")
        }
        let trimmedName = self.shopName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmedName.isEmpty, self.shopName.count <= Self.maximumShopNameLength,
            !self.shopName.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw DisplaySettingsError(
                code: .invalidShopName,
                message: "shop name must be 1 to \(Self.maximumShopNameLength) characters without control characters"
            )
        }
        guard Self.isHexColor(self.accentColor) else {
            throw DisplaySettingsError(
                code: .invalidAccentColor,
                message: "accent colour \(self.accentColor) is not of the form #RRGGBB"
            )
        }
        guard Self.paidScreenDurationRange.contains(self.paidScreenDuration) else {
            throw DisplaySettingsError(
                code: .invalidPaidScreenDuration,
                message: "paid screen duration \(self.paidScreenDuration) is not between 1 s and 10 min"
            )
        }
        let indexPath = URL(fileURLWithPath: self.assetsDirectory).appendingPathComponent("index.html").path
        guard FileManager.default.isReadableFile(atPath: indexPath) else {
            throw DisplaySettingsError(
                code: .assetsMissing,
                message: "no readable index.html in display assets directory \(self.assetsDirectory)"
            )
        }
    }

    static func isHexColor(_ text: String) -> Bool {
        guard text.hasPrefix("#") else {
            return false
        }
        let digits = text.dropFirst()
        return digits.count == 6 && digits.allSatisfy { $0.isASCII && $0.isHexDigit }
    }
}
