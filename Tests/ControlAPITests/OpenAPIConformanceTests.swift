import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PaymentCore
import TestSupport
import Testing
import VippsSimulator

@testable import ControlAPI

/// The till's contract as code: the route table, `openapi.json` and the daemon's real answers agree, as judged by
/// real OpenAPI tools (openapi-core and schemathesis, from PyPI, in the virtual environment `Tests/openapi/setup.sh`
/// makes).
@Suite(.timeLimit(.minutes(5)))
struct OpenAPIConformanceTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let documentFile = Self.packageRoot.appendingPathComponent("Sources/ControlAPI/Resources/openapi.json")
    static let tools = Self.packageRoot.appendingPathComponent("Tests/openapi")
    static let python = Self.packageRoot.appendingPathComponent(".build/openapi-venv/bin/python3").path

    /// The router, the `405` answers and the document's paths all come from ``ControlRoute/all``; the document must
    /// list exactly those operations, and the daemon serves the file with its own version.
    @Test func theRouteTableAndTheDocumentAgree() async throws {
        let file = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: Self.documentFile)) as? [String: Any]
        )
        let table = Set(
            ControlRoute.all.map { "\(String(describing: $0.method).lowercased()) \($0.path) \($0.operationID)" }
        )
        #expect(Self.operations(in: file) == table)

        try await ControlHarness.run { daemon in
            let answer = try await daemon.client.get("/v1/openapi.json")
            #expect(answer.status == 200)
            #expect(answer.headers.first(name: "Content-Type") == "application/json")
            let served = try answer.json()
            #expect((served["info"] as? [String: Any])?["version"] as? String == "1.2.3-test")
            #expect(Self.operations(in: served) == table)
            #expect(served["openapi"] as? String == "3.1.0")
        }
    }

    /// Real answers of a running daemon, for every route, successes and problems, validated with openapi-core
    /// against the document's schemas (request and answer; a request built to be refused is checked on its answer).
    @Test func realAnswersMatchTheDocument() async throws {
        let exchanges = try await ControlHarness.run(settlement: .till) { daemon in
            var log = ExchangeLog(client: daemon.client)
            try await Self.exercise(daemon, &log)
            return log.exchanges
        }
        let covered = Set(exchanges.map { "\($0.operationID) \($0.status / 100 == 2 ? "success" : "problem")" })
        // Health, the document and the metrics have no problem answers.
        let answerOnly: Set = ["getHealth", "getOpenAPI", "getMetrics"]
        for route in ControlRoute.all where !answerOnly.contains(route.operationID) {
            #expect(covered.contains("\(route.operationID) success"), "no success answer of \(route.operationID)")
            #expect(covered.contains("\(route.operationID) problem"), "no problem answer of \(route.operationID)")
        }
        #expect(covered.contains("getHealth success") && covered.contains("getOpenAPI success"))
        #expect(covered.contains("getMetrics success"))

        let directory = try TemporaryDirectory(prefix: "qrpayd-openapi")
        let file = directory.file("exchanges.jsonl")
        let encoder = JSONEncoder()
        let lines = try exchanges.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try Data(lines.joined(separator: "\n").utf8).write(to: file)
        let validator = Self.tools.appendingPathComponent("validate_answers.py").path
        let result = try await Self.runTool([validator, Self.documentFile.path, file.path])
        #expect(result.status == 0, "\(result.output)\(result.standardError)")
        #expect(result.output.contains("\(exchanges.count) passed, 0 failed"), "\(result.output)")
    }

    /// Schemathesis generates requests, valid and invalid, for every operation but the endless event stream and sends
    /// them over the control socket: every answer must have a documented status and content type and match its
    /// schema, and none may be a 5xx.
    @Test func schemathesisFindsNothing() async throws {
        let result = try await ControlHarness.run(settlement: .till) { daemon in
            try await Self.runTool(
                [
                    "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", Self.tools.path,
                    Self.tools.appendingPathComponent("test_schemathesis.py").path,
                ],
                environment: ["QRPAYD_SOCKET": daemon.socketPath, "QRPAYD_OPENAPI": Self.documentFile.path]
            )
        }
        #expect(result.status == 0, "\(result.output)\(result.standardError)")
        // One generated test per operation: all but the event stream ran.
        #expect(result.output.contains("\(ControlRoute.all.count - 1) passed"), "\(result.output)")
    }

    // MARK: The exchanges

    /// One request of every kind a till makes, good and bad, in an order that reaches every state.
    static func exercise(_ daemon: ControlHarness, _ log: inout ExchangeLog) async throws {
        try await log.send("getHealth", .GET, "/v1/health", expect: 200)
        try await log.send("getOpenAPI", .GET, "/v1/openapi.json", expect: 200)
        try await log.send("getMetrics", .GET, "/metrics", expect: 200)
        try await log.send("listPayments", .GET, "/v1/payments", expect: 200)
        try await log.send("listPayments", .GET, "/v1/payments?limit=0", expect: 400, conforming: false)
        try await log.send(
            "streamEvents",
            .GET,
            "/v1/events",
            headers: [("Last-Event-ID", "x")],
            expect: 400,
            conforming: false
        )

        let create = #"{"reference": "oa-0001", "amount": 12900, "text": "Kaffe og bolle"}"#
        try await log.send("createPayment", .POST, "/v1/payments", body: create, expect: 201)
        try await log.send("createPayment", .POST, "/v1/payments", body: create, expect: 200)
        try await log.send(
            "createPayment",
            .POST,
            "/v1/payments",
            body: #"{"reference": "oa-0001", "amount": 500}"#,
            expect: 409
        )
        try await log.send(
            "createPayment",
            .POST,
            "/v1/payments",
            body: #"{"reference": "oa-0002", "amount": 500}"#,
            expect: 409
        )
        try await log.send(
            "createPayment",
            .POST,
            "/v1/payments",
            body: #"{"reference": "oa-0003", "amount": 129.0}"#,
            expect: 400,
            conforming: false
        )
        try await log.send(
            "createPayment",
            .POST,
            "/v1/payments",
            body: "reference=oa",
            contentType: "text/plain",
            expect: 415,
            conforming: false
        )
        try await log.send(
            "createPayment",
            .POST,
            "/v1/payments",
            body: String(repeating: " ", count: 100_000),
            expect: 413,
            conforming: false
        )
        try await log.send("listPayments", .GET, "/v1/payments?unsettled=true", expect: 200)
        try await log.send("getPayment", .GET, "/v1/payments/oa-0001", expect: 200)
        try await log.send("getPayment", .GET, "/v1/payments/oa-9999", expect: 404)
        try await log.send("getPayment", .GET, "/v1/payments/not_a_reference", expect: 400, conforming: false)
        try await log.send("getPaymentQRCode", .GET, "/v1/payments/oa-0001/qr.png", expect: 200)
        try await log.send("getPaymentQRCode", .GET, "/v1/payments/oa-9999/qr.png", expect: 404)
        try await log.send("capturePayment", .POST, "/v1/payments/oa-0001/capture", expect: 409)
        try await log.send(
            "refundPayment",
            .POST,
            "/v1/payments/oa-0001/refund",
            body: #"{"amount": 100}"#,
            expect: 409
        )

        // The customer approves; the till captures part, refunds some, releases the rest.
        var events = try await daemon.client.events()
        try await daemon.simulator.open(orderId: daemon.orderId("oa-0001"))
        try await daemon.simulator.approve(orderId: daemon.orderId("oa-0001"))
        _ = try await events.payments(until: { $0.reference == "oa-0001" && $0.state == .authorized })
        try await log.stream()
        try await log.send("getPaymentQRCode", .GET, "/v1/payments/oa-0001/qr.png", expect: 409)
        try await log.send(
            "capturePayment",
            .POST,
            "/v1/payments/oa-0001/capture",
            body: #"{"amount": 99999}"#,
            expect: 409
        )
        try await log.send(
            "capturePayment",
            .POST,
            "/v1/payments/oa-0001/capture",
            body: #"{"amount": 10000}"#,
            headers: [("Idempotency-Key", "oa-capture-1")],
            expect: 200
        )
        try await log.send(
            "refundPayment",
            .POST,
            "/v1/payments/oa-0001/refund",
            body: #"{"amount": 2500}"#,
            headers: [("Idempotency-Key", "oa-refund-1")],
            expect: 200
        )
        try await log.send(
            "refundPayment",
            .POST,
            "/v1/payments/oa-0001/refund",
            body: #"{"amount": 2500}"#,
            headers: [("Idempotency-Key", "oa-refund-1")],
            expect: 200
        )
        try await log.send(
            "refundPayment",
            .POST,
            "/v1/payments/oa-0001/refund",
            body: #"{"amount": 5000}"#,
            headers: [("Idempotency-Key", "oa-refund-1")],
            expect: 409
        )
        try await log.send(
            "refundPayment",
            .POST,
            "/v1/payments/oa-0001/refund",
            body: #"{"amount": 99999}"#,
            expect: 409
        )
        try await log.send(
            "refundPayment",
            .POST,
            "/v1/payments/oa-0001/refund",
            body: "{}",
            expect: 400,
            conforming: false
        )
        try await log.send("cancelPayment", .POST, "/v1/payments/oa-0001/cancel", expect: 200)
        try await log.send("cancelPayment", .POST, "/v1/payments/oa-9999/cancel", expect: 404)

        // Vipps answers 503: the operation is pending (202), and an invalid key is refused.
        let create2 = #"{"reference": "oa-0002", "amount": 5000}"#
        try await log.send("createPayment", .POST, "/v1/payments", body: create2, expect: 201)
        try await daemon.simulator.open(orderId: daemon.orderId("oa-0002"))
        try await daemon.simulator.approve(orderId: daemon.orderId("oa-0002"))
        _ = try await events.payments(until: { $0.reference == "oa-0002" && $0.state == .authorized })
        await daemon.simulator.inject(
            .status(503, count: 1, method: "POST", pathPrefix: "/ecomm/v2/payments/kiosk7-oa-0002/capture")
        )
        try await log.send(
            "capturePayment",
            .POST,
            "/v1/payments/oa-0002/capture",
            headers: [("Idempotency-Key", "oa-capture-2")],
            expect: 202
        )
        try await log.send(
            "cancelPayment",
            .POST,
            "/v1/payments/oa-0002/cancel",
            headers: [("Idempotency-Key", "bad key")],
            expect: 400,
            conforming: false
        )
    }

    /// `"get /v1/payments getPayment"` for every operation of a document.
    static func operations(in document: [String: Any]) -> Set<String> {
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        return Set(
            paths.flatMap { path, item in
                item.compactMap { method, operation in
                    (operation as? [String: Any])?["operationId"].map { "\(method) \(path) \($0)" }
                }
            }
        )
    }

    /// Runs the virtual environment's Python (with one of `Tests/openapi`'s tools).
    static func runTool(_ arguments: [String], environment: [String: String] = [:]) async throws -> CLIProcess.Result {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            throw ToolsMissing(
                description: "\(Self.python) is missing: run Tests/openapi/setup.sh (the README's test command does)"
            )
        }
        var merged: [String: String?] = ["PYTHONDONTWRITEBYTECODE": "1"]
        for (key, value) in environment { merged[key] = value }
        return try await CLIProcess.run(arguments, environment: merged, executable: Self.python)
    }
}

