import HTTPTypes

/// Every endpoint of the control API: the routes register from it, the OpenAPI test checks it, and a request whose
/// path matches but whose method does not is answered `405` with the methods from here.
struct ControlEndpoint: Sendable, Hashable {
    /// `{reference}` marks the path parameter, which both OpenAPI and Hummingbird's router read.
    var path: String
    var methods: [HTTPRequest.Method]

    static let all: [ControlEndpoint] = [
        ControlEndpoint(path: "/v1/payments", methods: [.get, .post]),
        ControlEndpoint(path: "/v1/payments/{reference}", methods: [.get]),
        ControlEndpoint(path: "/v1/payments/{reference}/qr.png", methods: [.get]),
        ControlEndpoint(path: "/v1/payments/{reference}/cancel", methods: [.post]),
        ControlEndpoint(path: "/v1/payments/{reference}/capture", methods: [.post]),
        ControlEndpoint(path: "/v1/payments/{reference}/refund", methods: [.post]),
        ControlEndpoint(path: "/v1/events", methods: [.get]),
        ControlEndpoint(path: "/v1/health", methods: [.get]),
        ControlEndpoint(path: "/metrics", methods: [.get]),
        ControlEndpoint(path: "/v1/openapi.json", methods: [.get]),
    ]

    /// Whether a request path (without query) names this endpoint.
    func matches(_ requestPath: String) -> Bool {
        let pattern = self.path.split(separator: "/", omittingEmptySubsequences: true)
        let actual = requestPath.split(separator: "/", omittingEmptySubsequences: true)
        guard pattern.count == actual.count else { return false }
        return zip(pattern, actual).allSatisfy { expected, given in
            expected.hasPrefix("{") || expected == given
        }
    }

    /// The methods the endpoint at `requestPath` answers; empty if there is none.
    static func allowedMethods(for requestPath: String) -> [HTTPRequest.Method] {
        self.all.first { $0.matches(requestPath) }?.methods ?? []
    }
}
