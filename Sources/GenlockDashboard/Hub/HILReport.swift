import Foundation

/// Where a session's HIL analyzer report is looked for: `genlock hil analyze SESSION --report
/// SESSION/hil-report.html` (or `report.html`) puts it in the session folder.
enum HILReport {
    static let names = ["hil-report.html", "report.html"]

    static func path(in folder: String) -> String? {
        names.map { (folder as NSString).appendingPathComponent($0) }.first { FileManager.default.isReadableFile(atPath: $0) }
    }
}
