import AsyncHTTPClient
import ControlAPI
import Foundation
import NIOCore
import NIOHTTP1
import PaymentCore
import Testing

/// A till talking HTTP to the control socket with AsyncHTTPClient.
struct ControlClient: Sendable {
    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data

        var text: String { String(decoding: self.body, as: UTF8.self) }

        /// The payment object, read with the daemon's own wire type.
        func payment() throws -> PaymentResource {
            try ControlClient.decoder.decode(PaymentResource.self, from: self.body)
        }

        func problem() throws -> Problem {
            try ControlClient.decoder.decode(Problem.self, from: self.body)
        }

        /// The `operation` member of a capture, refund or cancel answer.
        func operation() throws -> MoneyOperationResource {
            struct Wrapper: Decodable { var operation: MoneyOperationResource }
            return try ControlClient.decoder.decode(Wrapper.self, from: self.body).operation
        }

        func json() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: self.body) as? [String: Any])
        }
    }

    /// The problem document as a till would decode it.
    struct Problem: Decodable, Sendable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var code: String
        var hint: String?
        var vipps: VippsErrorResource?
        var payment: PaymentResource?
        var operation: MoneyOperationResource?

        var slug: String { String(self.type.dropFirst("urn:qrpayd:error:".count)) }
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    let socketPath: String
    let httpClient: HTTPClient

    func url(_ path: String) throws -> String {
        try #require(URL(httpURLWithSocketPath: self.socketPath, uri: path)).absoluteString
    }

    func send(
        _ method: HTTPMethod,
        _ path: String,
        body: String? = nil,
        contentType: String? = "application/json",
        headers: [(String, String)] = []
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: try self.url(path))
        request.method = method
        if let body {
            request.body = .bytes(ByteBuffer(string: body))
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await self.httpClient.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Data(bytes.readableBytesView))
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> Answer {
        try await self.send(.GET, path, headers: headers)
    }

    /// A POST with an `Idempotency-Key`, as a till repeating a money operation sends it.
    func post(_ path: String, _ body: String? = nil, idempotencyKey: String) async throws -> Answer {
        try await self.send(.POST, path, body: body, headers: [("Idempotency-Key", idempotencyKey)])
    }

    func post(_ path: String, _ body: String? = nil) async throws -> Answer {
        try await self.send(.POST, path, body: body)
    }

    /// `POST /v1/payments`.
    func create(reference: String, amount: Int, text: String? = nil) async throws -> Answer {
        var fields = ["\"reference\": \"\(reference)\"", "\"amount\": \(amount)"]
        if let text { fields.append("\"text\": \"\(text)\"") }
        return try await self.post("/v1/payments", "{\(fields.joined(separator: ", "))}")
    }

    /// Opens `/v1/events` and returns once the server has answered, so the subscription is in place.
    func events(lastEventID: Int64? = nil) async throws -> EventStreamReader {
        var request = HTTPClientRequest(url: try self.url("/v1/events"))
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: "\(lastEventID)") }
        let response = try await self.httpClient.execute(request, timeout: .hours(1))
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
        return EventStreamReader(response)
    }
}
