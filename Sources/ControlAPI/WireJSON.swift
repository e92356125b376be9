import Foundation

/// How the control API writes JSON: dates as `2026-11-21T10:00:00Z`, keys in a stable order, one line per document
/// (an SSE `data:` line must not contain a newline).
enum WireJSON {
    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func encode(_ value: some Encodable) throws -> Data {
        try self.makeEncoder().encode(value)
    }
}
