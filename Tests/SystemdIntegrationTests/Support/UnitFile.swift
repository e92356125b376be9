import Foundation

/// A systemd unit (or any INI-style file systemd reads), parsed just enough to check settings: sections of
/// `Key=value` assignments, comments and continuation lines handled, repeated keys kept in order.
struct UnitFile {
    private(set) var sections: [String: [(key: String, value: String)]] = [:]

    init(contentsOf url: URL) throws {
        try self.init(text: String(contentsOf: url, encoding: .utf8))
    }

    init(text: String) {
        var section = ""
        var pending = ""
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = pending + rawLine.trimmingCharacters(in: .whitespaces)
            pending = ""
            if line.hasPrefix("#") || line.hasPrefix(";") || line.isEmpty { continue }
            if line.hasSuffix("\\") {
                line.removeLast()
                pending = line + " "
                continue
            }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            self.sections[section, default: []].append((key, value))
        }
    }

    /// Every value of `key` in `section`, in order.
    func values(_ section: String, _ key: String) -> [String] {
        (self.sections[section] ?? []).filter { $0.key == key }.map(\.value)
    }

    /// The last value of `key` in `section` (what systemd uses for single-valued settings).
    func value(_ section: String, _ key: String) -> String? {
        self.values(section, key).last
    }
}
