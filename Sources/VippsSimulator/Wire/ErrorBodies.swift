import Foundation
import JSONValues

/// The error shapes the Vipps stack answers with. eCom's own errors are an array of
/// errorGroup/errorCode/errorMessage; the Azure gateway in front of it uses two other shapes; the QR API
/// speaks problem+json. Clients must cope with all of them, so the simulator produces each faithfully.
enum ErrorBodies {
    struct EcomError: Sendable {
        var group: String
        var code: String
        var message: String
    }

    static func ecom(_ errors: [EcomError]) -> JSONValue {
        .array(
            errors.map { error in
                [
                    "errorGroup": .string(error.group),
                    "errorCode": .string(error.code),
                    "errorMessage": .string(error.message),
                    "contextId": .string(UUID().uuidString.lowercased()),
                ]
            }
        )
    }

    static func gateway(status: Int, message: String) -> JSONValue {
        ["statusCode": .integer(status), "message": .string(message)]
    }

    static func responseInfo(status: Int, message: String, resultMessage: String? = nil) -> JSONValue {
        var body: JSONValue = [
            "responseInfo": ["responseCode": .integer(status), "responseMessage": .string(message)]
        ]
        if let resultMessage {
            body = body.setting("result", to: ["message": .string(resultMessage)])
        }
        return body
    }

    /// The ePayment API's problem+json (its spec requires type, title, status and traceId). Vipps publishes no
    /// `type` values, so the simulator's are its own URNs: clients must recognise errors without them.
    static func epaymentProblem(status: Int, title: String, detail: String, extra: [(String, String)] = []) -> JSONValue
    {
        let slug = title.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        var body: JSONValue = [
            "type": .string("urn:vipps-sim:epayment:\(String(slug))"),
            "title": .string(title),
            "detail": .string(detail),
            "status": .integer(status),
            "traceId": .string(UUID().uuidString.lowercased()),
        ]
        if !extra.isEmpty {
            body = body.setting(
                "extraDetails",
                to: .array(extra.map { ["name": .string($0.0), "reason": .string($0.1)] })
            )
        }
        return body
    }

    static func problem(status: Int, type: String, title: String, detail: String) -> JSONValue {
        [
            "type": .string(type),
            "title": .string(title),
            "detail": .string(detail),
            "instance": .string(UUID().uuidString.lowercased()),
            "status": .integer(status),
        ]
    }
}

extension VippsAnswer {
    static func ecomError(_ status: Int, group: String, code: String, message: String) -> VippsAnswer {
        .json(status, ErrorBodies.ecom([.init(group: group, code: code, message: message)]))
    }

    static func invalidRequest(field: String, message: String) -> VippsAnswer {
        .ecomError(400, group: "InvalidRequest", code: field, message: message)
    }

    /// What the real API answers when the body does not deserialise into its types (a number MSN, a
    /// fractional amount, a wrongly capitalised `fallBack`): a generic 500, not a helpful 400.
    static let internalError = VippsAnswer.json(
        500,
        ErrorBodies.ecom([.init(group: "VippsError", code: "99", message: "Internal error")])
    )

    static let missingSubscriptionKey = VippsAnswer.json(
        401,
        ErrorBodies.gateway(
            status: 401,
            message: "Access denied due to missing subscription key. "
                + "Make sure to include subscription key when making requests to an API."
        )
    )

    static let invalidSubscriptionKey = VippsAnswer.json(
        401,
        ErrorBodies.gateway(
            status: 401,
            message: "Access denied due to invalid subscription key. "
                + "Make sure to provide a valid key for an active subscription."
        )
    )

    static let invalidClientCredentials = VippsAnswer.json(
        401,
        [
            "error": "unauthorized_client",
            "error_description": "AADSTS7000215: Invalid client secret provided.",
        ]
    )

    static let invalidAccessToken = VippsAnswer.json(
        401,
        ErrorBodies.responseInfo(
            status: 401,
            message: "Something went wrong, please try again later.",
            resultMessage: "Unauthorized"
        )
    )

    static let loginOnlySalesUnit = VippsAnswer.json(
        403,
        ["responseInfo": ["responseCode": 403, "responseMessage": "Merchant Not Allowed for Ecommerce Payment"]]
    )

    static let partnerNotAllowed = VippsAnswer.json(
        403,
        ["responseInfo": ["responseCode": 403, "responseMessage": "Partner not allowed for this merchant"]]
    )

    static let orderNotFound = VippsAnswer.ecomError(
        404,
        group: "Merchant",
        code: "35",
        message: "Requested Order not found"
    )

    static func rateLimited(retryAfter seconds: Int) -> VippsAnswer {
        var answer = VippsAnswer.json(
            429,
            ErrorBodies.gateway(status: 429, message: "Rate limit is exceeded. Try again in \(seconds) seconds.")
        )
        answer.retryAfter = seconds
        return answer
    }
}
