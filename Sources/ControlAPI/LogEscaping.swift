/// Makes text a till sent safe to put in a log line: no control characters (a newline could forge a journal line),
/// no non-ASCII look-alikes, and never longer than `limit` characters.
enum LogEscaping {
    static func escape(_ text: some StringProtocol, limit: Int = 200) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if result.count >= limit {
                result += "…"
                break
            }
            if scalar.isASCII, scalar.value >= 0x20, scalar.value != 0x7F, scalar != "\\" {
                result.unicodeScalars.append(scalar)
            } else if scalar == "\\" {
                result += "\\\\"
            } else {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            }
        }
        return result
    }
}
