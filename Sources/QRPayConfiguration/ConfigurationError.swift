/// A setting qrpayd refuses to start with. The message names the setting and says what would be accepted.
package struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configuration key, e.g. `vipps.merchantSerialNumber`.
    package var key: String
    package var message: String

    package init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }

    package var description: String { "\(self.key): \(self.message)" }
}
