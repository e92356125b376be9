import Foundation
import TestSupport

/// The kinds of bad input the fuzzer throws at the control socket; the figures are counted per kind.
enum FuzzCategory: String, CaseIterable, Sendable, Codable {
    /// Requests the HTTP parser should refuse: garbage request lines, bad versions, bad or duplicate headers, absurd
    /// `Content-Length`, broken chunked bodies, missing CRLF, NUL bytes, protocol confusion.
    case malformedHTTP = "malformed-http"
    /// Well-formed HTTP whose JSON body does not parse (and whose fields are wrong as well).
    case badJSON = "bad-json"
    /// Parseable JSON with wrong, missing, unknown or out-of-range fields, and wrong content types.
    case wrongFields = "wrong-fields"
    /// Unknown paths and methods, path traversal, percent-encoding and query junk.
    case routes
    /// Bodies, headers and request lines far over every limit.
    case huge
    /// Random byte streams.
    case randomBytes = "random-bytes"
    /// Several requests (good and bad) on one connection, sometimes with junk behind them.
    case pipelined

    /// How many of every 100 inputs are of this kind.
    var weight: Int {
        switch self {
        case .malformedHTTP: 26
        case .badJSON: 18
        case .wrongFields: 20
        case .routes: 16
        case .huge: 5
        case .randomBytes: 8
        case .pipelined: 7
        }
    }
}

/// One generated input: the bytes for one fresh connection.
struct FuzzInput: Sendable {
    var index: Int
    var category: FuzzCategory
    /// Which generator made it, for replaying a failure.
    var name: String
    var bytes: [UInt8]
    /// How many `200` answers are fair: one per well-formed read-only `GET` in the input. Everything else must be
    /// refused.
    var allowedOK: Int
    /// A `CONNECT`: swift-nio sends the answer to one without a body (RFC 9112 §6.3 reads so for 2xx), so a bare 4xx
    /// with the problem's content type but no document is the best the daemon can do.
    var bodiless: Bool
    /// Where the bytes are cut into separate writes (offsets), to exercise a parser that gets a request in pieces.
    var splits: [Int]
}

/// Makes the inputs of a run from its seed: input `i` depends only on the seed and `i`, so any single input of a
/// failing run can be made again.
///
/// Every request that reaches a handler able to move money carries at least one defect the daemon must refuse
/// *before* it acts (a field of the wrong type, out of range, unknown or missing), in addition to whatever the
/// generator breaks on top; so a well-behaved daemon never creates, captures, refunds or cancels anything, whatever
/// the parser makes of the rest.
struct ControlSocketFuzzer: Sendable {
    var seed: UInt64
    /// A payment that exists: its capture, refund and cancel endpoints are targets too.
    var existingReference: String

    func input(_ index: Int) -> FuzzInput {
        var dice = FuzzDice(seed: self.seed, index: index)
        var total = dice.int(0..<100)
        var category = FuzzCategory.malformedHTTP
        for candidate in FuzzCategory.allCases {
            if total < candidate.weight {
                category = candidate
                break
            }
            total -= candidate.weight
        }
        var made = self.make(category, &dice)
        var splits: [Int] = []
        if made.bytes.count > 1, dice.chance(0.25) {
            splits = (0..<dice.int(1...4)).map { _ in dice.int(1..<made.bytes.count) }.sorted()
        }
        made.bytes = made.bytes.isEmpty ? Array("\r\n".utf8) : made.bytes
        return FuzzInput(
            index: index,
            category: category,
            name: made.name,
            bytes: made.bytes,
            allowedOK: made.allowedOK,
            bodiless: made.bodiless,
            splits: splits
        )
    }

    /// A generator's result.
    struct Made {
        var name: String
        var bytes: [UInt8]
        var allowedOK: Int = 0
        var bodiless = false
    }

    private func make(_ category: FuzzCategory, _ dice: inout FuzzDice) -> Made {
        switch category {
        case .malformedHTTP: self.malformedHTTP(&dice)
        case .badJSON: self.jsonRequest(&dice, syntaxDefects: dice.int(1...3))
        case .wrongFields: self.jsonRequest(&dice, syntaxDefects: 0)
        case .routes: self.route(&dice)
        case .huge: self.huge(&dice)
        case .randomBytes: self.randomBytes(&dice)
        case .pipelined: self.pipelined(&dice)
        }
    }

    // MARK: Targets

    /// The endpoints whose bodies are checked, and which of them could move money.
    enum Endpoint: CaseIterable {
        case create, capture, refund, cancel
    }

    /// A reference for a path: the existing payment, an unknown but valid one, or an invalid one.
    private func pathReference(_ dice: inout FuzzDice) -> String {
        switch dice.int(0..<10) {
        case 0..<4: self.existingReference
        case 4..<8: "fz-" + dice.alphanumeric(dice.int(1...12))
        default:
            dice.pick([
                "", "a b", "%20", "..", "x%2Fy", "%C3%B8re", String(repeating: "r", count: 41), "%00", "fz-%ZZ",
                "fz_1", "\u{7F}", "fz-1;x", "%E2%80%AE", String(repeating: "9", count: dice.int(42...400)),
            ])
        }
    }

