import Foundation

/// Reads the two secrets (client secret and subscription key) without ever logging or echoing them.
///
/// In order: systemd credentials (`$CREDENTIALS_DIRECTORY/vipps-client-secret`, `.../vipps-subscription-key`, set up by
/// `LoadCredential=`), then a file named by `vipps.clientSecretFile` / `vipps.subscriptionKeyFile` (which must not be
/// readable by group or others), then the environment (`VIPPS_CLIENT_SECRET`, `VIPPS_SUBSCRIPTION_KEY`).
///
/// Under systemd (`INVOCATION_ID` set) a secret from the environment is refused: a service's environment shows in
/// `systemctl show` to every local user and is kept in a core dump. There the secrets belong in the credentials
/// directory, which the unit loads with `LoadCredential=`.
package enum Secrets {
    /// Where the package keeps the secrets the unit loads with `LoadCredential=`.
    package static let credentialsDirectory = "/etc/qrpayd/credentials"

    package static let clientSecretCredential = "vipps-client-secret"
    package static let subscriptionKeyCredential = "vipps-subscription-key"

    /// Where a secret came from, for `qrpayctl doctor` and the start-up log (never the value).
    package enum Source: Sendable, Hashable, CustomStringConvertible {
        case credential(String)
        case file(String)
        case environment(String)

        package var description: String {
            switch self {
            case .credential(let name): "systemd credential \(name)"
            case .file(let path): "file \(path)"
            case .environment(let name): "environment variable \(name)"
            }
        }
    }

    package struct Secret: Sendable, Hashable, CustomStringConvertible {
        package let value: String
        package let source: Source
        package var description: String { "[secret from \(self.source)]" }
    }

    static func load(
        key: String,
        credential: String,
        file: String?,
        environmentName: String,
        environment: [String: String]
    ) throws(ConfigurationError) -> Secret {
        if let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty {
            let path = (directory as NSString).appendingPathComponent(credential)
            if FileManager.default.fileExists(atPath: path) {
                return Secret(value: try self.read(path, key: key, checkMode: false), source: .credential(credential))
            }
        }
        if let file, !file.isEmpty {
            return Secret(value: try self.read(file, key: key, checkMode: true), source: .file(file))
        }
        if let value = environment[environmentName], !value.isEmpty {
            if let invocation = environment["INVOCATION_ID"], !invocation.isEmpty {
                throw ConfigurationError(
                    key: key,
                    "comes from the environment variable \(environmentName), which qrpayd refuses under systemd "
                        + "(INVOCATION_ID is set): a service's environment shows in `systemctl show` and in core dumps. "
                        + "Put the secret in \(Self.credentialsDirectory)/\(credential) (mode 0600, owner root), which "
                        + "the unit loads with LoadCredential=\(credential):\(Self.credentialsDirectory)/\(credential), "
                        + "and remove \(environmentName) from the unit's environment."
                )
            }
            return Secret(
                value: value.trimmingCharacters(in: .whitespacesAndNewlines),
                source: .environment(environmentName)
            )
        }
        throw ConfigurationError(
            key: key,
            "is not set. Install it as the systemd credential '\(credential)' (LoadCredential=\(credential):"
                + "\(Self.credentialsDirectory)/\(credential)), or name a file with \(key)File, or (outside systemd "
                + "only) set \(environmentName)."
        )
    }

    private static func read(_ path: String, key: String, checkMode: Bool) throws(ConfigurationError) -> String {
        let mode: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o777
        } catch {
            throw ConfigurationError(key: key, "cannot read \(path): \(String(cString: strerror(errno))).")
        }
        if checkMode, mode & 0o077 != 0 {
            throw ConfigurationError(
                key: key,
                "\(path) is readable by group or others (mode \(String(mode & 0o777, radix: 8))); "
                    + "run `chmod 600 \(path)`."
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(key: key, "cannot read \(path).")
        }
        let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else {
            throw ConfigurationError(key: key, "\(path) is empty.")
        }
        guard !value.contains(where: { $0.isNewline || $0 == "\0" }), value.count <= 512 else {
            throw ConfigurationError(key: key, "\(path) must hold the secret alone on one line.")
        }
        return value
    }
}
