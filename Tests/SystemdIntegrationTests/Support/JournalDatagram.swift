/// One journal entry as journald's native protocol carries it, read back independently of the code that wrote it:
/// `NAME=value\n`, or `NAME\n` + a little-endian 64-bit length + the raw value + `\n` for values with newlines.
struct JournalDatagram: Sendable, CustomStringConvertible {
    struct Malformed: Error, CustomStringConvertible {
        let reason: String
        var description: String { "malformed journal datagram: \(self.reason)" }
    }

    /// Every field in order (a name may repeat).
    let fields: [(name: String, value: String)]

    init(_ bytes: [UInt8]) throws {
        var fields: [(name: String, value: String)] = []
        var index = 0
        while index < bytes.count {
            guard let end = bytes[index...].firstIndex(where: { $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "\n") })
            else { throw Malformed(reason: "a field without '=' or newline at byte \(index)") }
            let name = String(decoding: bytes[index..<end], as: UTF8.self)
            guard !name.isEmpty, name.utf8.allSatisfy(Self.isFieldNameByte), name.first != "_" else {
                throw Malformed(reason: "invalid field name '\(name)'")
            }
            if bytes[end] == UInt8(ascii: "=") {
                guard let lineEnd = bytes[(end + 1)...].firstIndex(of: UInt8(ascii: "\n")) else {
                    throw Malformed(reason: "\(name) is not terminated by a newline")
                }
                fields.append((name, String(decoding: bytes[(end + 1)..<lineEnd], as: UTF8.self)))
                index = lineEnd + 1
            } else {
                let start = end + 1
                guard start + 8 <= bytes.count else { throw Malformed(reason: "\(name) has no length") }
                let length = bytes[start..<(start + 8)].enumerated().reduce(UInt64(0)) {
                    $0 | UInt64($1.element) << (8 * UInt64($1.offset))
                }
                let valueEnd = start + 8 + Int(length)
                guard valueEnd < bytes.count, bytes[valueEnd] == UInt8(ascii: "\n") else {
                    throw Malformed(reason: "\(name) has length \(length), which does not match the datagram")
                }
                fields.append((name, String(decoding: bytes[(start + 8)..<valueEnd], as: UTF8.self)))
                index = valueEnd + 1
            }
        }
        self.fields = fields
    }

    private static func isFieldNameByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "_")
    }

    /// The first value of `name`.
    subscript(_ name: String) -> String? {
        self.fields.first { $0.name == name }?.value
    }

    var names: Set<String> { Set(self.fields.map(\.name)) }

    var description: String { self.fields.map { "\($0.name)=\($0.value)" }.joined(separator: " ") }
}
