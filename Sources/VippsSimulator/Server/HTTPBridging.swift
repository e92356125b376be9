import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat

extension VippsRequest {
    /// Large enough for any Vipps body, small enough that a runaway client cannot fill memory.
    static let maximumBodySize = 1 << 20

    init(_ request: Request) async throws {
        var request = request
        let body = try await request.collectBody(upTo: Self.maximumBodySize)
        let headers = Self.headers(of: request)
        self.init(
            method: request.method.rawValue,
            path: request.uri.path,
            headers: headers,
            body: Data(buffer: body),
            authority: request.head.authority ?? headers["host"] ?? "127.0.0.1"
        )
    }

    /// Header values by lower-cased name; the first value wins.
    static func headers(of request: Request) -> [String: String] {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName.lowercased()
            if headers[name] == nil {
                headers[name] = field.value
            }
        }
        return headers
    }
}

extension Response {
    init(_ answer: VippsAnswer) {
        var headers = HTTPFields()
        if let contentType = answer.contentType {
            headers[.contentType] = contentType
        }
        if let retryAfter = answer.retryAfter {
            headers[.retryAfter] = String(retryAfter)
        }
        self.init(
            status: .init(code: answer.status),
            headers: headers,
            body: .init(byteBuffer: ByteBuffer(data: answer.bodyBytes))
        )
    }
}
