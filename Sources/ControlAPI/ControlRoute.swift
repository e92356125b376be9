import HTTPTypes
import Hummingbird

/// One operation of the till's API, and the table of all of them: the router registers from ``all``, a request whose
/// path matches but whose method does not is answered `405` with the methods from here, and a test checks that
/// `openapi.json` documents exactly these operations.
struct ControlRoute: Sendable {
    var method: HTTPRequest.Method
    /// OpenAPI's path template; `{reference}` is the path parameter, which Hummingbird's router reads the same way.
    var path: String
    /// The operation's `operationId` in `openapi.json`.
    var operationID: String
    var handle: @Sendable (ControlRoutes, Request, ControlRequestContext) async throws -> Response

    init(
        _ method: HTTPRequest.Method,
        _ path: String,
        _ operationID: String,
        _ handle: @escaping @Sendable (ControlRoutes, Request, ControlRequestContext) async throws -> Response
    ) {
        self.method = method
        self.path = path
        self.operationID = operationID
        self.handle = handle
    }

    static let all: [ControlRoute] = [
        ControlRoute(.post, "/v1/payments", "createPayment") { try await $0.create($1, $2) },
        ControlRoute(.get, "/v1/payments", "listPayments") { routes, request, _ in try await routes.list(request) },
        ControlRoute(.get, "/v1/payments/{reference}", "getPayment") { routes, _, context in
            try await routes.payment(context)
        },
        ControlRoute(.get, "/v1/payments/{reference}/qr.png", "getPaymentQRCode") { routes, _, context in
            try await routes.qrImage(context)
        },
        ControlRoute(.post, "/v1/payments/{reference}/cancel", "cancelPayment") { try await $0.cancel($1, $2) },
        ControlRoute(.post, "/v1/payments/{reference}/capture", "capturePayment") { try await $0.capture($1, $2) },
        ControlRoute(.post, "/v1/payments/{reference}/refund", "refundPayment") { try await $0.refund($1, $2) },
        ControlRoute(.get, "/v1/events", "streamEvents") { try await $0.eventStream($1, $2) },
        ControlRoute(.get, "/v1/health", "getHealth") { routes, _, _ in try await routes.healthReport() },
        ControlRoute(.get, "/metrics", "getMetrics") { routes, _, _ in await routes.metricsText() },
        ControlRoute(.get, "/v1/openapi.json", "getOpenAPI") { routes, _, _ in routes.openAPIResponse() },
    ]

    /// Whether a request path (without query) names this route's path.
    func matches(_ requestPath: String) -> Bool {
        let pattern = self.path.split(separator: "/", omittingEmptySubsequences: true)
        let actual = requestPath.split(separator: "/", omittingEmptySubsequences: true)
        guard pattern.count == actual.count else { return false }
        return zip(pattern, actual).allSatisfy { expected, given in
            expected.hasPrefix("{") || expected == given
        }
    }

    /// The methods answered at `requestPath`; empty if there is nothing there.
    static func allowedMethods(for requestPath: String) -> [HTTPRequest.Method] {
        self.all.filter { $0.matches(requestPath) }.map(\.method)
    }
}
