/// Reads a journal native-protocol datagram back into fields, independently of the code that wrote it.
struct ParsedJournalEntry {
    struct Malformed: Error, CustomStringConvertible {
        let reason: String
        var description: String { "malformed journal datagram: \(self.reason)" }
    }

    /// Every field in order, values as raw bytes.
    private(set) var fields: [(name: String, value: [UInt8])] = []
    /// Names of fields that used the binary (length-prefixed) framing.
    private(set) var binaryFramedNames: Set<String> = []

    init(_ datagram: [UInt8]) throws {
        var index = 0
        while index < datagram.count {
            guard
                let end = datagram[index...].firstIndex(where: { $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "\n") })
            else { throw Malformed(reason: "field without = or newline at \(index)") }
            let name = String(decoding: datagram[index..<end], as: UTF8.self)
            if datagram[end] == UInt8(ascii: "=") {
                guard let lineEnd = datagram[(end + 1)...].firstIndex(of: UInt8(ascii: "\n")) else {
                    throw Malformed(reason: "\(name) is not terminated")
                }
                self.fields.append((name, Array(datagram[(end + 1)..<lineEnd])))
                index = lineEnd + 1
            } else {
                let lengthStart = end + 1
                guard lengthStart + 8 <= datagram.count else { throw Malformed(reason: "\(name) has no length") }
                var length: UInt64 = 0
                for (shift, byte) in datagram[lengthStart..<(lengthStart + 8)].enumerated() {
                    length |= UInt64(byte) << (8 * UInt64(shift))
                }
                let valueStart = lengthStart + 8
                let valueEnd = valueStart + Int(length)
                guard valueEnd < datagram.count, datagram[valueEnd] == UInt8(ascii: "\n") else {
                    throw Malformed(reason: "\(name) length \(length) does not match the data")
                }
                self.fields.append((name, Array(datagram[valueStart..<valueEnd])))
                self.binaryFramedNames.insert(name)
                index = valueEnd + 1
            }
        }
    }

    /// All values of `name`, as text.
    func values(_ name: String) -> [String] {
        self.fields.filter { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
    }

    /// The only value of `name`, or `nil` if it is missing or repeated.
    subscript(_ name: String) -> String? {
        let values = self.values(name)
        return values.count == 1 ? values[0] : nil
    }

    var names: [String] { self.fields.map(\.name) }
}