    private func path(for endpoint: Endpoint, _ dice: inout FuzzDice) -> String {
        switch endpoint {
        case .create: "/v1/payments"
        case .capture: "/v1/payments/\(self.pathReference(&dice))/capture"
        case .refund: "/v1/payments/\(self.pathReference(&dice))/refund"
        case .cancel: "/v1/payments/\(self.pathReference(&dice))/cancel"
        }
    }

    // MARK: JSON bodies

    /// A body for `endpoint` with at least one field defect, then `syntaxDefects` breakages of the JSON text.
    func body(for endpoint: Endpoint, syntaxDefects: Int, _ dice: inout FuzzDice) -> (name: String, bytes: [UInt8]) {
        var fields = FuzzFields()
        switch endpoint {
        case .create:
            fields.set("reference", FuzzFields.quote("fz-" + dice.alphanumeric(dice.int(4...16))))
            fields.set("amount", String(dice.int(100...1_000_000)))
            if dice.chance(0.5) { fields.set("text", FuzzFields.quote(dice.pick(["Kaffe", "Kaffe og bolle", "Is"]))) }
        case .capture:
            if dice.chance(0.5) { fields.set("amount", String(dice.int(1...12900))) }
        case .refund:
            fields.set("amount", String(dice.int(1...12900)))
        case .cancel:
            break
        }
        var names: [String] = []
        for _ in 0..<dice.int(1...3) {
            names.append(self.fieldDefect(endpoint, &fields, &dice))
        }
        var text = fields.serialized(shuffled: dice.chance(0.3), &dice)
        var bytes = FuzzFields.encode(text)
        for _ in 0..<syntaxDefects {
            let (name, broken) = Self.syntaxDefect(text, bytes, &dice)
            names.append(name)
            bytes = broken
            text = String(decoding: bytes, as: UTF8.self)
        }
        return (names.joined(separator: "+"), bytes)
    }

    /// Breaks one field so that the daemon must refuse the request; returns the defect's name.
    private func fieldDefect(_ endpoint: Endpoint, _ fields: inout FuzzFields, _ dice: inout FuzzDice) -> String {
        let choices: [String] =
            switch endpoint {
            case .create: ["reference", "reference", "amount", "amount", "text", "unknown", "missing"]
            case .capture: ["amount", "amount", "unknown"]
            case .refund: ["amount", "amount", "unknown", "missing"]
            case .cancel: ["unknown"]
            }
        switch dice.pick(choices) {
        case "reference":
            fields.set("reference", Self.badReference(&dice))
            return "bad-reference"
        case "amount":
            fields.set("amount", Self.badAmount(&dice))
            return "bad-amount"
        case "text":
            fields.set("text", Self.badText(&dice))
            return "bad-text"
        case "missing" where endpoint != .create || (fields.has("reference") && fields.has("amount")):
            // Never both reference and amount: `{}` would be a valid capture or cancel, were it ever sent there.
            fields.remove(endpoint == .create ? dice.pick(["reference", "amount"]) : "amount")
            return "missing-field"
        default:
            fields.set(Self.unknownKey(&dice), Self.anyValue(&dice, depth: 0))
            return "unknown-field"
        }
    }

    /// A reference value the daemon must refuse (as JSON text).
    static func badReference(_ dice: inout FuzzDice) -> String {
        dice.pick([
            "12900", "-1", "true", "false", "[\"fz-1\"]", "{\"reference\":\"fz-1\"}", "\"\"", "\" \"",
            FuzzFields.quote(String(repeating: "r", count: dice.int(41...200))), "\"fz 1\"", "\"fz/1\"",
            "\"../../etc/passwd\"", "\"fz-1\\u0000\"", "\"fz-\\n1\"", "\"fz-\u{F8}re\"", "\"\u{1F600}\"",
            "\"fz-1\\\"\"", "\"fz-\(FuzzFields.invalidUTF8Marker)\"", "\"%66%7A%2D%31\"", "\"fz-1 \"",
            "\"fz\\u002F1\"", "\"fz-\\ud800\"", "\"\u{FF46}\u{FF5A}-1\"", "\"fz-1\u{301}\"", "[]", "{}", "0.5",
        ])
    }

    /// An amount the daemon must refuse for every endpoint (as JSON text): wrong type, not whole, or out of range.
    static func badAmount(_ dice: inout FuzzDice) -> String {
        dice.pick([
            "0", "-1", "-12900", "-0", "12900.5", "99.99", "0.5", "1e-5", "-1e400", "1e400", "1E+2147483648",
            "99999999999999999999", "-99999999999999999999", "18446744073709551616", "-9223372036854775809",
            "\"12900\"", "\"all\"", "\"\"", "true", "false", "[12900]", "[]", "{}", "{\"amount\":12900}",
            "\"1e4\"", "\"0x3264\"", "-9223372036854775808", "1.7976931348623157e309",
            "123456789012345678901234567890.5",
        ])
    }

