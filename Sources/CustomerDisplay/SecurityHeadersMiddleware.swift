import HTTPTypes
import Hummingbird
import Logging

/// Adds the page's security headers to every answer, errors included.
///
/// `default-src 'self'` means the page can only load what this server serves: no inline script, no CDN, no
/// remote font, which also keeps an offline kiosk from waiting on the network.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headers: HTTPFields {
        [
            .contentSecurityPolicy: "default-src 'self'",
            .xContentTypeOptions: "nosniff",
        ]
    }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            context.logger.error("Customer display request failed", metadata: ["error": "\(error)"])
            response = Response(status: .internalServerError)
        }
        for field in Self.headers {
            response.headers[field.name] = field.value
        }
        return response
    }
}
