import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import PaymentCore

/// Turns every way a request can fail into `application/problem+json`, and logs each answer.
///
/// The router answers an unknown path *and* a known path with the wrong method with the same 404; this tells them
/// apart with the route table (``ControlRoute``) so the till gets `405` and an `Allow` header for the latter.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext

    var version: String
    var logger: Logger

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let problem as PaymentProblem {
            response = ProblemDocument.response(for: problem)
        } catch let error as HTTPError where error.status == .notFound {
            response = Self.noRoute(for: request)
        } catch is HTTPParserError {
            // The body broke the HTTP framing (a bad chunk size, the connection ending before Content-Length
            // bytes): the till's mistake, found only once the handler read the body. The connection cannot carry
            // another request, and the server closes it after this answer.
            response = ProblemDocument.response(
                for: PaymentProblem(
                    .invalidRequest,
                    title: "Malformed request body",
                    detail: "The request body does not match its framing: check Content-Length or the chunked encoding."
                ),
                extraHeaders: [.connection: "close"]
            )
        } catch is NIOTooManyBytesError {
            response = ProblemDocument.response(
                for: PaymentProblem(
                    .payloadTooLarge,
                    title: "Request body too large",
                    detail: "Request bodies may be at most \(RequestFields.maximumBodySize) bytes."
                )
            )
        } catch {
            // Only the type: an error's description may quote what the till sent.
            self.logger.error(
                "Control request failed",
                metadata: ["error.type": "\(String(reflecting: type(of: error)))"]
            )
            response = ProblemDocument.response(
                for: PaymentProblem(
                    .internalError,
                    title: "Internal error",
                    detail: "qrpayd could not answer this request."
                )
            )
        }
        response.headers[.server] = "qrpayd/\(self.version)"
        self.log(request, response)
        return response
    }

    private static func noRoute(for request: Request) -> Response {
        let allowed = ControlRoute.allowedMethods(for: request.uri.path)
        guard !allowed.isEmpty else {
            return ProblemDocument.response(
                for: PaymentProblem(
                    .notFound,
                    title: "No such endpoint",
                    detail: "There is nothing at this path; GET /v1/openapi.json lists the endpoints."
                )
            )
        }
        let names = allowed.map(\.rawValue).joined(separator: ", ")
        return ProblemDocument.response(
            for: PaymentProblem(
                .methodNotAllowed,
                title: "Method not allowed",
                detail: "This endpoint answers \(names)."
            ),
            extraHeaders: [.allow: names]
        )
    }

    /// One line per request; the path is escaped because the till chose it.
    private func log(_ request: Request, _ response: Response) {
        let level: Logger.Level = response.status.code >= 500 ? .warning : .debug
        self.logger.log(
            level: level,
            "Control request answered",
            metadata: [
                "http.method": "\(LogEscaping.escape(request.method.rawValue, limit: 20))",
                "http.path": "\(LogEscaping.escape(request.uri.path))",
                "http.status": "\(response.status.code)",
            ]
        )
    }
}
