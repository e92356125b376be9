import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PaymentCore

/// A ``PaymentProblem`` as the till reads it: `application/problem+json` (RFC 9457) with qrpayd's extension members.
struct ProblemDocument: Encodable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var code: String
    var hint: String?
    var vipps: VippsErrorResource?
    var payment: PaymentResource?
    /// The failed operation, or the pending one in the way.
    var operation: MoneyOperationResource?

    init(_ problem: PaymentProblem) {
        self.type = problem.type
        self.title = problem.title
        self.status = problem.status
        self.detail = problem.detail
        self.code = problem.code
        self.hint = problem.hint
        self.vipps = problem.vipps.map(VippsErrorResource.init)
        self.payment = problem.payment.map(PaymentResource.init)
        self.operation = problem.operation.map(MoneyOperationResource.init)
    }

    static func response(for problem: PaymentProblem, extraHeaders: HTTPFields = [:]) -> Response {
        var headers = extraHeaders
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        // A problem document always encodes; the fallback only exists so this function cannot fail.
        let body =
            (try? WireJSON.encode(ProblemDocument(problem)))
            ?? Data(#"{"type":"urn:qrpayd:error:internal-error"}"#.utf8)
        return Response(
            status: HTTPResponse.Status(code: problem.status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
