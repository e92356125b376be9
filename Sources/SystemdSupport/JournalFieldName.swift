extension JournalEntry {
    /// The longest field name journald accepts.
    package static let maximumFieldNameLength = 64

    /// Turns a swift-log metadata key into a journal field name, or `nil` when nothing usable is left.
    ///
    /// Journal field names may contain only `A-Z`, `0-9` and `_`, may not start with `_` (reserved for fields
    /// journald itself adds) or a digit, and are at most 64 characters. So `payment.reference` becomes
    /// `PAYMENT_REFERENCE`, `orderId` becomes `ORDER_ID` (camel-case words are split), anything else becomes `_`
    /// (runs collapsed, trailing ones dropped), and leading `_` and digits are removed.
    package static func normalizedFieldName(_ key: String) -> String? {
        var name: [UInt8] = []
        name.reserveCapacity(key.utf8.count + 4)
        let scalars = Array(key.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            if Self.isWordBoundary(in: scalars, at: index) {
                Self.appendSeparator(to: &name)
            }
            switch scalar {
            case "a"..."z":
                name.append(UInt8(scalar.value) - 32)
            case "A"..."Z", "0"..."9":
                // Leading digits are not allowed; drop them as if they were not there.
                if name.isEmpty, case "0"..."9" = scalar { continue }
                name.append(UInt8(scalar.value))
            default:
                Self.appendSeparator(to: &name)
            }
        }
        if name.count > Self.maximumFieldNameLength {
            name.removeLast(name.count - Self.maximumFieldNameLength)
        }
        while name.last == UInt8(ascii: "_") {
            name.removeLast()
        }
        return name.isEmpty ? nil : String(decoding: name, as: UTF8.self)
    }

    /// `orderId` → boundary before `I`; `HTTPStatus` → boundary before `S`; `sha256Hash` → boundary before `H`.
    private static func isWordBoundary(in scalars: [Unicode.Scalar], at index: Int) -> Bool {
        let uppercase: ClosedRange<Unicode.Scalar> = "A"..."Z"
        let lowercase: ClosedRange<Unicode.Scalar> = "a"..."z"
        let digits: ClosedRange<Unicode.Scalar> = "0"..."9"
        guard index > 0, uppercase.contains(scalars[index]) else { return false }
        let previous = scalars[index - 1]
        if lowercase.contains(previous) || digits.contains(previous) {
            return true
        }
        let nextIsLowercase = index + 1 < scalars.count && lowercase.contains(scalars[index + 1])
        return uppercase.contains(previous) && nextIsLowercase
    }

    /// Adds one `_`, but never at the start (names may not begin with `_`) and never two in a row.
    private static func appendSeparator(to name: inout [UInt8]) {
        if let last = name.last, last != UInt8(ascii: "_") {
            name.append(UInt8(ascii: "_"))
        }
    }
}
