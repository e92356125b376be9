import Foundation

/// How numbers are written in a JSON document. `JSONDecoder` hands back `129` for both `129` and `129.00`; the control
/// API refuses the second for an amount in øre (it is almost certainly kroner), so it needs the text as sent.
enum NumberLiterals {
    struct Malformed: Error {}

    /// The literal of every number that is a direct member of the top-level object, by member name (all of them, in
    /// order, if a name repeats). Call it only on a document `JSONDecoder` has accepted as an object.
    static func topLevel(in bytes: [UInt8]) throws -> [String: [String]] {
        var literals: [String: [String]] = [:]
        var depth = 0
        var index = 0
        // At depth 1: the string just read (a member name until a ':' follows), and the member whose value comes next.
        var lastString: Range<Int>?
        var member: String?
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let start = index
                index += 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard index < bytes.count else { throw Malformed() }
                index += 1
                if depth == 1 {
                    if member == nil { lastString = start..<index } else { member = nil }
                }
                continue
            case UInt8(ascii: ":") where depth == 1:
                guard let range = lastString else { throw Malformed() }
                member = try Self.decodeString(Array(bytes[range]))
                lastString = nil
            case UInt8(ascii: ","):
                if depth == 1 { member = nil }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 1 { member = nil }
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = index
                while index < bytes.count, Self.isNumberByte(bytes[index]) { index += 1 }
                if depth == 1, let name = member {
                    literals[name, default: []].append(String(decoding: bytes[start..<index], as: UTF8.self))
                    member = nil
                }
                continue
            default:
                // Whitespace, and the letters of true, false and null: a value that is not a number.
                if depth == 1, member != nil, byte >= UInt8(ascii: "a"), byte <= UInt8(ascii: "z") { member = nil }
            }
            index += 1
        }
        return literals
    }

    /// Whether `literal` has a fraction or an exponent, however whole its value.
    static func isNotWhole(_ literal: String) -> Bool {
        literal.contains { $0 == "." || $0 == "e" || $0 == "E" }
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
            UInt8(ascii: "e"), UInt8(ascii: "E"):
            true
        default: false
        }
    }

    /// A member name as JSON writes it (quotes and escapes included) decoded to the name itself.
    private static func decodeString(_ bytes: [UInt8]) throws -> String {
        try JSONDecoder().decode(String.self, from: Data(bytes))
    }
}
