package import Configuration
import Foundation

/// Typed reads of qrpayd's settings with range checks that name the key in the error. Each module reads its own
/// settings through one of these (`init(settings:)`), so every key is read, and explained, the same way.
package struct SettingsReader: Sendable {
    let config: ConfigReader

    package init(config: ConfigReader) {
        self.config = config
    }

    /// A JSON file may hold a number where a string is expected (an MSN written 123456): accept both.
    package func string(_ key: String) -> String? {
        let configKey = ConfigKey(key)
        let raw =
            self.config.string(forKey: configKey) ?? self.config.int(forKey: configKey).map(String.init)
            ?? self.config.bool(forKey: configKey).map { $0 ? "true" : "false" }
        return raw.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A list: a JSON array of strings, or one comma-separated string (as an environment variable gives it).
    package func strings(_ key: String) -> [String]? {
        if let list = self.config.stringArray(forKey: ConfigKey(key)) {
            return list.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return self.string(key).map {
            $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    package func int(_ key: String, default value: Int, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        try self.optionalInt(key, range: range) ?? value
    }

    package func optionalInt(_ key: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
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

    package func bool(_ key: String, default value: Bool) throws(ConfigurationError) -> Bool {
        guard let text = self.string(key) else { return value }
        switch text.lowercased() {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default: throw ConfigurationError(key: key, "'\(text)' must be true or false.")
        }
    }
}