    /// A text the daemon must refuse (as JSON text).
    static func badText(_ dice: inout FuzzDice) -> String {
        dice.pick([
            "\"\"", "12900", "true", "[\"Kaffe\"]", "{}", "\"Kaffe\\u0007\"", "\"Kaffe\\nog bolle\"",
            "\"\\u0000\"", "\"Kaffe\\u007F\"", "\"\\u001B[31mred\"", "\"Kaffe\\u0085\"",
            FuzzFields.quote(String(repeating: "x", count: dice.int(101...2000))),
            FuzzFields.quote(String(repeating: "\u{E6}", count: dice.int(101...300))),
        ])
    }

    /// A field name none of the endpoints knows.
    static func unknownKey(_ dice: inout FuzzDice) -> String {
        let key = dice.pick([
            "tip", "Amount", "REFERENCE", "reference ", " amount", "amount\u{0}", "", "__proto__", "constructor",
            "refernce", "$where", "force", "currency", "orderId", "state", "text\u{200B}", "\u{1F4B0}",
            dice.letters(dice.int(1...30)),
        ])
        return ["reference", "amount", "text"].contains(key) ? "x-" + key : key
    }

    /// Any JSON value, sometimes nested.
    static func anyValue(_ dice: inout FuzzDice, depth: Int) -> String {
        switch depth > 3 ? dice.int(0..<5) : dice.int(0..<7) {
        case 0: "null"
        case 1: dice.pick(["true", "false"])
        case 2: String(dice.int(-1_000_000...1_000_000))
        case 3: FuzzFields.quote(dice.printable(dice.int(0...40)))
        case 4: dice.pick(["1.5", "-0.0", "1e308", "12900"])
        case 5:
            "[" + (0..<dice.int(0...3)).map { _ in Self.anyValue(&dice, depth: depth + 1) }.joined(separator: ",") + "]"
        default: "{\"k\":" + Self.anyValue(&dice, depth: depth + 1) + "}"
        }
    }

