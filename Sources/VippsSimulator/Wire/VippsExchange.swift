import Foundation
import JSONValues

/// What the engine needs to know about one HTTP request, free of any server framework type.
struct VippsRequest: Sendable {
    var method: String
    var path: String
    /// Header values by lower-cased name (HTTP names are case-insensitive; the first value wins).
    var headers: [String: String]
    var body: Data
    /// `Host` of the request, used to build links back to the simulator.
    var authority: String

    func header(_ name: String) -> String? {
        self.headers[name.lowercased()]
    }
}

/// One answer from the engine: a status, a body in one of the shapes the real APIs use, extra headers.
struct VippsAnswer: Sendable {
    enum Body: Sendable {
        case json(JSONValue, contentType: String)
        case text(String, contentType: String)
        case bytes(Data, contentType: String)
        case empty
    }

    var status: Int
    var body: Body
    var retryAfter: Int?
    /// The payment this request was about, for the request log.
    var orderId: String?

    init(status: Int, body: Body, retryAfter: Int? = nil, orderId: String? = nil) {
        self.status = status
        self.body = body
        self.retryAfter = retryAfter
        self.orderId = orderId
    }

    static func json(_ status: Int, _ value: JSONValue, orderId: String? = nil) -> VippsAnswer {
        VippsAnswer(status: status, body: .json(value, contentType: "application/json;charset=UTF-8"), orderId: orderId)
    }

    static func problem(_ status: Int, _ value: JSONValue, orderId: String? = nil) -> VippsAnswer {
        VippsAnswer(status: status, body: .json(value, contentType: "application/problem+json"), orderId: orderId)
    }

    func about(_ orderId: String?) -> VippsAnswer {
        var copy = self
        copy.orderId = copy.orderId ?? orderId
        return copy
    }

    var bodyBytes: Data {
        switch self.body {
        case .json(let value, _): value.serialized()
        case .text(let text, _): Data(text.utf8)
        case .bytes(let data, _): data
        case .empty: Data()
        }
    }

    var contentType: String? {
        switch self.body {
        case .json(_, let type), .text(_, let type), .bytes(_, let type): type
        case .empty: nil
        }
    }
}
