import Foundation

/// The page, its script and its style: package resources (`Resources/web`), read once at start.
/// No CDN and no build step: what is in the package is what the browser gets.
struct WebAssets: Sendable {
    var html: [UInt8]
    var script: [UInt8]
    var style: [UInt8]

    static func load() throws -> WebAssets {
        func read(_ name: String, _ ext: String) throws -> [UInt8] {
            guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "web"),
                  let data = try? Data(contentsOf: url) else {
                throw DashboardError("the dashboard's \(name).\(ext) is missing from the package's resources")
            }
            return [UInt8](data)
        }
        return WebAssets(html: try read("index", "html"), script: try read("dashboard", "js"), style: try read("dashboard", "css"))
    }
}
