import Foundation
import Hummingbird
import NIOCore
import PaymentCore

/// The JSON object of a request body, read within a size limit and checked field by field, so that every mistake a
/// till can make is answered with `invalid-request` naming the field, before anything changes.
struct RequestFields: Sendable {
    /// The largest body a till may send (CONTROL-API: 16 KiB).
    static let maximumBodySize = 16 * 1024

    private let fields: [String: JSONValue]

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
            return RequestFields(fields: [:])
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
        return RequestFields(fields: fields)
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
    func integer(_ name: String, meaning: String) throws(PaymentProblem) -> Int? {
        switch self.fields[name] {
        case .none, .null: return nil
        case .integer(let value): return value
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
