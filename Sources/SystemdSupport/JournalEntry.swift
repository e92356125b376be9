/// One journal entry in systemd's native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL), ready to send as a
/// single datagram to `/run/systemd/journal/socket`.
///
/// A value without a newline is written as `NAME=value\n`; a value containing one as `NAME\n`, its length as a
/// little-endian `UInt64`, the raw bytes, and `\n`. Field names are normalised with ``normalizedFieldName(_:)``
/// and values are capped at ``maximumValueSize`` bytes so one runaway value cannot make the datagram too large.
package struct JournalEntry: Sendable, Hashable {
    /// One `NAME=value` pair. A name may repeat: the journal keeps every value.
    package struct Field: Sendable, Hashable {
        package let name: String
        package let value: [UInt8]
    }

    /// The default cap on one value, in bytes.
    package static let defaultMaximumValueSize = 64 * 1024

    /// What replaces the tail of a value longer than ``maximumValueSize``.
    package static let truncationMarker = "…[truncated]"

    /// Values longer than this many bytes are cut, at a UTF-8 boundary, and end with ``truncationMarker``.
    package let maximumValueSize: Int

    package private(set) var fields: [Field] = []

    package init(maximumValueSize: Int = JournalEntry.defaultMaximumValueSize) {
        self.maximumValueSize = max(maximumValueSize, Self.truncationMarker.utf8.count)
    }

    /// Adds a field. The name is normalised; a name that normalises to nothing is dropped.
    ///
    /// - Returns: Whether the field was added.
    @discardableResult
    package mutating func append(_ name: String, _ value: String) -> Bool {
        guard let fieldName = Self.normalizedFieldName(name) else { return false }
        self.append(validFieldName: fieldName, value)
        return true
    }

    /// Adds a field whose name is already normalised, skipping the work of normalising it again.
    mutating func append(validFieldName name: String, _ value: String) {
        self.fields.append(Field(name: name, value: self.capped(Array(value.utf8))))
    }

    /// The datagram for this entry.
    package func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(self.fields.reduce(0) { $0 + $1.name.utf8.count + $1.value.count + 10 })
        for field in self.fields {
            bytes.append(contentsOf: field.name.utf8)
            if field.value.contains(UInt8(ascii: "\n")) {
                bytes.append(UInt8(ascii: "\n"))
                withUnsafeBytes(of: UInt64(field.value.count).littleEndian) { bytes.append(contentsOf: $0) }
            } else {
                bytes.append(UInt8(ascii: "="))
            }
            bytes.append(contentsOf: field.value)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    private func capped(_ value: [UInt8]) -> [UInt8] {
        guard value.count > self.maximumValueSize else { return value }
        let marker = Array(Self.truncationMarker.utf8)
        var end = self.maximumValueSize - marker.count
        // Never cut inside a multi-byte character: back up over UTF-8 continuation bytes (0b10xxxxxx).
        while end > 0, value[end] & 0b1100_0000 == 0b1000_0000 {
            end -= 1
        }
        return Array(value[..<end]) + marker
    }
}
