import Foundation
import Hummingbird
import JSONValues
import NIOCore
import PaymentCore

/// The JSON object of a request body, read within a size limit and checked field by field, so that every mistake a
/// till can make is answered with `invalid-request` naming the field, before anything changes.
struct RequestFields: Sendable {
    /// The largest body a till may send (CONTROL-API: 16 KiB).
    static let maximumBodySize = 16 * 1024

    private let fields: [String: JSONValue]
    /// How each number among the fields was written, because the value alone cannot tell `129.00` from `129`.
    private let numberLiterals: [String: [String]]

    /// Reads the body of `request` and checks it is a JSON object with no fields but `allowed`.
    ///
    /// - Parameter bodyRequired: When false, an empty body counts as `{}`.
    /// - Throws: `payload-too-large` over 16 KiB (without reading further), `unsupported-media-type` when a body comes
    ///   without a JSON `Content-Type`, `invalid-request` for anything else.
    static func read(
        _ request: Request,
        allowed: [String],
        bodyRequired: Bool
    ) async throws -> RequestFields {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > Self.maximumBodySize {
            throw Self.tooLarge
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumBodySize)
        } catch is NIOTooManyBytesError {
            throw Self.tooLarge
        }
        guard body.readableBytes > 0 else {
            guard !bodyRequired else {
                throw PaymentProblem(
                    .invalidRequest,
                    title: "Missing request body",
                    detail: "Send a JSON object with the fields \(Self.list(allowed))."
                )
            }
            return RequestFields(fields: [:], numberLiterals: [:])
        }
        guard Self.isJSON(request.headers[.contentType]) else {
            throw PaymentProblem(
                .unsupportedMediaType,
                title: "Body is not JSON",
                detail: "Content-Type must be application/json."
            )
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))
        } catch {
            throw PaymentProblem(.invalidRequest, title: "Malformed JSON", detail: "The body is not valid JSON.")
        }
        guard case .object(let fields) = value else {
            throw PaymentProblem(
                .invalidRequest,
                title: "Invalid request body",
                detail: "The body must be a JSON object, not \(value.typeName)."
            )
        }
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw PaymentProblem(
                .invalidRequest,
                title: "Unknown field",
                detail: "The field '\(LogEscaping.escape(unknown, limit: 40))' is not known here; "
                    + "allowed: \(Self.list(allowed))."
            )
        }
        let literals: [String: [String]]
        do {
            literals = try NumberLiterals.topLevel(in: Array(body.readableBytesView))
        } catch {
            throw PaymentProblem(.invalidRequest, title: "Malformed JSON", detail: "The body is not valid JSON.")
        }
        return RequestFields(fields: fields, numberLiterals: literals)
    }

    /// The string in `name`; nil if absent or null.
    func string(_ name: String) throws(PaymentProblem) -> String? {
        switch self.fields[name] {
        case .none, .null: return nil
        case .string(let value): return value
        case .some(let other): throw Self.wrongType(name, expected: "a string", got: other)
        }
    }

    func requiredString(_ name: String) throws(PaymentProblem) -> String {
        guard let value = try self.string(name) else { throw Self.missing(name, "a string") }
        return value
    }

    /// The whole number in `name`; nil if absent or null. `meaning` says what it is, for the error detail.
    ///
    /// The number must be written as a whole number: `129.00` and `1.29e2` are refused even though their value is
    /// whole, because a till that writes a decimal point almost always means kroner where øre are expected.
    func integer(_ name: String, meaning: String) throws(PaymentProblem) -> Int? {
        let value = self.fields[name]
        if case .integer = value, let literal = self.numberLiterals[name]?.first(where: NumberLiterals.isNotWhole) {
            throw Self.notWhole(name, literal: literal, meaning: meaning)
        }
        switch value {
        case .none, .null: return nil
        case .integer(let value): return value
        case .number:
            if let literal = self.numberLiterals[name]?.first(where: NumberLiterals.isNotWhole) {
                throw Self.notWhole(name, literal: literal, meaning: meaning)
            }
            throw PaymentProblem(
                .invalidRequest,
                title: "Number out of range",
                detail:
                    "The field '\(name)' must be \(meaning); \(self.numberLiterals[name]?.last ?? "it") is too large."
            )
        case .some(let other): throw Self.wrongType(name, expected: meaning, got: other)
        }
    }

    func requiredInteger(_ name: String, meaning: String) throws(PaymentProblem) -> Int {
        guard let value = try self.integer(name, meaning: meaning) else { throw Self.missing(name, meaning) }
        return value
    }

    // MARK: Problems

    private static let tooLarge = PaymentProblem(
        .payloadTooLarge,
        title: "Request body too large",
        detail: "Request bodies may be at most \(maximumBodySize) bytes."
    )

    private static func missing(_ name: String, _ meaning: String) -> PaymentProblem {
        PaymentProblem(.invalidRequest, title: "Missing field", detail: "The field '\(name)' (\(meaning)) is required.")
    }

    private static func wrongType(_ name: String, expected: String, got: JSONValue) -> PaymentProblem {
        PaymentProblem(
            .invalidRequest,
            title: "Wrong field type",
            detail: "The field '\(name)' must be \(expected), not \(got.typeName)."
        )
    }

    /// A number written with a fraction or an exponent where a whole number is expected. For øre, says what the till
    /// probably meant: `129.00` looks like kroner, so send `12900`.
    private static func notWhole(_ name: String, literal: String, meaning: String) -> PaymentProblem {
        let shown = LogEscaping.escape(literal, limit: 40)
        guard meaning.contains("øre") else {
            return PaymentProblem(
                .invalidRequest,
                title: "Not a whole number",
                detail:
                    "The field '\(name)' must be \(meaning), written without a decimal point or exponent; got \(shown)."
            )
        }
        var detail = "\(name) is in øre, a whole number without a decimal point or exponent: "
        if let kroner = Decimal(string: literal, locale: Locale(identifier: "en_US_POSIX")) {
            var ore = kroner * 100
            var rounded = Decimal()
            NSDecimalRound(&rounded, &ore, 0, .plain)
            if rounded == ore, ore != 0, ore < 1_000_000_000_000, ore > -1_000_000_000_000 {
                let whole = NSDecimalNumber(decimal: ore).intValue
                if literal.contains(".") {
                    detail += "\(shown) looks like kroner; send \(whole) for \(shown) kr."
                } else {
                    detail += "\(shown) is \(whole / 100) øre or \(shown) kr; send \(whole / 100) or \(whole)."
                }
                return PaymentProblem(.invalidRequest, title: "Amount is not whole øre", detail: detail)
            }
        }
        detail += "\(shown) is not a whole number of øre (12900 is 129.00 kr)."
        return PaymentProblem(.invalidRequest, title: "Amount is not whole øre", detail: detail)
    }

    private static func list(_ names: [String]) -> String {
        names.isEmpty ? "(none)" : names.joined(separator: ", ")
    }

    /// `application/json`, with or without parameters such as `charset=utf-8`.
    private static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }
}
