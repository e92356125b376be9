import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PaymentCore
import ServerSentEvents

/// The handlers of the control API (shared/design/CONTROL-API.md). They check what the till sent, hand it to the
/// ``PaymentEngine`` and turn the answer into JSON; every refusal is a ``PaymentProblem`` that
/// ``ProblemMiddleware`` writes as `application/problem+json`.
struct ControlRoutes: Sendable {
    var engine: PaymentEngine
    var health: @Sendable () async -> HealthReport
    var events: PaymentEventStream
    var metrics: @Sendable () async -> String
    var version: String
    var logger: Logger
    /// `openapi.json` with this daemon's version, made once.
    var openAPIDocument: ByteBuffer

    /// `GET /v1/payments` without `unsettled=true` lists this many of the newest payments unless `limit` says otherwise.
    static let defaultListLimit = 50
    static let maximumListLimit = 500

    /// The router of every route in ``ControlRoute/all``, behind ``ProblemMiddleware``.
    func makeRouter() -> Router<ControlRequestContext> {
        let router = Router(context: ControlRequestContext.self)
        router.add(middleware: ProblemMiddleware(version: self.version, logger: self.logger))
        for route in ControlRoute.all {
            router.on(RouterPath(route.path), method: route.method) { request, context in
                try await route.handle(self, request, context)
            }
        }
        return router
    }

    // MARK: Payments

    func create(_ request: Request, _ context: ControlRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(
            request,
            allowed: ["reference", "amount", "text"],
            bodyRequired: true
        )
        let paymentRequest = PaymentRequest(
            reference: try fields.requiredString("reference"),
            amount: try fields.requiredInteger("amount", meaning: "a whole number of øre"),
            text: try fields.string("text")
        )
        let (payment, created) = try await self.engine.create(paymentRequest, caller: await context.caller())
        var headers: HTTPFields = [:]
        if created {
            headers[.location] = "/v1/payments/\(payment.reference)"
        }
        return try self.json(PaymentResource(payment), status: created ? .created : .ok, headers: headers)
    }

    func list(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let unsettled = try Self.flag(query["unsettled"], name: "unsettled")
        let payments: [Payment]
        if unsettled {
            payments = try await self.engine.unsettledPayments()
        } else {
            payments = try await self.engine.recentPayments(limit: try Self.limit(query["limit"]))
        }
        return try self.json(PaymentList(payments: payments.map(PaymentResource.init)))
    }

    func payment(_ context: ControlRequestContext) async throws -> Response {
        try self.json(PaymentResource(try await self.engine.payment(reference: try Self.reference(context))))
    }

