import ControlAPI
import Foundation
import Logging
import NIOHTTP1
import PaymentCore
import Testing
import VippsSimulator

#if canImport(Glibc)
    import Glibc
#endif

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

    /// Bodies whose bytes do not match their framing; the parser only finds out once the handler reads the body.
    static let brokenFraming: [(name: String, request: String, hangUp: Bool)] = [
        ("chunk size not hex", "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", false),
        ("chunk size past any number", "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffffffff\r\n{}\r\n", false),
        ("fewer bytes than Content-Length, then the till hangs up", "Content-Length: 50\r\n\r\n{\"amount\":", true),
    ]

    /// Regression: these were answered `500 internal-error` (with an error in the log) instead of `400`.
    @Test(arguments: Self.brokenFraming.indices)
    func aBodyThatBreaksItsFramingIsABadRequest(_ index: Int) async throws {
        let input = Self.brokenFraming[index]
        try await ControlHarness.run { daemon in
            let before = try daemon.storeSnapshot()
            let fd = try TestSocket.connect(to: daemon.socketPath)
            defer { close(fd) }
            let path = ["/v1/payments", "/v1/payments/till7-1/refund"][index % 2]
            let head = "POST \(path) HTTP/1.1\r\nHost: qrpayd\r\nContent-Type: application/json\r\n"
            try TestSocket.write(fd, head + input.request)
            if input.hangUp { shutdown(fd, Int32(SHUT_WR)) }

            // Read to the end: the daemon answers and then closes, as the connection cannot carry another request.
            let answer = try await TestSocket.readToEnd(fd)
            #expect(answer.hasPrefix("HTTP/1.1 400 "), "\(answer)")
            let parts = answer.components(separatedBy: "\r\n\r\n")
            #expect(parts[0].lowercased().contains("content-type: application/problem+json"))
            let problem =
                try JSONSerialization.jsonObject(with: Data(parts.dropFirst().joined().utf8)) as? [String: Any]
            #expect(problem?["type"] as? String == "urn:qrpayd:error:invalid-request")
            #expect(daemon.logs.all.filter { $0.level >= .error }.isEmpty)
            #expect(try daemon.storeSnapshot() == before)
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

extension TestSocket {
    static func write(_ fd: Int32, _ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { send(fd, $0.baseAddress.map { $0 + sent }, bytes.count - sent, 0) }
            guard count > 0 else { throw Failure(description: "send: \(errno)") }
            sent += count
        }
    }

    /// Reads, on a thread of its own, until the other end closes (or 10 s pass); returns what came.
    static func readToEnd(_ fd: Int32) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                var received: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 16 * 1024)
                while true {
                    var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    let ready = poll(&descriptor, 1, 10_000)
                    if ready < 0, errno == EINTR { continue }
                    guard ready == 1 else {
                        continuation.resume(throwing: Failure(description: "no end of file within 10 s"))
                        return
                    }
                    let count = read(fd, &buffer, buffer.count)
                    if count < 0, errno == EINTR { continue }
                    guard count > 0 else { break }
                    received += buffer[0..<count]
                }
                continuation.resume(returning: String(decoding: received, as: UTF8.self))
            }
            thread.start()
        }
    }
}
