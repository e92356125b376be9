import ControlAPI
import Foundation
import PaymentCore
import Testing
import VippsAPI
import VippsSimulator

/// The till's input is checked against what the configured Vipps API accepts (``VippsCreateLimits``) before anything
/// is stored or sent: a refused request answers `400 invalid-request` naming the field and the limit, leaves no
/// payment in the store, and sends nothing to Vipps. Through the real control socket, on both APIs.
@Suite(.timeLimit(.minutes(2)))
struct CreateLimitsTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var api: VippsAPIKind
        var reference: String = "limit-1"
        var amount: Int = 12900
        var text: String?
        var prefix: String?
        /// Nil: accepted (201). Otherwise the problem's `code` and words the detail must contain.
        var refusal: (code: String, mentions: [String])?

        var testDescription: String { "\(self.api.rawValue): \(self.name)" }
    }

    static let bidiOverride = "Kaffe \u{202E}00.09 kr"

    static let cases: [Case] = [
        // The text's length: ePayment's paymentDescription is 3-100, eCom's transactionText 1-100.
        Case(
            name: "1-character text",
            api: .epayment,
            text: "K",
            refusal: ("text-length", ["text", "3-100", "paymentDescription", "got 1"])
        ),
        Case(
            name: "2-character text",
            api: .epayment,
            text: "Ku",
            refusal: ("text-length", ["text", "3-100", "paymentDescription", "got 2"])
        ),
        Case(name: "3-character text", api: .epayment, text: "Kul"),
        Case(name: "1-character text", api: .ecom, text: "K"),
        Case(name: "2-character text", api: .ecom, text: "Ku"),
        Case(
            name: "empty text",
            api: .ecom,
            text: "",
            refusal: ("text-length", ["text", "1-100", "transactionText"])
        ),
        Case(name: "100-character text", api: .epayment, text: String(repeating: "x", count: 100)),
        Case(name: "100-character text", api: .ecom, text: String(repeating: "x", count: 100)),
        Case(
            name: "101-character text",
            api: .epayment,
            text: String(repeating: "x", count: 101),
            refusal: ("text-length", ["text", "3-100", "got 101"])
        ),
        Case(
            name: "101-character text",
            api: .ecom,
            text: String(repeating: "x", count: 101),
            refusal: ("text-length", ["text", "1-100", "got 101"])
        ),
        // 51 emoji are 51 characters but 102 UTF-16 code units, what a Java or .NET validator counts.
        Case(
            name: "51 emoji",
            api: .epayment,
            text: String(repeating: "\u{1F600}", count: 51),
            refusal: ("text-length", ["text", "102 UTF-16 code units"])
        ),
        Case(name: "Norwegian letters", api: .ecom, text: "Blåbærsyltetøy"),
        // Characters that would reorder, hide or break what the customer reads, on both APIs.
        Case(
            name: "bidi override",
            api: .epayment,
            text: Self.bidiOverride,
            refusal: ("text-character", ["text", "U+202E", "RIGHT-TO-LEFT OVERRIDE"])
        ),
        Case(
            name: "bidi override",
            api: .ecom,
            text: Self.bidiOverride,
            refusal: ("text-character", ["text", "U+202E", "RIGHT-TO-LEFT OVERRIDE"])
        ),
        Case(
            name: "bidi isolate",
            api: .ecom,
            text: "Kaffe \u{2067}x\u{2069}",
            refusal: ("text-character", ["U+2067"])
        ),
        Case(
            name: "zero-width space",
            api: .epayment,
            text: "Kaf\u{200B}fe",
            refusal: ("text-character", ["U+200B", "ZERO WIDTH SPACE"])
        ),
        Case(
            name: "line separator",
            api: .ecom,
            text: "Kaffe\u{2028}Gratis",
            refusal: ("text-character", ["U+2028", "LINE SEPARATOR"])
        ),
        Case(
            name: "paragraph separator",
            api: .epayment,
            text: "Kaffe\u{2029}Gratis",
            refusal: ("text-character", ["U+2029"])
        ),
        Case(
            name: "newline",
            api: .ecom,
            text: "Kaffe\nGratis",
            refusal: ("text-character", ["U+000A"])
        ),
        // prefix + reference must fit the API's orderId (eCom) or reference (ePayment): 8-50.
        Case(
            name: "orderId over 50",
            api: .epayment,
            reference: String(repeating: "r", count: 40),
            prefix: "shop0012-till0003-",
            refusal: ("order-id-length", ["reference", "8-50", "it is 58", "shorter"])
        ),
        Case(
            name: "orderId over 50",
            api: .ecom,
            reference: String(repeating: "r", count: 40),
            prefix: "shop0012-till0003-",
            refusal: ("order-id-length", ["orderId", "8-50", "it is 58"])
        ),
        Case(
            name: "orderId under 8",
            api: .epayment,
            reference: "abc",
            prefix: "",
            refusal: ("order-id-length", ["reference", "8-50", "longer"])
        ),
    ]

    @Test(arguments: Self.cases)
    func theTillsInputIsCheckedAgainstTheAPIBeforeAnythingIsCreated(_ input: Case) async throws {
        let configure: @Sendable (inout EngineConfiguration) -> Void = { configuration in
            configuration.api = input.api
            if let prefix = input.prefix { configuration.orderIdPrefix = prefix }
        }
        try await ControlHarness.run(configure: configure) { daemon in
            var fields: [String: Any] = ["reference": input.reference, "amount": input.amount]
            if let text = input.text { fields["text"] = text }
            let body = String(decoding: try JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
            let answer = try await daemon.client.post("/v1/payments", body)
            guard let refusal = input.refusal else {
                #expect(answer.status == 201, "\(answer.text)")
                #expect(try answer.payment().api == input.api)
                return
            }
            #expect(answer.status == 400, "\(answer.text)")
            let problem = try answer.problem()
            #expect(problem.slug == "invalid-request")
            #expect(problem.code == refusal.code)
            for word in refusal.mentions {
                #expect(problem.detail.contains(word), "\(problem.detail) should mention \(word)")
            }
            // Nothing stored, nothing sent.
            #expect(try daemon.store.record(reference: input.reference) == nil)
            #expect(await daemon.simulator.requests().isEmpty)
        }
    }

    /// The API's own amount limit: ePayment takes at most 65,000,000; eCom's specification sets none (the
    /// configured `payment.maximumAmount`, itself at most 65,000,000, is the limit there).
    @Test(arguments: VippsAPIKind.allCases)
    func anAmountAboveWhatTheAPITakesIsRefused(api: VippsAPIKind) throws {
        let limits = VippsCreateLimits(api)
        switch api {
        case .epayment:
            let violation = try #require(throws: VippsCreateLimits.Violation.self) {
                try limits.checkAmount(65_000_001, currency: .nok)
            }
            #expect(violation.field == "amount")
            #expect(violation.code == "amount-range")
            #expect(violation.detail.contains("100-65000000"))
            try limits.checkAmount(65_000_000, currency: .nok)
        case .ecom:
            try limits.checkAmount(65_000_001, currency: .nok)
        }
        #expect(throws: VippsCreateLimits.Violation.self) { try limits.checkAmount(99, currency: .nok) }
        try limits.checkAmount(100, currency: .nok)
    }

    /// The same limits judge the configured default text, so a sale without a text cannot fail at Vipps either.
    @Test func theDefaultTextIsJudgedByTheSameLimits() throws {
        #expect(throws: VippsCreateLimits.Violation.self) {
            try VippsCreateLimits(.epayment).checkText("Ok", field: "payment.defaultText")
        }
        try VippsCreateLimits(.ecom).checkText("Ok", field: "payment.defaultText")
        try VippsCreateLimits(.epayment).checkText("Betaling", field: "payment.defaultText")
        // Every format character is refused, a soft hyphen and a byte-order mark too.
        for scalar in ["\u{00AD}", "\u{FEFF}", "\u{200D}", "\u{061C}"] {
            #expect(throws: VippsCreateLimits.Violation.self) {
                try VippsCreateLimits(.ecom).checkText("Kaffe\(scalar)")
            }
        }
    }
}
