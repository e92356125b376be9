import ArgumentParser
import Foundation

/// An amount on the command line, with its unit: `129.00kr`, `129,00 kr`, `129 NOK` or `12900øre` (and `129 DKK`,
/// `12.50€`, `12.50 EUR` or `1250 cents` for a box taking DKK or EUR; the daemon knows its currency). A bare number is
/// refused: a cashier typing 129 means kroner, a till script passing 12900 means øre, and a guess either way charges
/// the customer 100 times too much or too little.
struct AmountArgument: Sendable, Equatable {
    /// The amount in øre, as the daemon takes it.
    var ore: Int

    static let syntax = "129.00kr, 129,00 kr, 129kr or 12900øre"

    init(ore: Int) { self.ore = ore }

    /// Reads `text`; throws a usage error that says how to write it.
    init(parsing text: String, name: String) throws(ValidationError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let lower = trimmed.lowercased()
        let units: [(suffix: String, isKroner: Bool)] = [
            ("kr", true), ("nok", true), ("dkk", true), ("eur", true), ("€", true), ("øre", false), ("ore", false),
            ("cents", false), ("cent", false),
        ]
        guard let unit = units.first(where: { lower.hasSuffix($0.suffix) }) else {
            if trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == ",") }), !trimmed.isEmpty {
                throw ValidationError(
                    "\(name) '\(text)' has no unit: write \(trimmed.contains(where: { $0 == "." || $0 == "," }) ? "\(trimmed)kr" : "\(trimmed)kr or \(trimmed)øre") "
                        + "(\(Self.syntax)). A bare number could be kroner or øre."
                )
            }
            throw ValidationError("\(name) '\(text)' is not an amount; write it with its unit: \(Self.syntax).")
        }
        let number = String(lower.dropLast(unit.suffix.count)).trimmingCharacters(in: .whitespaces)
        let ore = unit.isKroner ? Self.kroner(number) : Self.wholeOre(number)
        guard let ore else {
            throw ValidationError(
                unit.isKroner
                    ? "\(name) '\(text)': kroner are written 129, 129.00 or 129,00 (at most two decimals)."
                    : "\(name) '\(text)': øre are a whole number, e.g. 12900øre."
            )
        }
        guard ore > 0 else { throw ValidationError("\(name) '\(text)' must be more than zero.") }
        self.ore = ore
    }

    /// `129`, `129.5`, `129.00` or `129,00` kroner in øre.
    private static func kroner(_ text: String) -> Int? {
        let parts = text.split(separator: text.contains(",") ? "," : ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Self.digits(parts[0]) else { return nil }
        var ore = 0
        if parts.count == 2 {
            guard (1...2).contains(parts[1].count), let fraction = Self.digits(parts[1]) else { return nil }
            ore = parts[1].count == 1 ? fraction * 10 : fraction
        }
        let (product, overflow) = whole.multipliedReportingOverflow(by: 100)
        guard !overflow else { return nil }
        return product + ore
    }

    private static func wholeOre(_ text: String) -> Int? {
        Self.digits(Substring(text))
    }

    private static func digits(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 12, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}
