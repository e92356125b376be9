import AsyncHTTPClient
import Foundation
import JSONValues
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Testing

@testable import VippsSimulator

/// A simulator serving HTTP on a free loopback port for the length of one test, and a client for it.
struct LiveSimulator: Sendable {
    struct NotListening: Error {}

    let simulator: VippsSimulator
    let baseURL: String

    static let unit = VippsSimulatorConfiguration.demoSalesUnit

    /// Starts the simulator, runs `body` against it, and shuts it down again.
    static func with<Result: Sendable>(
        _ configuration: VippsSimulatorConfiguration = .demo,
        _ body: (LiveSimulator) async throws -> Result
    ) async throws -> Result {
        var logger = Logger(label: "vipps-sim-test")
        logger.logLevel = .warning
        let simulator = VippsSimulator(configuration: configuration, logger: logger)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let server = ServiceGroup(
            configuration: .init(
                services: [simulator.makeService(host: "127.0.0.1", port: 0) { portContinuation.yield($0) }],
                logger: logger
            )
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // If the server cannot start, finishing the stream ends the wait for a port below.
                defer { portContinuation.finish() }
                try await server.run()
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                try await group.waitForAll()
                throw NotListening()
            }
            let harness = LiveSimulator(simulator: simulator, baseURL: "http://127.0.0.1:\(port)")
            let outcome: Swift.Result<Result, any Error>
            do {
                outcome = .success(try await body(harness))
            } catch {
                outcome = .failure(error)
            }
            // Shut down the way a service group would, so the server closes its connections cleanly.
            await server.triggerGracefulShutdown()
            try await group.waitForAll()
            return try outcome.get()
        }
    }

    // MARK: HTTP

    /// The methods the Vipps APIs use, so tests need not import NIO's HTTP types.
    enum Method: String, Sendable {
        case GET, POST, PUT, DELETE
    }

    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data

        func header(_ name: String) -> String? { self.headers.first(name: name) }

        var json: JSONValue? { JSONValue.parse(self.body) }
        var text: String { String(decoding: self.body, as: UTF8.self) }
        var contentType: String? { self.header("Content-Type") }
    }

    func send(
        _ method: Method,
        _ path: String,
        headers: [(String, String)] = [],
        body: String? = nil,
        deadline: TimeAmount = .seconds(30)
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: self.baseURL + path)
        request.method = HTTPMethod(rawValue: method.rawValue)
        for (name, value) in headers {
            request.headers.add(name: name, value: value)
        }
        if let body {
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: deadline)
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Data(bytes.readableBytesView))
    }

    func send(
        _ method: Method,
        _ path: String,
        headers: [(String, String)] = [],
        json: JSONValue
    ) async throws -> Answer {
        try await self.send(
            method,
            path,
            headers: headers + [("Content-Type", "application/json")],
            body: String(decoding: json.serialized(), as: UTF8.self)
        )
    }

    // MARK: Vipps calls

    static func credentialHeaders(
        _ unit: VippsSimulatorConfiguration.SalesUnit = Self.unit
    ) -> [(String, String)] {
        [
            ("client_id", unit.clientID), ("client_secret", unit.clientSecret),
            ("Ocp-Apim-Subscription-Key", unit.subscriptionKey),
        ]
    }

    func accessToken(
        subscriptionKey: String = Self.unit.subscriptionKey,
        clientID: String = Self.unit.clientID,
        clientSecret: String = Self.unit.clientSecret
    ) async throws -> String {
        let answer = try await self.send(
            .POST,
            "/accesstoken/get",
            headers: [
                ("client_id", clientID), ("client_secret", clientSecret),
                ("Ocp-Apim-Subscription-Key", subscriptionKey),
            ]
        )
        return try #require(answer.json?["access_token"]?.stringValue)
    }

    /// The headers of an authorised eCom call, as a well-behaved client sends them.
    func apiHeaders(
        token: String,
        subscriptionKey: String = Self.unit.subscriptionKey,
        extra: [(String, String)] = []
    ) -> [(String, String)] {
        [("Authorization", "Bearer \(token)"), ("Ocp-Apim-Subscription-Key", subscriptionKey)] + extra
    }

    /// An authorised client for the demo sales unit.
    func client() async throws -> WireClient {
        WireClient(harness: self, headers: self.apiHeaders(token: try await self.accessToken()))
    }
}

/// A minimal stand-in for the daemon's client, only as clever as the tests need.
struct WireClient: Sendable {
    let harness: LiveSimulator
    var headers: [(String, String)]

