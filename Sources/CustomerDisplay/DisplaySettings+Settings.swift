package import QRPayConfiguration

extension DisplaySettings {
    /// Reads `display.*` (all but `display.enabled`, which the daemon reads to decide whether to serve the page).
    /// The values are checked by ``validate()`` when the page is served.
    ///
    /// - Throws: ``ConfigurationError`` naming the first bad setting.
    package init(settings read: SettingsReader) throws(ConfigurationError) {
        let languageName = read.string("display.language") ?? Language.norwegian.rawValue
        guard let language = Language(rawValue: languageName) else {
            throw ConfigurationError(key: "display.language", "'\(languageName)' must be 'nb', 'da', 'fi' or 'en'.")
        }
        let brandName = read.string("display.brand") ?? Brand.vipps.rawValue
        guard let brand = Brand(rawValue: brandName) else {
            throw ConfigurationError(key: "display.brand", "'\(brandName)' must be 'vipps' or 'mobilepay'.")
        }
        self.init(
            shopName: read.string("display.shopName") ?? "qrpayd",
            language: language,
            brand: brand,
            accentColor: read.string("display.accentColor") ?? brand.defaultAccentColor,
            paidScreenDuration: .seconds(try read.int("display.paidSeconds", default: 8, range: 1...600)),
            host: read.string("display.host") ?? "127.0.0.1",
            port: try read.int("display.port", default: 8765, range: 0...65535),
            assetsDirectory: read.string("display.assetsDirectory") ?? DisplaySettings.installedAssetsDirectory,
            maxScreens: try read.int("display.maxScreens", default: 8, range: 1...64)
        )
    }
}
