package import Configuration
package import CustomerDisplay
package import PaymentCore
package import QRPayConfiguration
import VippsAPI

/// Everything qrpayd needs to run, read once at start-up and validated as a whole: the settings `qrpayctl` reads too
/// (``QRPayConfiguration``: Vipps and the service), the payment engine's (`EngineConfiguration(settings:vipps:)`) and
/// the customer screen's (`DisplaySettings(settings:)`), each read by its own module, and the checks across them.
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
/// - `payment.orderIdPrefix` (default `qp` and six hex digits from `/etc/machine-id`, unique to the box; a fixed one
///   is warned about), `payment.settlement` (`auto`/`till`), `payment.pollIntervalMilliseconds`
///   (default 1000), `payment.currency` (`NOK` default; `DKK`, `EUR` with `vipps.api` `epayment`),
///   `payment.minimumAmount` (minor units, default 100), `payment.maximumAmount` (minor units, default 1000000),
///   `payment.defaultText`,
///   `payment.refunds.enabled`, `payment.refunds.maximumPerRefund`, `payment.refunds.maximumPerDay`.
/// - `qr.mode` (`qr-api` default, or `payment-url`), `qr.moduleSize` (px, default 10), `qr.errorCorrection` (L/M/Q/H).
/// - `control.socketPath` (default `/run/qrpayd/control.sock`), `control.socketMode` (octal, default `0660`).
/// - `state.directory` (default `$STATE_DIRECTORY` or `/var/lib/qrpayd`), `state.retention` (days a final, settled
///   payment is kept after its last change, default 400).
/// - `display.enabled`, `display.port` (8765), `display.shopName`, `display.language` (`nb`/`da`/`fi`/`en`),
///   `display.brand` (`vipps`/`mobilepay`), `display.accentColor` (default: the brand's colour), `display.paidSeconds`,
///   `display.assetsDirectory`.
/// - `metrics.enabled` (default false, or true when `metrics.listen` is set), `metrics.listen` (`host:port`, default
///   `127.0.0.1:9808`): Prometheus metrics over TCP. `GET /metrics` on the control socket works either way.
/// - `log.level` (`info`).
package struct DaemonConfiguration: Sendable {
    /// Which Vipps sales unit, with which secrets and API.
    package var vipps: VippsSettings
    /// The control socket, the state directory, metrics and logging.
    package var service: ServiceSettings
    package var engine: EngineConfiguration
    /// `display.enabled`: whether qrpayd serves the customer screen.
    package var displayEnabled: Bool
    package var display: DisplaySettings
    /// Settings that are valid but risky, `key: why` each: `qrpayd --check-config` and `qrpayctl doctor` show them and
    /// the daemon logs them at start.
    package var warnings: [String] = []

    /// Reads and checks every setting.
    ///
    /// - Throws: ``ConfigurationError`` naming the first bad setting.
    package init(config: ConfigReader, environment: [String: String]) throws(ConfigurationError) {
        let read = SettingsReader(config: config)
        let shared = try QRPayConfiguration(settings: read, environment: environment)
        self.vipps = shared.vipps
        self.service = shared.service
        self.engine = try EngineConfiguration(settings: read, vipps: shared.vipps)
        if let prefix = read.string("payment.orderIdPrefix") {
            self.warnings.append(
                "payment.orderIdPrefix: '\(prefix)' is fixed in the configuration, so every box given this file sends "
                    + "the same orderIds: two boxes of one sales unit collide (a payment looked up after a lost answer "
                    + "is the other box's). Remove it to use the prefix unique to this box, drawn from /etc/machine-id"
                    + (BoxPrefix.derive().map { " (\($0))" } ?? "") + "."
            )
        }
        self.displayEnabled = try read.bool("display.enabled", default: true)
        self.display = try DisplaySettings(settings: read)
        guard self.display.brand == .vipps || self.vipps.api == .epayment else {
            throw ConfigurationError(
                key: "display.brand",
                "'mobilepay' needs vipps.api 'epayment': only the ePayment API reaches MobilePay users."
            )
        }
        if self.displayEnabled {
            do {
                try self.display.validate()
            } catch {
                throw ConfigurationError(key: "display", "\(error)")
            }
        }
    }
}
