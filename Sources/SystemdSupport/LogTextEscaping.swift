/// Makes untrusted text safe to put on one log line.
///
/// Anything a till sends may end up in a log value. Newlines and other control characters are shown as escapes
/// (`\n`, `\t`, `\u{1B}`), so a value can never start a line of its own that looks like it came from the daemon.
/// Unicode line and paragraph separators and bidirectional-override characters are escaped for the same reason:
/// some viewers act on them.
enum LogTextEscaping {
    /// Escapes control characters and backslashes; leaves spaces, quotes and `=` alone (for messages).
    static func escaped(_ text: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            self.append(scalar, to: &result, escapingQuotes: false)
        }
        return result
    }

    /// A `key=value` token: escaped like ``escaped(_:)``, and quoted when it is empty or contains a space, a quote
    /// or `=`, so the next token can always be found.
    static func token(_ text: String) -> String {
        let needsQuotes =
            text.isEmpty
            || text.unicodeScalars.contains { $0 == " " || $0 == "\"" || $0 == "=" || self.needsEscape($0) }
        guard needsQuotes else { return text }
        var result = "\""
        for scalar in text.unicodeScalars {
            self.append(scalar, to: &result, escapingQuotes: true)
        }
        result.unicodeScalars.append("\"")
        return result
    }

    private static func append(_ scalar: Unicode.Scalar, to result: inout String, escapingQuotes: Bool) {
        switch scalar {
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case "\\": result += "\\\\"
        case "\"" where escapingQuotes: result += "\\\""
        case _ where self.needsEscape(scalar):
            result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        default: result.unicodeScalars.append(scalar)
        }
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true  // C0 and C1 controls, DEL
        case 0x2028, 0x2029: true  // line and paragraph separators
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true  // bidirectional controls
        case 0x5C: true  // backslash, so escapes stay unambiguous
        default: false
        }
    }
}
