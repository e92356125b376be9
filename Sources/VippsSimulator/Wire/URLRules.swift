import Foundation

/// The URL checks Vipps applies to `fallBack` and `callbackPrefix` (it uses a URL validator and requires a
/// resolvable host; offline, "has a dot and is not loopback" stands in for resolvable).
enum URLRules {
    static let maximumLength = 255

    static func isValidCallbackPrefix(_ text: String) -> Bool {
        guard text.count <= maximumLength, let components = URLComponents(string: text) else { return false }
        return components.scheme?.lowercased() == "https" && isPublicHost(components.host)
    }

    /// HTTPS to a public host, or a custom app scheme such as `myapp://done`.
    static func isValidFallBack(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= maximumLength, let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased()
        else { return false }
        switch scheme {
        case "https": return isPublicHost(components.host)
        case "http": return false
        default: return text.contains("://")
        }
    }

    private static func isPublicHost(_ host: String?) -> Bool {
        guard let host = host?.lowercased(), !host.isEmpty else { return false }
        let loopback =
            host == "localhost" || host.hasSuffix(".localhost") || host.hasPrefix("127.")
            || host == "0.0.0.0" || host.contains(":")
        return !loopback && host.contains(".")
    }
}