struct ToolsMissing: Error, CustomStringConvertible {
    var description: String
}

/// Every request sent and the daemon's answer, as `Tests/openapi/validate_answers.py` reads them.
struct ExchangeLog {
    struct Exchange: Encodable, Sendable {
        var operationID: String
        var method: String
        var path: String
        var query: String
        var headers: [String: String]
        var body: String?
        var requestConforms: Bool
        var status: Int
        var responseHeaders: [String: String]
        /// Base64, so the PNG travels too.
        var responseBody: String
    }

    let client: ControlClient
    private(set) var exchanges: [Exchange] = []

    init(client: ControlClient) {
        self.client = client
    }

    mutating func send(
        _ operationID: String,
        _ method: HTTPMethod,
        _ target: String,
        body: String? = nil,
        contentType: String = "application/json",
        headers: [(String, String)] = [],
        expect status: Int,
        conforming: Bool = true
    ) async throws {
        let answer = try await self.client.send(method, target, body: body, contentType: contentType, headers: headers)
        #expect(answer.status == status, "\(method) \(target): \(answer.text)")
        var requestHeaders = Dictionary(headers, uniquingKeysWith: { _, last in last })
        if body != nil { requestHeaders["Content-Type"] = contentType }
        self.record(operationID, method, target, headers: requestHeaders, body: body, conforming: conforming, answer)
    }

