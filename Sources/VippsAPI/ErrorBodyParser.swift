import Foundation

/// Reads the error bodies Vipps sends, in all their shapes:
/// - the eCom array `[{"errorGroup","errorCode","errorMessage","contextId"}]`;
/// - the API gateway's `{"statusCode": 401, "message": "..."}`;
/// - the gateway's `{"responseInfo": {"responseCode", "responseMessage"}, "result": {"message"}}`;
/// - the old `{"errorCode": "Unauthorized", "errorMessage": "...", "contextId"}`;
/// - RFC 7807 problem+json `{"type", "title", "detail", "instance"}` from the QR and ePayment APIs;
/// - Azure AD's `{"error", "error_description"}` from the access-token endpoint;
/// - plain text.
/// Unknown fields are ignored; an unreadable body still gives an error with the HTTP status.
enum ErrorBodyParser {
    struct Parsed: Equatable {
        var errorGroup: String?
        var errorCode: String?
        var errorMessage: String?
        var contextId: String?
        /// The whole problem, when the body was problem+json (it has a `title`).
        var problem: VippsProblem?
    }

    static func parse(_ body: [UInt8]) -> Parsed {
        guard !body.isEmpty else { return Parsed() }
        if let json = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) {
            if let array = json as? [Any], let first = array.first as? [String: Any] {
                return self.parseObject(first)
            }
            if let object = json as? [String: Any] {
                return self.parseObject(object)
            }
            if let text = json as? String {
                return Parsed(errorMessage: self.clean(text))
            }
        }
        let text = String(decoding: body.prefix(500), as: UTF8.self)
        return Parsed(errorMessage: self.clean(text))
    }

    private static func parseObject(_ object: [String: Any]) -> Parsed {
        var parsed = Parsed()
        parsed.errorGroup = self.string(object["errorGroup"])
        parsed.errorCode = self.string(object["errorCode"])
        parsed.errorMessage = self.string(object["errorMessage"])
        parsed.contextId = self.string(object["contextId"])
        if parsed.errorMessage == nil, let message = self.string(object["message"]) {
            parsed.errorMessage = message
        }
        if let info = object["responseInfo"] as? [String: Any] {
            parsed.errorMessage = parsed.errorMessage ?? self.string(info["responseMessage"])
            parsed.errorCode = parsed.errorCode ?? self.string(info["responseCode"])
        }
        if parsed.errorMessage == nil, let result = object["result"] as? [String: Any] {
            parsed.errorMessage = self.string(result["message"])
        }
        if parsed.errorMessage == nil, let title = self.string(object["title"]) {
            let detail = self.string(object["detail"])
            parsed.errorMessage = detail.map { "\(title): \($0)" } ?? title
            parsed.contextId = parsed.contextId ?? self.string(object["instance"]) ?? self.string(object["traceId"])
        }
        if let title = self.string(object["title"]) {
            let extras = (object["extraDetails"] as? [Any] ?? []).compactMap { item -> VippsProblem.ExtraDetail? in
                guard let entry = item as? [String: Any], let name = self.string(entry["name"]) else { return nil }
                return VippsProblem.ExtraDetail(name: name, reason: self.string(entry["reason"]) ?? "")
            }
            parsed.problem = VippsProblem(
                type: self.string(object["type"]),
                title: title,
                detail: self.string(object["detail"]),
                traceId: self.string(object["traceId"]),
                instance: self.string(object["instance"]),
                extraDetails: Array(extras.prefix(20))
            )
        }
        if parsed.errorMessage == nil, let error = self.string(object["error"]) {
            parsed.errorMessage = self.string(object["error_description"]).map { "\(error): \($0)" } ?? error
        }
        return parsed
    }

    /// Vipps sends codes as strings ("44") but numbers have been seen; accept both.
    private static func string(_ value: Any?) -> String? {
        switch value {
        case let string as String: string.isEmpty ? nil : self.clean(string)
        case let number as NSNumber: number.stringValue
        default: nil
        }
    }

    /// Keeps error texts to one printable line of bounded length: they end up in logs and answers.
    static func clean(_ text: String) -> String {
        let printable = text.unicodeScalars.map { scalar -> Character in
            scalar.properties.generalCategory == .control ? " " : Character(scalar)
        }
        let line = String(printable).trimmingCharacters(in: .whitespaces)
        return line.count > 300 ? String(line.prefix(300)) + "…" : line
    }
}