    func qrImage(_ context: ControlRequestContext) async throws -> Response {
        let reference = try Self.reference(context)
        let payment = try await self.engine.payment(reference: reference)
        guard let png = await self.engine.qrImage(reference: reference) else {
            throw PaymentProblem(
                .invalidState,
                title: "No QR code",
                detail:
                    "Payment \(reference) is \(payment.state.rawValue); the QR code exists only while it awaits a scan.",
                payment: payment
            )
        }
        return Response(
            status: .ok,
            headers: [.contentType: "image/png", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: png))
        )
    }

    func cancel(_ request: Request, _ context: ControlRequestContext) async throws -> Response {
        let reference = try Self.reference(context)
        let key = try Self.idempotencyKey(request)
        _ = try await RequestFields.read(request, allowed: [], bodyRequired: false)
        let result = try await self.engine.cancel(
            reference: reference,
            idempotencyKey: key,
            caller: await context.caller()
        )
        return try self.operationResponse(result)
    }

    func capture(_ request: Request, _ context: ControlRequestContext) async throws -> Response {
        let reference = try Self.reference(context)
        let key = try Self.idempotencyKey(request)
        let fields = try await RequestFields.read(request, allowed: ["amount"], bodyRequired: false)
        let amount = try fields.integer("amount", meaning: "a whole number of øre")
        let result = try await self.engine.capture(
            reference: reference,
            amount: amount,
            idempotencyKey: key,
            caller: await context.caller()
        )
        return try self.operationResponse(result)
    }

    func refund(_ request: Request, _ context: ControlRequestContext) async throws -> Response {
        let reference = try Self.reference(context)
        let key = try Self.idempotencyKey(request)
        let fields = try await RequestFields.read(request, allowed: ["amount"], bodyRequired: true)
        let amount = try fields.requiredInteger("amount", meaning: "a whole number of øre")
        let caller = await context.caller()
        do {
            try RefundAuthorization(groups: self.engine.configuration.refunds.allowedGroups).check(caller)
        } catch {
            // Someone tried to send money back who may not: the operator should be able to see who.
            self.logger.notice(
                "Refund refused: the caller may not refund",
                metadata: [
                    "message_id": "\(JournalEvent.tillRequest.messageID)",
                    "payment.reference": "\(LogEscaping.escape(reference))",
                    "payment.amount": "\(amount)",
                    "caller.uid": "\(caller.uid.map(String.init) ?? "-")",
                    "caller.pid": "\(caller.pid.map(String.init) ?? "-")",
                ]
            )
            throw error
        }
        let result = try await self.engine.refund(
            reference: reference,
            amount: amount,
            idempotencyKey: key,
            caller: caller
        )
        return try self.operationResponse(result)
    }

    /// `200` with the payment when the operation is done (or there was nothing to do), `202 Accepted` while its
    /// outcome is pending; the payment object carries the operation as `operation`.
    private func operationResponse(_ result: MoneyOperationResult) throws -> Response {
        var headers: HTTPFields = [:]
        if result.isPending {
            headers[.location] = "/v1/payments/\(result.payment.reference)"
        }
        return try self.json(
            OperationAnswer(
                payment: PaymentResource(result.payment),
                operation: result.operation.map(MoneyOperationResource.init)
            ),
            status: result.isPending ? .accepted : .ok,
            headers: headers
        )
    }

    /// The optional `Idempotency-Key` header: 1-255 visible ASCII characters.
    private static func idempotencyKey(_ request: Request) throws(PaymentProblem) -> String? {
        guard let name = HTTPField.Name("Idempotency-Key"), let value = request.headers[name] else { return nil }
        let key = value.trimmingCharacters(in: .whitespaces)
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw PaymentProblem(
                .invalidRequest,
                title: "Invalid Idempotency-Key",
                detail: "Idempotency-Key must be 1-255 visible ASCII characters (a UUID is a good choice)."
            )
        }
        return key
    }

    // MARK: Events

    func eventStream(_ request: Request, _ context: ControlRequestContext) async throws -> Response {
        var lastEventID: Int64?
        if let header = request.headers.first(where: { $0.name.canonicalName == "last-event-id" })?.value {
            guard let id = Int64(header.trimmingCharacters(in: .whitespaces)), id >= 0 else {
                throw PaymentProblem(
                    .invalidRequest,
                    title: "Invalid Last-Event-ID",
                    detail: "Last-Event-ID must be the number of an event this daemon sent."
                )
            }
            lastEventID = id
        }
        return Response(
            status: .ok,
            headers: [.contentType: EventStreamWriter.contentType, .cacheControl: "no-store"],
            body: await self.events.makeBody(after: lastEventID, channel: context.channel)
        )
    }

    // MARK: Helpers

    /// The `{reference}` of the path, checked with the same rule as a new payment's reference before it is used.
    private static func reference(_ context: ControlRequestContext) throws(PaymentProblem) -> String {
        let reference = context.parameters.get("reference") ?? ""
        let valid =
            (1...40).contains(reference.count)
            && reference.unicodeScalars.allSatisfy {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-")
            }
        guard valid else {
            throw PaymentProblem(
                .invalidRequest,
                title: "Invalid reference",
                detail: "The reference in the path must be 1-40 characters of A-Z, a-z, 0-9 and '-'."
            )
        }
        return reference
    }

    private static func flag(_ value: Substring?, name: String) throws(PaymentProblem) -> Bool {
        switch value?.lowercased() {
        case nil, "false", "0": return false
        case "true", "1", "": return true
        default:
            throw PaymentProblem(.invalidRequest, title: "Invalid query", detail: "\(name) must be true or false.")
        }
    }

    private static func limit(_ value: Substring?) throws(PaymentProblem) -> Int {
        guard let value else { return self.defaultListLimit }
        guard let limit = Int(value), (1...self.maximumListLimit).contains(limit) else {
            throw PaymentProblem(
                .invalidRequest,
                title: "Invalid query",
                detail: "limit must be a number from 1 to \(self.maximumListLimit)."
            )
        }
        return limit
    }

    private func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws
        -> Response
    {
        var headers = headers
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(
            status: status,
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try WireJSON.encode(value)))
        )
    }

    func healthReport() async throws -> Response {
        try self.json(await self.health())
    }

    /// The daemon's metrics in the Prometheus text format (the same as on `metrics.listen`).
    func metricsText() async -> Response {
        Response(
            status: .ok,
            headers: [.contentType: MetricsExposition.contentType, .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: await self.metrics()))
        )
    }

    func openAPIResponse() -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: self.openAPIDocument)
        )
    }
}

/// The answer to a capture, refund or cancel: the payment object with one more member, `operation`.
struct OperationAnswer: Encodable {
    var payment: PaymentResource
    var operation: MoneyOperationResource?

    private enum CodingKeys: String, CodingKey { case operation }

    func encode(to encoder: any Encoder) throws {
        try self.payment.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.operation, forKey: .operation)
    }
}

/// The answer to `GET /v1/payments`: an object rather than a bare array, so fields can be added later.
struct PaymentList: Encodable {
    var payments: [PaymentResource]
}
