import Logging

/// Turns a log event's metadata into flat `key=value` pairs, the shape both log handlers write.
enum LogMetadataFields {
    /// Base metadata, then the provider's, then the call's own (each overriding the previous), then the error.
    static func merged(
        base: Logger.Metadata,
        provider: Logger.MetadataProvider?,
        explicit: Logger.Metadata?,
        error: (any Error)?
    ) -> Logger.Metadata {
        var metadata = base
        if let provided = provider?.get(), !provided.isEmpty {
            metadata.merge(provided) { _, provided in provided }
        }
        if let explicit, !explicit.isEmpty {
            metadata.merge(explicit) { _, explicit in explicit }
        }
        if let error {
            // The same keys swift-log's own handlers use, so queries work whichever handler is active.
            metadata["error.message"] = "\(error)"
            metadata["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        return metadata
    }

    /// Flattens nested values: `["payment": ["id": "p1"]]` gives `payment.id=p1`, and an array gives its key once
    /// per element (the journal keeps repeated fields, so `journalctl TAG=x` matches any of them).
    ///
    /// Keys are sorted so output is stable; array elements keep their order.
    static func flattened(_ metadata: Logger.Metadata) -> [(key: String, value: String)] {
        var pairs: [(key: String, value: String)] = []
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            self.flatten(value, path: key, into: &pairs)
        }
        return pairs
    }

    private static func flatten(
        _ value: Logger.MetadataValue,
        path: String,
        into pairs: inout [(key: String, value: String)]
    ) {
        switch value {
        case .string(let text):
            pairs.append((path, text))
        case .stringConvertible(let convertible):
            pairs.append((path, convertible.description))
        case .dictionary(let dictionary):
            for (key, nested) in dictionary.sorted(by: { $0.key < $1.key }) {
                self.flatten(nested, path: "\(path).\(key)", into: &pairs)
            }
        case .array(let elements):
            for element in elements {
                self.flatten(element, path: path, into: &pairs)
            }
        }
    }
}

/// The last line of defence against credentials in logs: values under secret-looking keys are replaced.
///
/// Code must not log secrets in the first place; this catches the slip where someone logs a whole header set or
/// configuration dictionary.
enum SecretRedaction {
    static let placeholder = "[redacted]"

    /// Matched against the normalised field name with underscores removed, so `clientSecret`, `client_secret`,
    /// `Ocp-Apim-Subscription-Key` and `subscriptionkey` are all caught.
    private static let secretWords = ["SECRET", "TOKEN", "PASSWORD", "AUTHORIZATION", "SUBSCRIPTIONKEY"]

    static func isSecret(fieldName: String) -> Bool {
        let compact = fieldName.filter { $0 != "_" }
        return self.secretWords.contains { compact.contains($0) }
    }

    /// Whether a metadata key (dotted, any case) names a secret.
    static func isSecret(metadataKey: String) -> Bool {
        self.isSecret(fieldName: JournalEntry.normalizedFieldName(metadataKey) ?? metadataKey.uppercased())
    }
}