    static func initiateBody(
        orderId: String,
        amount: Int = 20_000,
        msn: String = LiveSimulator.unit.msn
    ) -> JSONValue {
        [
            "customerInfo": [:],
            "merchantInfo": [
                "merchantSerialNumber": .string(msn),
                "callbackPrefix": "https://example.com/vipps/callbacks",
                "fallBack": "https://www.vipps.no/thankyoupage/",
            ],
            "transaction": [
                "orderId": .string(orderId),
                "amount": .integer(amount),
                "transactionText": "Kaffe og bolle",
                "skipLandingPage": false,
            ],
        ]
    }

    func initiate(_ body: JSONValue) async throws -> LiveSimulator.Answer {
        try await self.harness.send(.POST, "/ecomm/v2/payments", headers: self.headers, json: body)
    }

    /// Initiates a payment that must succeed and returns its `url`.
    @discardableResult
    func initiate(orderId: String, amount: Int = 20_000) async throws -> String {
        let answer = try await self.initiate(Self.initiateBody(orderId: orderId, amount: amount))
        #expect(answer.status == 200, "initiate failed: \(answer.text)")
        return try #require(answer.json?["url"]?.stringValue)
    }

    func details(_ orderId: String) async throws -> LiveSimulator.Answer {
        try await self.harness.send(.GET, "/ecomm/v2/payments/\(orderId)/details", headers: self.headers)
    }

    static func actionBody(amount: Int?, text: String = "Thanks", release: Bool? = nil) -> JSONValue {
        var transaction: JSONValue = ["transactionText": .string(text)]
        if let amount {
            transaction = transaction.setting("amount", to: .integer(amount))
        }
        var body: JSONValue = ["merchantInfo": ["merchantSerialNumber": "123456"], "transaction": transaction]
        if let release {
            body = body.setting("shouldReleaseRemainingFunds", to: .bool(release))
        }
        return body
    }

    func capture(_ orderId: String, amount: Int?, requestId: String? = "capture-1") async throws
        -> LiveSimulator.Answer
    {
        try await self.harness.send(
            .POST,
            "/ecomm/v2/payments/\(orderId)/capture",
            headers: self.headers + (requestId.map { [("X-Request-Id", $0)] } ?? []),
            json: Self.actionBody(amount: amount)
        )
    }

    func refund(_ orderId: String, amount: Int?, requestId: String? = "refund-1") async throws
        -> LiveSimulator.Answer
    {
        try await self.harness.send(
            .POST,
            "/ecomm/v2/payments/\(orderId)/refund",
            headers: self.headers + (requestId.map { [("X-Request-Id", $0)] } ?? []),
            json: Self.actionBody(amount: amount)
        )
    }

    func cancel(_ orderId: String, release: Bool? = nil) async throws -> LiveSimulator.Answer {
        try await self.harness.send(
            .PUT,
            "/ecomm/v2/payments/\(orderId)/cancel",
            headers: self.headers,
            json: Self.actionBody(amount: nil, text: "Cancelled at the till", release: release)
        )
    }
}

// MARK: Expectations

/// Checks an eCom error array: the one error's group and code, and a `contextId` on every item.
func expectEcomError(
    _ answer: LiveSimulator.Answer,
    status: Int,
    group: String,
    code: String,
    message: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(answer.status == status, "body: \(answer.text)", sourceLocation: sourceLocation)
    guard case .array(let errors)? = answer.json, let first = errors.first else {
        Issue.record("not an eCom error array: \(answer.text)", sourceLocation: sourceLocation)
        return
    }
    #expect(first["errorGroup"]?.stringValue == group, sourceLocation: sourceLocation)
    #expect(first["errorCode"]?.stringValue == code, sourceLocation: sourceLocation)
    if let message {
        #expect(first["errorMessage"]?.stringValue == message, sourceLocation: sourceLocation)
    }
    for error in errors {
        #expect(UUID(uuidString: error["contextId"]?.stringValue ?? "") != nil, sourceLocation: sourceLocation)
    }
}

/// The operations in `/details`, newest first, as `OPERATION:success` strings.
func operations(_ details: LiveSimulator.Answer) -> [String] {
    guard case .array(let items)? = details.json?["transactionLogHistory"] else { return [] }
    return items.map { item in
        "\(item["operation"]?.stringValue ?? "?"):\(item["operationSuccess"]?.boolValue == true ? "ok" : "failed")"
    }
}

/// A unique orderId per call, so tests never collide on Vipps' per-MSN uniqueness rule.
func newOrderId(_ label: String = "order") -> String {
    "\(label)-\(UUID().uuidString.prefix(8).lowercased())"
}

extension WireClient {
    /// A payment the customer has approved, ready to capture.
    func reservedPayment(amount: Int = 20_000) async throws -> String {
        let orderId = newOrderId("reserved")
        try await self.initiate(orderId: orderId, amount: amount)
        try await self.harness.simulator.approve(orderId: orderId)
        return orderId
    }
}
