/// A setting qrpayd refuses to start with. The message names the setting and says what would be accepted.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configuration key, e.g. `vipps.merchantSerialNumber`.
    public var key: String
    public var message: String

    public init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "\(self.key): \(self.message)" }
}