    /// Breaks the JSON text of a body; returns the breakage's name and the new bytes.
    static func syntaxDefect(_ text: String, _ bytes: [UInt8], _ dice: inout FuzzDice) -> (String, [UInt8]) {
        switch dice.int(0..<16) {
        case 0:
            return ("truncated", Array(bytes.prefix(max(1, dice.int(0..<max(1, bytes.count))))))
        case 1:
            return ("trailing-junk", bytes + Array(dice.pick(["x", "}", "]", ",", "{}", "null", "\u{0}", "//"]).utf8))
        case 2:
            let at = dice.int(0...bytes.count)
            return ("invalid-utf8", Array(bytes[..<at]) + dice.pick(FuzzFields.invalidUTF8) + Array(bytes[at...]))
        case 3:
            let depth = dice.pick([64, 200, 511, 512, 513, 1000, 4000, 8000])
            let open = dice.chance(0.5) ? "[" : "{\"a\":"
            let close = open == "[" ? "]" : "}"
            let balanced = dice.chance(0.7)
            let nested =
                String(repeating: open, count: depth) + "1"
                + String(repeating: close, count: balanced ? depth : depth / 2)
            return ("deep-nesting-\(depth)", Array(text.fuzzReplacingFirst(":", with: ":" + nested + ",\"n\":").utf8))
        case 4:
            return ("bom", [0xEF, 0xBB, 0xBF] + bytes)
        case 5:
            return ("single-quotes", Array(text.replacingOccurrences(of: "\"", with: "'").utf8))
        case 6:
            return ("comment", Array(("/* till */" + text.fuzzReplacingFirst(",", with: ", // note\n,")).utf8))
        case 7:
            return ("trailing-comma", Array(text.fuzzReplacingLast("}", with: ",}").utf8))
        case 8:
            return ("nan", Array(text.fuzzReplacingFirst(":", with: ":NaN,\"x\":").utf8))
        case 9:
            let at = dice.int(0...bytes.count)
            return ("nul-byte", Array(bytes[..<at]) + [0] + Array(bytes[at...]))
        case 10:
            return (
                "whitespace-flood",
                Array(String(repeating: dice.pick([" ", "\n", "\t", "\r"]), count: 12_000).utf8) + bytes
            )
        case 11:
            let top = dice.pick([
                "[" + text + "]", "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\"", "12900", "null",
                "true",
            ])
            return ("not-an-object", Array(top.utf8))
        case 12:
            let utf16 = Array(text.utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
            return ("utf16", dice.chance(0.5) ? [0xFE, 0xFF] + utf16 : utf16)
        case 13:
            return (
                "bad-escape",
                Array(text.fuzzReplacingFirst("\"", with: dice.pick(["\"\\x41", "\"\\u00", "\"\\", "\"\\uZZZZ"])).utf8)
            )
        case 14:
            return (
                "unquoted-key",
                Array(text.fuzzReplacingFirst("{\"", with: "{").fuzzReplacingFirst("\":", with: ":").utf8)
            )
        default:
            return ("duplicate-key", Array(text.fuzzReplacingLast("}", with: ",\"amount\":\"twice\"}").utf8))
        }
    }

    /// A request to one of the body-checking endpoints.
    private func jsonRequest(_ dice: inout FuzzDice, syntaxDefects: Int) -> Made {
        let endpoint = dice.pick(Endpoint.allCases)
        let (name, body) = self.body(for: endpoint, syntaxDefects: syntaxDefects, &dice)
        let contentType: String? =
            dice.chance(0.8)
            ? "application/json"
            : dice.pick([
                nil, "application/json; charset=utf-8", "APPLICATION/JSON", "application/json;;;", "text/plain",
                "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "application/jsonx",
                "application/problem+json", "application/json\u{1}", "*/*", "json",
            ])
        var headers: [(String, String)] = []
        if dice.chance(0.1) { headers.append(("Connection", dice.pick(["close", "keep-alive", "upgrade, close"]))) }
        if dice.chance(0.1) { headers.append(("Accept", dice.pick(["*/*", "text/html", "application/json"]))) }
        let bytes = FuzzHTTP.request(
            "POST",
            self.path(for: endpoint, &dice),
            headers: headers,
            body: body,
            contentType: contentType,
            chunked: dice.chance(0.15)
        )
        return Made(name: "\(endpoint)/\(name)", bytes: bytes)
    }

    // MARK: Malformed HTTP

    private func malformedHTTP(_ dice: inout FuzzDice) -> Made {
        // A request the parser might still take: a GET of the health (fair to answer 200) or a POST with a bad body.
        let isGet = dice.chance(0.5)
        let method = isGet ? "GET" : "POST"
        let target = isGet ? dice.pick(["/v1/health", "/v1/payments", "/v1/openapi.json"]) : "/v1/payments"
        let body = isGet ? nil : self.body(for: .create, syntaxDefects: 0, &dice).bytes
        let plain = FuzzHTTP.request(method, target, body: body)
        let bodyText = body.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let lengthHeader = body.map { "Content-Length: \($0.count)\r\n" } ?? ""
        let typeHeader = body == nil ? "" : "Content-Type: application/json\r\n"
        let maybeOK = isGet ? 1 : 0

        switch dice.int(0..<21) {
        case 0:
            let line = dice.printable(dice.int(1...200))
            return Made(name: "garbage-request-line", bytes: Array((line + "\r\n\r\n").utf8))
        case 1:
            let badMethod = dice.pick([
                "G ET", "GET\t", "get", "GETT", "P0ST", "\u{1}GET", "GET GET", String(repeating: "A", count: 300), "-",
                "POST\u{0}", "\u{FEFF}GET", "GE", "BREW", "PRI",
            ])
            return Made(name: "bad-method", bytes: Array("\(badMethod) \(target) HTTP/1.1\r\nHost: q\r\n\r\n".utf8))
        case 2:
            let version = dice.pick([
                "HTTP/0.9", "HTTP/2.0", "HTTP/3", "HTTP/1.2", "HTTP/1.10", "HTTP/1", "HTTP/", "HTTPS/1.1", "http/1.1",
                "HTTP/1.1x", "HTTP/01.1", "HTTP/1.1 extra", "", "HTTP/9.9", "HTTP/1.0", "HTTP/-1.1", "HTTP/1.1\u{0}",
            ])
            let request = "\(method) \(target) \(version)\r\nHost: q\r\n\(typeHeader)\(lengthHeader)\r\n\(bodyText)"
            return Made(name: "bad-version", bytes: Array(request.utf8), allowedOK: maybeOK)
        case 3:
            let header = dice.pick([
                "NoColon", " Leading: space", "Bad Name: x", ": empty-name", "X-Ctl: a\u{7F}b", "X-Tab\t: x",
                "X-Fold: a\r\n  folded", "Content-Type : application/json", "X-CR: a\rb", "\u{0}: x", "X-Utf8: \u{FF}",
                "Host", "X-Quote\": x", "X-Empty:", "(): x", "X-Long-Name-\(String(repeating: "n", count: 200)): v",
            ])
            let request =
                "\(method) \(target) HTTP/1.1\r\nHost: q\r\n\(header)\r\n\(typeHeader)\(lengthHeader)\r\n\(bodyText)"
            return Made(name: "bad-header", bytes: Array(request.utf8), allowedOK: maybeOK)
        case 4:
            let body = self.body(for: dice.pick(Endpoint.allCases), syntaxDefects: 0, &dice).bytes
            let duplicate = dice.pick([
                "Content-Length: \(body.count)\r\nContent-Length: \(body.count + dice.int(1...9))",
                "Content-Length: \(body.count)\r\nContent-Length: \(body.count)",
                "Content-Length: \(body.count), \(body.count)",
                "Content-Length: \(body.count)\r\nTransfer-Encoding: chunked",
                "Transfer-Encoding: chunked\r\nContent-Length: \(max(0, body.count - 3))",
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
                "Content-Length: \(body.count)\r\nContent-Type: text/plain",
                "Content-Length: \(body.count)\r\nHost: other",
            ])
            let request =
                "POST /v1/payments HTTP/1.1\r\nHost: q\r\nContent-Type: application/json\r\n\(duplicate)\r\n\r\n"
            return Made(name: "duplicate-headers", bytes: Array(request.utf8) + body)
        case 5:
            let size = dice.pick([8 * 1024 - 40, 8 * 1024 + 1, 16 * 1024 + 1, 40 * 1024])
            var bytes = Array("GET /v1/health HTTP/1.1\r\nHost: q\r\nX-Big: ".utf8)
            bytes += Array(repeating: UInt8(ascii: "b"), count: size)
            bytes += Array("\r\n\r\n".utf8)
            return Made(name: "oversized-header-\(size)", bytes: bytes, allowedOK: 1)
        case 6:
            let count = dice.pick([63, 64, 65, 100, 1000, 3000])
            var request = "GET /v1/health HTTP/1.1\r\nHost: q\r\n"
            for number in 0..<count { request += "X-Fz-\(number): v\r\n" }
            return Made(name: "header-flood-\(count)", bytes: Array((request + "\r\n").utf8), allowedOK: 1)
        case 7:
            let length = dice.pick([
                "-1", "99999999999999999999999", "abc", "1e3", " 12", "0x10", "9223372036854775807",
                "9223372036854775808", "18446744073709551616", "+5", "5 5", "", "\u{FF11}\u{FF12}", "1000000000000",
                "16385", "17", "0",
            ])
            // Only endpoints that require a body: a length the parser reads as 0 must not make an empty cancel.
            let endpoint = dice.pick([Endpoint.create, .refund])
            let body = self.body(for: endpoint, syntaxDefects: 0, &dice).bytes
            let path = self.path(for: endpoint, &dice)
            let head =
                "POST \(path) HTTP/1.1\r\nHost: q\r\nContent-Type: application/json\r\nContent-Length: \(length)\r\n\r\n"
            return Made(name: "absurd-content-length", bytes: Array(head.utf8) + body)
        case 8:
            let body = self.body(for: dice.pick(Endpoint.allCases), syntaxDefects: 0, &dice).bytes
            let size = dice.pick([
                "zz", "-1", "fffffffffffffffffffffff", "5;ext=\"unterminated", "0x5", " 5", "", "FFFFFFFF",
                String(body.count + 7, radix: 16), "1", "\u{0}",
            ])
            let encoding = dice.pick([
                "chunked", "chunked", "gzip, chunked", "chunked, identity", "xchunked", "Chunked",
            ])
            var bytes = Array(
                "POST /v1/payments HTTP/1.1\r\nHost: q\r\nContent-Type: application/json\r\nTransfer-Encoding: \(encoding)\r\n\r\n\(size)\r\n"
                    .utf8
            )
            bytes += body
            bytes += Array(
                dice.pick(["\r\n0\r\n\r\n", "\r\n", "", "0\r\n\r\n", "\r\n0\r\nX-Trailer: \u{0}\r\n\r\n"]).utf8
            )
            return Made(name: "bad-chunked", bytes: bytes)
        case 9:
            let ending = dice.pick(["\n", "\r", "\n\r", "\r\r\n"])
            let request =
                "\(method) \(target) HTTP/1.1\(ending)Host: q\(ending)\(typeHeader)\(lengthHeader)\(ending)\(bodyText)"
                .replacingOccurrences(of: "\r\n", with: ending)
            return Made(
                name: "line-ending-\(ending.unicodeScalars.map { $0.value })",
                bytes: Array(request.utf8),
                allowedOK: maybeOK
            )
        case 10:
            let request = "\(method) \(target) HTTP/1.1\r\nHost: q\r\n\(typeHeader)\(lengthHeader)"
            return Made(name: "no-blank-line", bytes: Array(request.utf8))
        case 11:
            var bytes = plain
            for _ in 0..<dice.int(1...3) { bytes.insert(0, at: dice.int(0...bytes.count)) }
            return Made(name: "nul-bytes", bytes: bytes, allowedOK: maybeOK)
        case 12:
            var junk = Array("GET /v1/".utf8)
            for _ in 0..<dice.int(1...20) { junk.append(dice.pick(Array(0...31) + [32, 127] + Array(128...255))) }
            junk += Array(" HTTP/1.1\r\nHost: q\r\n\r\n".utf8)
            return Made(name: "control-bytes-in-target", bytes: junk)
        case 13:
            let preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
            return Made(name: "http2-preface", bytes: Array(preface.utf8) + dice.bytes(dice.int(0...64)))
        case 14:
            return Made(
                name: "tls-client-hello",
                bytes: [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03]
                    + dice.bytes(dice.int(32...300))
            )
        case 15:
            let crlf = String(repeating: "\r\n", count: dice.int(1...2000))
            return Made(name: "leading-crlf", bytes: Array((crlf).utf8) + plain, allowedOK: maybeOK)
        case 16:
            let body = self.body(for: .create, syntaxDefects: 0, &dice).bytes
            let expect = dice.pick(["100-continue", "100-Continue", "something-else", "100-continue, x"])
            let head =
                "POST /v1/payments HTTP/1.1\r\nHost: q\r\nExpect: \(expect)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
            return Made(name: "expect", bytes: Array(head.utf8) + (dice.chance(0.7) ? body : []))
        case 17:
            let upgrade = dice.pick(["websocket", "h2c", "TLS/1.2", "x"])
            let head =
                "GET /v1/\(dice.pick(["health", "events"])) HTTP/1.1\r\nHost: q\r\nConnection: Upgrade\r\nUpgrade: \(upgrade)\r\n\r\n"
            return Made(name: "upgrade", bytes: Array(head.utf8) + dice.bytes(dice.int(0...100)), allowedOK: 1)
        case 18:
            let head =
                "CONNECT \(dice.pick(["qrpayd:443", "127.0.0.1:22", "/v1/health", "[::1]:80"])) HTTP/1.1\r\nHost: q\r\n\r\n"
            var made = Made(name: "connect", bytes: Array(head.utf8) + dice.bytes(dice.int(0...100)))
            made.bodiless = true
            return made
        case 19:
            let head =
                "\(method) \(target) HTTP/1.1\r\nHost: q\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
            var chunks = Array(head.utf8)
            let body = self.body(for: .create, syntaxDefects: 0, &dice).bytes
            chunks += Array("\(String(body.count, radix: 16))\r\n".utf8) + body + Array("\r\n".utf8)
            chunks += Array(
                "0\r\n\(dice.pick(["X-Trailer: x\r\n", "Content-Length: 5\r\n", ": bad\r\n", ""]))\r\n".utf8
            )
            return Made(name: "chunked-trailers", bytes: chunks, allowedOK: maybeOK)
        default:
            let host = dice.pick([
                "", "Host: a\r\nHost: b\r\n", "Host: \u{0}\r\n",
                "Host: " + String(repeating: "h", count: 5000) + "\r\n",
            ])
            let request = "\(method) \(target) HTTP/1.1\r\n\(host)\(typeHeader)\(lengthHeader)\r\n\(bodyText)"
            return Made(name: "host-header", bytes: Array(request.utf8), allowedOK: maybeOK)
        }
    }

    // MARK: Routes

    private func route(_ dice: inout FuzzDice) -> Made {
        let method = dice.pick([
            "GET", "GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "SEARCH",
            "PURGE", "LINK", "MKCOL", "REPORT",
        ])
        let reference = self.pathReference(&dice)
        let target = dice.pick([
            "/", "/v1", "/v1/", "/v2/payments", "/v1/payment", "/v1/payments/", "//v1/health", "/v1//payments",
            "/v1/health/", "/V1/HEALTH", "/v1/payments/../health", "/v1/payments/../../etc/passwd",
            "/v1/payments/%2e%2e/health", "/v1/payments/..%2f..%2fetc%2fpasswd", "/v1/./health",
            "/v1/payments/\(reference)/../../health", "/v1/payments/%zz", "/v1/payments/%", "/v1/payments/%00",
            "/v1/payments/%c0%af", "/v1/payments/%ff%fe", "/v1/payments/fz%2D1", "/v1/%70ayments",
            "/v1/payments?unsettled=maybe", "/v1/payments?limit=0", "/v1/payments?limit=-1", "/v1/payments?limit=501",
            "/v1/payments?limit=99999999999999999999", "/v1/payments?limit=abc",
            "/v1/payments?unsettled=true&unsettled=0",
            "/v1/payments?=&&=&", "/v1/payments?%zz=%zz", "/v1/payments?limit=%00", "/v1/payments?limit=1&limit=2",
            "/v1/payments?" + String(repeating: "a=b&", count: dice.int(10...1500)), "http://qrpayd/v1/health",
            "http://evil:80/v1/payments", "*", "/v1/health#frag", "/v1/payments/\(reference)",
            "/v1/payments/\(reference)/qr.png", "/v1/payments/\(reference)/qr.png/x",
            "/v1/payments/\(reference)/capture",
            "/v1/payments/\(reference)/refund", "/v1/payments/\(reference)/cancel", "/v1/payments/\(reference)/void",
            "/v1/events", "/v1/openapi.json", "/v1/openapi.yaml", "/v1/health?verbose=1", "/.env", "/etc/passwd",
            "../../../../etc/passwd", "v1/health", "/v1/payments/\(reference)%2Fcancel", "/%2F%2F", "/\u{1F4B3}",
            "/v1/payments/" + String(repeating: "%41", count: dice.int(14...800)), "/v1/health;jsessionid=1",
        ])
        var headers: [(String, String)] = []
        if target.hasSuffix("/v1/events"), dice.chance(0.5) {
            headers.append(
                ("Last-Event-ID", dice.pick(["-1", "abc", "99999999999999999999999", "", "1.5", " 7", "0x1"]))
            )
        }
        // Anything but GET carries a body the daemon must refuse; where the target is not plainly one endpoint, a body
        // with an unknown field, which every endpoint refuses, so no path trick can reach an action with it.
        let endpoint: Endpoint =
            target.hasSuffix("/capture")
            ? .capture
            : target.hasSuffix("/refund")
                ? .refund
                : target.hasSuffix("/v1/payments") ? .create : .cancel
        let body = method == "GET" ? nil : self.body(for: endpoint, syntaxDefects: dice.int(0...1), &dice).bytes
        let bytes = FuzzHTTP.request(method, target, headers: headers, body: body)
        return Made(name: "\(method) \(target.prefix(48))", bytes: bytes, allowedOK: method == "GET" ? 1 : 0)
    }

    // MARK: Huge

    private func huge(_ dice: inout FuzzDice) -> Made {
        switch dice.int(0..<7) {
        case 0:
            let size = dice.pick([16 * 1024 + 1, 64 * 1024, 1 << 20, 3 << 20])
            let prefix = "{\"reference\":\"fz-huge\",\"amount\":1,\"text\":\""
            var body = Array(prefix.utf8) + Array(repeating: UInt8(ascii: "x"), count: size)
            body += Array("\"}".utf8)
            return Made(
                name: "body-\(size)",
                bytes: FuzzHTTP.request("POST", self.path(for: dice.pick(Endpoint.allCases), &dice), body: body)
            )
        case 1:
            let size = dice.pick([20 * 1024, 100 * 1024, 600 * 1024])
            let body = Array(repeating: UInt8(ascii: "["), count: size)
            return Made(
                name: "chunked-body-\(size)",
                bytes: FuzzHTTP.request("POST", "/v1/payments", body: body, chunked: true)
            )
        case 2:
            // Just under the limit, still refused for its fields.
            let padding = String(repeating: " ", count: 16 * 1024 - 60)
            let body = Array("{\"reference\":\"fz-pad\",\"amount\":-1,\(padding)\"text\":\"x\"}".utf8)
            return Made(
                name: "body-at-limit",
                bytes: FuzzHTTP.request("POST", "/v1/payments", body: Array(body.prefix(16 * 1024)))
            )
        case 3:
            let size = dice.pick([100 * 1024, 1 << 20])
            var bytes = Array("GET /v1/health HTTP/1.1\r\nHost: q\r\nX-Huge: ".utf8)
            bytes += Array(repeating: UInt8(ascii: "h"), count: size)
            return Made(name: "header-\(size)", bytes: bytes + Array("\r\n\r\n".utf8))
        case 4:
            let size = dice.pick([64 * 1024, 1 << 20])
            var bytes = Array("GET /v1/payments/".utf8)
            bytes += Array(repeating: UInt8(ascii: "p"), count: size)
            return Made(name: "url-\(size)", bytes: bytes + Array(" HTTP/1.1\r\nHost: q\r\n\r\n".utf8))
        case 5:
            var bytes = Array("GET /v1/health HTTP/1.1\r\n".utf8)
            for number in 0..<dice.pick([2000, 20_000]) { bytes += Array("X-\(number): \(number)\r\n".utf8) }
            return Made(name: "header-count", bytes: bytes + Array("\r\n".utf8))
        default:
            var bytes = Array(repeating: UInt8(ascii: "G"), count: dice.pick([64 * 1024, 1 << 20]))
            bytes += Array(" / HTTP/1.1\r\n\r\n".utf8)
            return Made(name: "method", bytes: bytes)
        }
    }

    // MARK: Random bytes and pipelines

    private func randomBytes(_ dice: inout FuzzDice) -> Made {
        let count = dice.chance(0.8) ? dice.int(1...512) : dice.int(513...65_536)
        switch dice.int(0..<3) {
        case 0: return Made(name: "bytes-\(count)", bytes: dice.bytes(count))
        case 1: return Made(name: "printable-\(count)", bytes: Array(dice.printable(count).utf8))
        default:
            let head = Array("\(dice.pick(["GET", "POST"])) /v1/\(dice.pick(["health", "payments"])) HTTP/1.1\r\n".utf8)
            // Random bytes may, once in a long while, end the header block: a GET of the health is then fair.
            return Made(name: "request-line-then-bytes-\(count)", bytes: head + dice.bytes(count), allowedOK: 1)
        }
    }

    private func pipelined(_ dice: inout FuzzDice) -> Made {
        var bytes: [UInt8] = []
        var names: [String] = []
        var allowedOK = 0
        var bodiless = false
        for _ in 0..<dice.int(2...dice.pick([4, 12, 40])) {
            let part: Made
            switch dice.int(0..<5) {
            case 0: part = Made(name: "health", bytes: FuzzHTTP.request("GET", "/v1/health"), allowedOK: 1)
            case 1: part = self.route(&dice)
            case 2: part = self.jsonRequest(&dice, syntaxDefects: dice.int(0...1))
            case 3: part = self.malformedHTTP(&dice)
            default:
                part = Made(
                    name: "close",
                    bytes: FuzzHTTP.request("GET", "/v1/health", headers: [("Connection", "close")]),
                    allowedOK: 1
                )
            }
            bytes += part.bytes
            names.append(part.name)
            allowedOK += part.allowedOK
            bodiless = bodiless || part.bodiless
        }
        if dice.chance(0.4) {
            bytes += dice.bytes(dice.int(1...200))
            names.append("junk")
        }
        return Made(name: "pipeline[\(names.count)]", bytes: bytes, allowedOK: allowedOK, bodiless: bodiless)
    }
}

/// The request bytes a till would send, built by hand so that anything about them can be wrong.
enum FuzzHTTP {
    static func request(
        _ method: String,
        _ target: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        contentType: String? = "application/json",
        chunked: Bool = false
    ) -> [UInt8] {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: qrpayd\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        guard let body else { return Array((head + "\r\n").utf8) }
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        guard chunked else { return Array((head + "Content-Length: \(body.count)\r\n\r\n").utf8) + body }
        var bytes = Array((head + "Transfer-Encoding: chunked\r\n\r\n").utf8)
        var offset = 0
        while offset < body.count {
            let size = min(4096, body.count - offset)
            bytes += Array("\(String(size, radix: 16))\r\n".utf8) + body[offset..<(offset + size)] + Array("\r\n".utf8)
            offset += size
        }
        return bytes + Array("0\r\n\r\n".utf8)
    }
}

/// The fields of a JSON object as already-serialized values, so a value can be anything, valid JSON or not.
struct FuzzFields {
    private var entries: [(key: String, raw: String)] = []

