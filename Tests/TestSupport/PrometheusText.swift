import Foundation

/// A scrape in the Prometheus text format, read back into samples, for tests that judge metrics by what an operator's
/// Prometheus would see.
public struct PrometheusText: Sendable {
    public struct Sample: Sendable, Hashable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    public let samples: [Sample]
    /// `# TYPE` lines: metric family name → counter, gauge, histogram, ...
    public let types: [String: String]
    /// `# HELP` lines: metric family name → its description.
    public let helps: [String: String]

    /// Parses the text; a line that is not a comment, a blank or a well-formed sample is an error.
    public init(_ text: String) throws {
        var samples: [Sample] = []
        var types: [String: String] = [:]
        var helps: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# HELP ") {
                let parts = line.split(separator: " ", maxSplits: 3)
                if parts.count == 4 { helps[String(parts[2])] = String(parts[3]) }
                continue
            }
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                if parts.count == 4 { types[String(parts[2])] = String(parts[3]) }
                continue
            }
            if line.hasPrefix("#") { continue }
            samples.append(try Self.sample(String(line)))
        }
        self.samples = samples
        self.types = types
        self.helps = helps
    }

    public struct Malformed: Error, CustomStringConvertible {
        public var line: String
        public var description: String { "not a Prometheus sample: \(self.line)" }
    }

    private static func sample(_ line: String) throws -> Sample {
        var labels: [String: String] = [:]
        let name: String
        let rest: Substring
        if let open = line.firstIndex(of: "{") {
            name = String(line[..<open])
            guard let close = line.lastIndex(of: "}") else { throw Malformed(line: line) }
            var text = line[line.index(after: open)..<close]
            while !text.isEmpty {
                guard let equals = text.firstIndex(of: "=") else { throw Malformed(line: line) }
                let key = text[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: ", "))
                var index = text.index(after: equals)
                guard index < text.endIndex, text[index] == "\"" else { throw Malformed(line: line) }
                index = text.index(after: index)
                var value = ""
                while index < text.endIndex, text[index] != "\"" {
                    if text[index] == "\\" {
                        index = text.index(after: index)
                        guard index < text.endIndex else { throw Malformed(line: line) }
                        value.append(text[index] == "n" ? "\n" : text[index])
                    } else {
                        value.append(text[index])
                    }
                    index = text.index(after: index)
                }
                guard index < text.endIndex else { throw Malformed(line: line) }
                labels[key] = value
                text = text[text.index(after: index)...].drop { $0 == "," || $0 == " " }
            }
            rest = line[line.index(after: close)...]
        } else {
            guard let space = line.firstIndex(of: " ") else { throw Malformed(line: line) }
            name = String(line[..<space])
            rest = line[space...]
        }
        let fields = rest.split(separator: " ")
        guard let first = fields.first, let value = Double(first) ?? Self.special(first) else {
            throw Malformed(line: line)
        }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func special(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: nil
        }
    }

    /// The sum of every sample called `name` whose labels include `labels`.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        self.samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }.reduce(0) { $0 + $1.value }
    }

    /// Every metric family named in the scrape (histogram series folded into their family).
    public var familyNames: Set<String> {
        Set(self.types.keys)
    }
}