    /// `GET /v1/events`: the head and the first block (the stream itself never ends).
    mutating func stream() async throws {
        var request = HTTPClientRequest(url: try self.client.url("/v1/events"))
        request.headers.add(name: "Last-Event-ID", value: "0")
        let response = try await self.client.httpClient.execute(request, timeout: .seconds(30))
        var body = response.body.makeAsyncIterator()
        let first = try await body.next() ?? ByteBuffer()
        let answer = ControlClient.Answer(
            status: Int(response.status.code),
            headers: response.headers,
            body: Data(first.readableBytesView)
        )
        self.record(
            "streamEvents",
            .GET,
            "/v1/events",
            headers: ["Last-Event-ID": "0"],
            body: nil,
            conforming: true,
            answer
        )
    }

    private mutating func record(
        _ operationID: String,
        _ method: HTTPMethod,
        _ target: String,
        headers: [String: String],
        body: String?,
        conforming: Bool,
        _ answer: ControlClient.Answer
    ) {
        let (path, query) = Self.split(target)
        self.exchanges.append(
            Exchange(
                operationID: operationID,
                method: method.rawValue,
                path: path,
                query: query,
                headers: headers,
                body: body,
                requestConforms: conforming,
                status: answer.status,
                responseHeaders: Dictionary(answer.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }),
                responseBody: answer.body.base64EncodedString()
            )
        )
    }

    private static func split(_ target: String) -> (path: String, query: String) {
        guard let question = target.firstIndex(of: "?") else { return (target, "") }
        return (String(target[..<question]), String(target[target.index(after: question)...]))
    }
}