    /// Stands for invalid UTF-8 in a value; replaced by real invalid bytes when the body is encoded.
    static let invalidUTF8Marker = "\u{E000}"
    static let invalidUTF8: [[UInt8]] = [
        [0xFF], [0xFE, 0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80],
        [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC3],
    ]

    mutating func set(_ key: String, _ raw: String) {
        if let index = self.entries.firstIndex(where: { $0.key == key }) {
            self.entries[index].raw = raw
        } else {
            self.entries.append((key, raw))
        }
    }

    var count: Int { self.entries.count }

    func has(_ key: String) -> Bool { self.entries.contains { $0.key == key } }

    mutating func remove(_ key: String) {
        self.entries.removeAll { $0.key == key }
    }

    func serialized(shuffled: Bool, _ dice: inout FuzzDice) -> String {
        var entries = self.entries
        if shuffled { entries.shuffle(using: &dice.random) }
        return "{" + entries.map { Self.quote($0.key) + ":" + $0.raw }.joined(separator: ",") + "}"
    }

    /// UTF-8, with each invalid-UTF-8 marker replaced by a broken sequence.
    static func encode(_ text: String) -> [UInt8] {
        let marker = Array(Self.invalidUTF8Marker.utf8)
        var bytes: [UInt8] = []
        let source = Array(text.utf8)
        var index = 0
        while index < source.count {
            if source[index] == marker[0], Array(source[index..<min(source.count, index + marker.count)]) == marker {
                bytes += Self.invalidUTF8[(index / 3) % Self.invalidUTF8.count]
                index += marker.count
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return bytes
    }

    /// A JSON string literal.
    static func quote(_ text: String) -> String {
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case _ where scalar.value < 0x20: quoted += String(format: "\\u%04x", scalar.value)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}

/// The random choices of one input (see ``SeededRandom``).
struct FuzzDice {
    var random: SeededRandom

    /// A generator of its own for input `index`, independent of the others.
    init(seed: UInt64, index: Int) {
        var mixer = SeededRandom(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        self.random = SeededRandom(seed: mixer.next())
    }

    mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &self.random) }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self.random) }
    mutating func chance(_ p: Double) -> Bool { self.random.chance(p) }

    mutating func pick<T>(_ items: [T]) -> T {
        items[self.int(0..<items.count)]
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self.random) }
    }

    /// Printable ASCII.
    mutating func printable(_ count: Int) -> String {
        String((0..<count).map { _ in Character(UnicodeScalar(UInt8.random(in: 32...126, using: &self.random))) })
    }

    mutating func letters(_ count: Int) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
        return String((0..<count).map { _ in self.pick(letters) })
    }

    mutating func alphanumeric(_ count: Int) -> String {
        let characters = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<count).map { _ in self.pick(characters) })
    }
}

extension String {
    fileprivate func fuzzReplacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = self.range(of: target) else { return self }
        return self.replacingCharacters(in: range, with: replacement)
    }

    fileprivate func fuzzReplacingLast(_ target: String, with replacement: String) -> String {
        guard let range = self.range(of: target, options: .backwards) else { return self }
        return self.replacingCharacters(in: range, with: replacement)
    }
}
