package import Configuration
import Foundation
import SystemPackage

extension QRPayConfiguration {
    /// Where packages install the configuration file.
    package static let defaultConfigFile = "/etc/qrpayd/qrpayd.json"

    /// Builds the configuration reader qrpayd and qrpayctl use: explicit overrides (command-line flags, demo mode),
    /// then the environment, then the JSON file. A missing file is fine only when it is the default path.
    package static func reader(
        file: String?,
        overrides: [String: String] = [:],
        environment: [String: String],
        readsFile: Bool = true
    ) async throws(ConfigurationError) -> ConfigReader {
        var providers: [any ConfigProvider] = []
        if !overrides.isEmpty {
            var values: [AbsoluteConfigKey: ConfigValue] = [:]
            for (key, value) in overrides {
                values[AbsoluteConfigKey(ConfigKey(key))] = ConfigValue(.string(value), isSecret: false)
            }
            providers.append(InMemoryProvider(name: "overrides", values: values))
        }
        providers.append(EnvironmentVariablesProvider(environmentVariables: environment))
        let path = file ?? environment["QRPAYD_CONFIG"] ?? Self.defaultConfigFile
        guard readsFile else { return ConfigReader(providers: providers) }
        do {
            providers.append(
                try await FileProvider<JSONSnapshot>(
                    filePath: FilePath(path),
                    allowMissing: file == nil && environment["QRPAYD_CONFIG"] == nil
                )
            )
        } catch {
            throw ConfigurationError(key: "config file", "cannot read \(path): \(error)")
        }
        return ConfigReader(providers: providers)
    }
}
