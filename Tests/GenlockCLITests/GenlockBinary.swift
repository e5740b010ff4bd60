import Foundation

/// Runs the built `genlock` executable (it sits beside the test bundle in the build folder:
/// `swift build --build-tests` builds it before `swift test` runs).
struct GenlockBinary {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var url: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = bundle.deletingLastPathComponent()
        // Swift Testing may run from inside the .xctest bundle on some platforms.
        while dir.pathExtension == "xctest" { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("genlock")
    }

    /// Runs `genlock arguments` and waits at most `timeoutSeconds` (then kills it).
    static func run(_ arguments: [String], timeoutSeconds: Double = 60) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        // Output goes to files rather than pipes, so a chatty child can never block on a full pipe.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("stdout")
        let errURL = dir.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let outData = try Data(contentsOf: outURL)
        let errData = try Data(contentsOf: errURL)
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
