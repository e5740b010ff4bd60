import Foundation
import HTTPTypes
import Hummingbird

/// The dashboard's HTTP routes.
enum Routes {
    static func add(to router: Router<BasicRequestContext>, server: DashboardServer, page: WebAssets) {
        let hub = server.hub
        router.get("/") { _, _ in asset(page.html, "text/html; charset=utf-8") }
        router.get("/dashboard.js") { _, _ in asset(page.script, "text/javascript; charset=utf-8") }
        router.get("/dashboard.css") { _, _ in asset(page.style, "text/css; charset=utf-8") }
        router.get("/api/state") { _, _ -> Response in
            guard let snapshot = hub.snapshot() else { return GuardMiddleware<BasicRequestContext>.text(.serviceUnavailable, "no state yet\n") }
            return asset(Array(DashboardHub.encode(snapshot).utf8), "application/json")
        }
        router.post("/api/start") { _, _ -> Response in
            hub.controls.requestStart()
            return GuardMiddleware<BasicRequestContext>.text(.accepted, "START requested\n")
        }
        router.post("/api/stop") { _, _ -> Response in
            hub.controls.requestStop()
            return GuardMiddleware<BasicRequestContext>.text(.accepted, "STOP requested\n")
        }
        router.get("/preview/:file") { _, context -> Response in
            let file = context.parameters.get("file") ?? ""
            guard file.hasSuffix(".jpg"), let jpeg = hub.previewJPEG(String(file.dropLast(4))) else {
                return GuardMiddleware<BasicRequestContext>.text(.notFound, "no preview\n")
            }
            var response = asset(jpeg, "image/jpeg")
            response.headers[.cacheControl] = "no-store"
            return response
        }
        router.get("/session/hil-report") { _, _ -> Response in
            guard let folder = hub.reportFolder, let path = HILReport.path(in: folder), let data = FileManager.default.contents(atPath: path) else {
                return GuardMiddleware<BasicRequestContext>.text(.notFound, "this session has no HIL report\n")
            }
            return asset([UInt8](data), "text/html; charset=utf-8")
        }
        router.get("/metrics") { _, _ in asset(Array(server.metrics.text().utf8), "text/plain; version=0.0.4; charset=utf-8") }
    }

    static func asset(_ bytes: [UInt8], _ type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
