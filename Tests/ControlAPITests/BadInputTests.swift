import ControlAPI
import NIOHTTP1
import PaymentCore
import Testing
import VippsSimulator

/// Every mistake a till can make gets a clear problem document, and changes nothing.
@Suite struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var method: HTTPMethod = .POST
        var path: String = "/v1/payments"
        var body: String?
        var contentType: String? = "application/json"
        var headers: [(String, String)] = []
        var status: Int
        var slug: String
        /// Words the detail must contain (the field it is about).
        var mentions: [String] = []

        var testDescription: String { self.name }
    }

    static let cases: [Case] = [
        Case(
            name: "malformed JSON",
            body: #"{"reference": "till7-1", "amount": }"#,
            status: 400,
            slug: "invalid-request"
        ),
        Case(name: "not an object", body: #"["till7-1", 12900]"#, status: 400, slug: "invalid-request"),
        Case(
            name: "amount as a string",
            body: #"{"reference": "till7-000500", "amount": "12900"}"#,
            status: 400,
            slug: "invalid-request",
            mentions: ["amount", "string"]
        ),
        Case(
            name: "amount with a fraction",
            body: #"{"reference": "till7-000500", "amount": 129.5}"#,
            status: 400,
            slug: "invalid-request",
            mentions: ["amount"]
        ),
        Case(
            name: "reference as a number",
            body: #"{"reference": 500, "amount": 12900}"#,
            status: 400,
            slug: "invalid-request",
            mentions: ["reference"]
        ),
        Case(
            name: "unknown field",
            body: #"{"reference": "till7-000500", "amount": 12900, "tip": 500}"#,
            status: 400,
            slug: "invalid-request",
            mentions: ["tip"]
        ),
        Case(
            name: "missing reference",
            body: #"{"amount": 12900}"#,
            status: 400,
            slug: "invalid-request",
            mentions: ["reference"]
        ),
        Case(
            name: "missing amount",
            body: #"{"reference": "till7-000500"}"#,
            status: 400,
            slug: "invalid-request",
            mentions: ["amount"]
        ),
        Case(name: "no body", body: nil, status: 400, slug: "invalid-request"),
        Case(
            name: "17 KiB body",
            body: #"{"reference": "till7-000500", "amount": 12900, "text": ""#
                + String(repeating: "x", count: 17 * 1024) + #""}"#,
            status: 413,
            slug: "payload-too-large"
        ),
        Case(
            name: "bad reference",
            body: #"{"reference": "till 7/1", "amount": 12900}"#,
            status: 400,
            slug: "invalid-request",
            mentions: ["reference"]
        ),
        Case(
            name: "amount 99",
            body: #"{"reference": "till7-000500", "amount": 99}"#,
            status: 400,
            slug: "invalid-request",
            mentions: ["amount"]
        ),
        Case(
            name: "amount above the maximum",
            body: #"{"reference": "till7-000500", "amount": 1000001}"#,
            status: 422,
            slug: "amount-too-high",
            mentions: ["amount"]
        ),
        Case(
            name: "text/plain body",
            body: #"{"reference": "till7-000500", "amount": 12900}"#,
            contentType: "text/plain",
            status: 415,
            slug: "unsupported-media-type",
            mentions: ["Content-Type"]
        ),
        Case(
            name: "no Content-Type",
            body: #"{"reference": "till7-000500", "amount": 12900}"#,
            contentType: nil,
            status: 415,
            slug: "unsupported-media-type"
        ),
        Case(name: "unknown path", method: .GET, path: "/v1/nothing", status: 404, slug: "not-found"),
        Case(name: "unknown version", method: .GET, path: "/v2/payments", status: 404, slug: "not-found"),
        Case(name: "wrong method", method: .DELETE, path: "/v1/payments", status: 405, slug: "method-not-allowed"),
        Case(
            name: "GET on cancel",
            method: .GET,
            path: "/v1/payments/till7-000500/cancel",
            status: 405,
            slug: "method-not-allowed"
        ),
        Case(
            name: "bad reference in the path",
            method: .GET,
            path: "/v1/payments/till%207",
            status: 400,
            slug: "invalid-request"
        ),
        Case(
            name: "overlong reference in the path",
            method: .GET,
            path: "/v1/payments/" + String(repeating: "a", count: 41),
            status: 400,
            slug: "invalid-request"
        ),
        Case(
            name: "capture amount as a string",
            path: "/v1/payments/till7-000500/capture",
            body: #"{"amount": "all"}"#,
            status: 400,
            slug: "invalid-request",
            mentions: ["amount"]
        ),
        Case(
            name: "refund without amount",
            path: "/v1/payments/till7-000500/refund",
            body: "{}",
            status: 400,
            slug: "invalid-request",
            mentions: ["amount"]
        ),
        Case(
            name: "cancel with a field",
            path: "/v1/payments/till7-000500/cancel",
            body: #"{"force": true}"#,
            status: 400,
            slug: "invalid-request",
            mentions: ["force"]
        ),
        Case(
            name: "bad Last-Event-ID",
            method: .GET,
            path: "/v1/events",
            headers: [("Last-Event-ID", "yesterday")],
            status: 400,
            slug: "invalid-request"
        ),
        Case(
            name: "bad unsettled flag",
            method: .GET,
            path: "/v1/payments?unsettled=maybe",
            status: 400,
            slug: "invalid-request"
        ),
    ]

    @Test(arguments: Self.cases)
    func isAnsweredWithAProblemAndChangesNothing(_ input: Case) async throws {
        try await ControlHarness.run { daemon in
            let before = try daemon.storeSnapshot()
            let answer = try await daemon.client.send(
                input.method,
                input.path,
                body: input.body,
                contentType: input.contentType,
                headers: input.headers
            )
            #expect(answer.status == input.status, "\(answer.text)")
            #expect(answer.headers.first(name: "Content-Type") == "application/problem+json")
            let problem = try answer.problem()
            #expect(problem.type == "urn:qrpayd:error:\(input.slug)")
            #expect(problem.status == input.status)
            #expect(!problem.title.isEmpty)
            for word in input.mentions {
                #expect(problem.detail.contains(word), "\(problem.detail)")
            }
            #expect(try daemon.storeSnapshot() == before)
            #expect(await daemon.simulator.payments().isEmpty)
        }
    }

    @Test func aWrongMethodNamesTheAllowedOnes() async throws {
        try await ControlHarness.run { daemon in
            let answer = try await daemon.client.send(.PUT, "/v1/payments/till7-1/refund", body: "{}")
            #expect(answer.status == 405)
            #expect(answer.headers.first(name: "Allow") == "POST")
        }
    }

    @Test func theServerKeepsServingAfterBadInput() async throws {
        try await ControlHarness.run { daemon in
            _ = try await daemon.client.post("/v1/payments", "{nonsense")
            let created = try await daemon.client.create(reference: "till7-000501", amount: 12900)
            #expect(created.status == 201)
        }
    }
}
