import Testing

@testable import VippsAPI

/// Every error-body shape Vipps is known to send becomes the same typed error.
@Suite struct ErrorBodyParserTests {
    @Test func eComArrayShape() {
        let body =
            #"[{"errorGroup":"Payment","errorCode":"61","errorMessage":"Captured amount exceeds the reserved amount","contextId":"2c924d80-d9e8-46e0-b77e-3d819a4e6831","extra":1}]"#
        let parsed = ErrorBodyParser.parse(Array(body.utf8))
        #expect(parsed.errorGroup == "Payment")
        #expect(parsed.errorCode == "61")
        #expect(parsed.errorMessage == "Captured amount exceeds the reserved amount")
        #expect(parsed.contextId == "2c924d80-d9e8-46e0-b77e-3d819a4e6831")
    }

    @Test func gatewayStatusCodeShape() {
        let body = #"{"statusCode":401,"message":"Access denied due to invalid subscription key."}"#
        let parsed = ErrorBodyParser.parse(Array(body.utf8))
        #expect(parsed.errorMessage == "Access denied due to invalid subscription key.")
    }

    @Test func gatewayResponseInfoShape() {
        let body =
            #"{"responseInfo":{"responseCode":"1000","responseMessage":"Something went wrong. Please try again later."},"result":{"message":"x"}}"#
        let parsed = ErrorBodyParser.parse(Array(body.utf8))
        #expect(parsed.errorMessage == "Something went wrong. Please try again later.")
        #expect(parsed.errorCode == "1000")
    }

    @Test func oldSubscriptionShape() {
        let body = #"{"errorCode":"Unauthorized","errorMessage":"Subscription not found","contextId":"abc"}"#
        let parsed = ErrorBodyParser.parse(Array(body.utf8))
        #expect(parsed.errorMessage == "Subscription not found")
        #expect(parsed.contextId == "abc")
    }

    @Test func problemJSONShape() {
        let body =
            #"{"type":"https://example/validation","title":"Order timeout","detail":"Payment has already timed out","instance":"urn:uuid:1","status":400}"#
        let parsed = ErrorBodyParser.parse(Array(body.utf8))
        #expect(parsed.errorMessage == "Order timeout: Payment has already timed out")
        #expect(parsed.contextId == "urn:uuid:1")
    }

    @Test func azureADShape() {
        let body =
            #"{"error":"unauthorized_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#
        #expect(
            ErrorBodyParser.parse(Array(body.utf8)).errorMessage?.hasPrefix("unauthorized_client: AADSTS7000215")
                == true
        )
    }

    @Test func numericErrorCodesAreAccepted() {
        let body = #"[{"errorGroup":"PAYMENTS","errorCode":45,"errorMessage":"User has not acted upon the payment"}]"#
        let parsed = ErrorBodyParser.parse(Array(body.utf8))
        #expect(parsed.errorCode == "45")
        #expect(VippsErrorGroup(parsing: parsed.errorGroup ?? "") == .payment)
    }

    @Test(arguments: [
        ("Payment", VippsErrorGroup.payment), ("PAYMENTS", .payment), ("user", .user), ("Customer", .user),
        ("MERCHANT", .merchant), ("invalidrequest", .invalidRequest), ("VippsError", .vippsError),
        ("Something", .other("Something")),
    ])
    func errorGroupsParseCaseInsensitively(raw: String, expected: VippsErrorGroup) {
        #expect(VippsErrorGroup(parsing: raw) == expected)
    }

    @Test func plainTextAndControlCharactersAreCleaned() {
        let parsed = ErrorBodyParser.parse(Array("Bad\ngateway\u{1B}[31m".utf8))
        #expect(parsed.errorMessage == "Bad gateway [31m")
    }

    @Test func emptyAndHugeBodiesAreSafe() {
        #expect(ErrorBodyParser.parse([]) == ErrorBodyParser.Parsed())
        let huge = ErrorBodyParser.parse(Array(String(repeating: "x", count: 100_000).utf8))
        #expect((huge.errorMessage?.count ?? 0) <= 301)
    }
}
