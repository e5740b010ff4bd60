import HTTPTypes
import Hummingbird

/// Every request passes here first: the token when one is set (401), the rate limit (429), the
/// body bound (413), and for START/STOP the action header (403). The token comes first: a
/// client without it must not spend the rate limit of the operator who has it (it did: a
/// keyless flood of 404s answered the operator's STOP with 429). Actions are limited apart.
struct GuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let server: DashboardServer
    let policy: AccessPolicy

    static var actionHeader: HTTPField.Name { HTTPField.Name(AccessPolicy.actionHeader)! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let allowed = policy.allows(
            queryToken: request.uri.queryParameters.get("token"),
            bearer: AccessPolicy.bearerToken(request.headers[.authorization]),
            cookie: AccessPolicy.cookieToken(request.headers[.cookie]))
        guard allowed else { return Self.text(.unauthorized, "a token is required: open the link the coordinator printed at start\n") }
        let action = request.method == .post && request.headers[Self.actionHeader] != nil
        guard server.admit(action: action) else { return Self.text(.tooManyRequests, "too many requests\n") }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > server.options.maximumBodyBytes {
            return Self.text(.contentTooLarge, "request body over \(server.options.maximumBodyBytes) bytes\n")
        }
        if request.method == .post, request.headers[Self.actionHeader] == nil {
            return Self.text(.forbidden, "actions need the \(AccessPolicy.actionHeader) header\n")
        }
        var request = request
        if request.method != .get, request.method != .head {
            // Bounded even without a Content-Length (chunked): read at most the limit.
            _ = try await request.collectBody(upTo: server.options.maximumBodyBytes)
        }
        var response = try await next(request, context)
        // Opened with ?token=…: the page's images, script and WebSocket carry it as a cookie.
        if let token = policy.token, request.uri.queryParameters.get("token") != nil {
            response.headers[.setCookie] = "\(AccessPolicy.cookieName)=\(token); HttpOnly; SameSite=Strict; Path=/"
        }
        return response
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
