package import Configuration

/// The settings `qrpayd` and `qrpayctl` both read: which Vipps sales unit, with which secrets, and how the daemon runs
/// on this box. The payment engine's and the customer screen's own settings are read by their modules
/// (`EngineConfiguration(settings:vipps:)`, `DisplaySettings(settings:)`); the daemon puts the three together.
///
/// Sources, first match wins: explicit overrides, environment variables (`VIPPS_MERCHANT_SERIAL_NUMBER` for
/// `vipps.merchantSerialNumber`), then the JSON file (`/etc/qrpayd/qrpayd.json`, or `--config`). Secrets: see
/// ``Secrets``.
package struct QRPayConfiguration: Sendable {
    package var vipps: VippsSettings
    package var service: ServiceSettings

    /// Reads and checks every setting of both parts.
    ///
    /// - Throws: ``ConfigurationError`` naming the first bad setting.
    package init(settings: SettingsReader, environment: [String: String]) throws(ConfigurationError) {
        self.vipps = try VippsSettings(settings: settings, environment: environment)
        self.service = try ServiceSettings(settings: settings, environment: environment)
    }

    package init(config: ConfigReader, environment: [String: String]) throws(ConfigurationError) {
        try self.init(settings: SettingsReader(config: config), environment: environment)
    }
}
