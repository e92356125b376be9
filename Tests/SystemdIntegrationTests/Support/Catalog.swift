import Foundation
import TestSupport

/// The entries of a journal message catalog file (`-- <MESSAGE_ID>` blocks), read the way journalctl reads them.
struct CatalogFile {
    struct Entry {
        let messageID: String
        var headers: [String: String] = [:]
        var body = ""

        /// The `@FIELD@` names the entry substitutes.
        var substitutedFields: Set<String> {
            let text = self.headers.values.joined(separator: "\n") + "\n" + self.body
            let parts = text.split(separator: "@", omittingEmptySubsequences: false)
            var fields: Set<String> = []
            // Between two '@' (odd positions) is a field name when it looks like one.
            for (index, part) in parts.enumerated() where index % 2 == 1 {
                if !part.isEmpty, part.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) {
                    fields.insert(String(part))
                }
            }
            return fields
        }
    }

    /// The repository's catalog.
    static let url = packageRoot.appendingPathComponent("systemd/qrpayd.catalog")

    private(set) var entries: [String: Entry] = [:]
    private(set) var order: [String] = []

    init(contentsOf url: URL = CatalogFile.url) throws {
        var current: Entry?
        var inBody = false
        for line in try String(contentsOf: url, encoding: .utf8).split(
            separator: "\n",
            omittingEmptySubsequences: false
        ) {
            if line.hasPrefix("#") { continue }
            if line.hasPrefix("-- ") {
                if let current { self.add(current) }
                current = Entry(messageID: String(line.dropFirst(3).split(separator: " ").first ?? ""))
                inBody = false
                continue
            }
            guard var entry = current else { continue }
            if !inBody {
                if line.isEmpty {
                    inBody = true
                } else if let colon = line.firstIndex(of: ":") {
                    entry.headers[String(line[..<colon])] = line[line.index(after: colon)...]
                        .trimmingCharacters(in: .whitespaces)
                }
            } else {
                entry.body += line + "\n"
            }
            current = entry
        }
        if let current { self.add(current) }
    }

    private mutating func add(_ entry: Entry) {
        var entry = entry
        entry.body = entry.body.trimmingCharacters(in: .whitespacesAndNewlines)
        self.entries[entry.messageID] = entry
        self.order.append(entry.messageID)
    }
}
