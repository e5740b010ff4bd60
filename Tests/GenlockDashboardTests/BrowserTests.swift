import Foundation
import Glibc
import Testing

/// The dashboard in a real browser: Debian's Chromium, headless, driven through its DevTools
/// protocol. `genlock rig` runs three phase-locked synthetic cameras with the dashboard; the page
/// must show all three locked and recording, STOP pressed in the page must end the session on a
/// common index, the sync report must appear in the page, and the session folder must verify.
/// Screenshots are kept as artifacts (the path is printed).
@Suite(.serialized) struct BrowserTests {

    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test(.enabled(if: BrowserTests.chromium != nil, "Debian's chromium is not installed (make installs it)"))
    func rigDashboardShowsLockedRecordingCamerasStopsAndReports() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-browser-\(getpid())").path
        let artifacts = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-dashboard-artifacts").path
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }

        let rig = ChildProcess(Executables.genlock, [
            "rig", "--cameras", "3", "--fps", "30", "--duration", "10m", "--out", root + "/rec", "--session", "browser",
            "--capture", "phase-locked", "--size", "320x240", "--http", "127.0.0.1:0", "--http-linger", "2m",
        ])
        try rig.start()
        defer { rig.stop() }
        let line = try await rig.waitForLine(containing: "dashboard: http://", seconds: 120)
        let url = String(line[line.range(of: "http://")!.lowerBound...].prefix { !$0.isWhitespace })

        let profile = root + "/chromium-profile"
        let browser = ChildProcess(Self.chromium!, [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile)",
            "--remote-debugging-port=0", "--window-size=1400,1100", url,
        ])
        try browser.start()
        defer { browser.stop() }
        let devtools = try await Self.pageTarget(profile: profile)
        let page = try DevToolsClient(url: devtools)

        // Three tiles locked (phase lock) and recording: bounded wait.
        var tiles = 0
        for _ in 0..<240 where tiles < 3 {
            tiles = try page.evaluate("document.querySelectorAll('.tile[data-locked=\"true\"][data-recording=\"true\"]').length") as? Int ?? 0
            if tiles < 3 { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(tiles == 3, "tiles locked and recording: \(tiles); rig output:\n\(rig.output)")
        #expect(try page.evaluate("document.querySelectorAll('.tile').length") as? Int == 3)
        #expect(try page.evaluate("document.getElementById('start').disabled") as? Bool == true)
        // Let the plots gather a few seconds, then keep a picture of the running dashboard.
        try await Task.sleep(for: .seconds(4))

        // A preview per tile, decoded by the coordinator from the ingest's stream of that camera
        // (about once a second): each loaded and not blank. Bounded wait.
        var previews = false
        for _ in 0..<60 where !previews {
            previews = try page.evaluate("""
                Promise.all([...document.querySelectorAll('.tile img')].map(img => img.decode().then(() => {
                  const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
                  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
                  const d = g.getImageData(0, 0, c.width, c.height).data; let lo = 255, hi = 0;
                  for (let i = 0; i < d.length; i += 4) { lo = Math.min(lo, d[i]); hi = Math.max(hi, d[i]); }
                  return hi - lo > 32;
                }, () => false))).then(r => r.length === 3 && r.every(x => x))
                """) as? Bool ?? false
            if !previews { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(previews, "three previews loaded with picture content; rig output:\n\(rig.output)")
        // The ingest's back-fill backlog per camera on /metrics (nothing lacking on loopback: 0).
        let base = url.split(separator: "?").first.map(String.init) ?? url
        let metrics = try await Support.curl([(base.hasSuffix("/") ? base : base + "/") + "metrics"])
        #expect(metrics.status == 200)
        let backlog = metrics.body.split(separator: "\n").filter { $0.hasPrefix("genlock_ingest_backfill_backlog_frames{") }
        #expect(backlog.count == 3, "backlog series: \(backlog)")
        let running = artifacts + "/dashboard-running.png"
        try page.screenshot().write(to: URL(fileURLWithPath: running))
        print("dashboard screenshot (running): \(running)")

        // STOP from the page: the same path as Ctrl-C, then the report.
        _ = try page.evaluate("document.getElementById('stop').click()")
        var report = ""
        for _ in 0..<240 where !report.contains("sync report") {
            report = try page.evaluate("document.getElementById('report').hidden ? '' : document.getElementById('report-text').textContent") as? String ?? ""
            if !report.contains("sync report") { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(report.contains("sync report (stop index"), "report in the page: \(report)")
        let stopIndex = try page.evaluate("document.getElementById('stop-index').textContent") as? String ?? ""
        #expect(stopIndex.hasPrefix("stop index "))
        let folder = try page.evaluate("document.getElementById('report-folder').textContent") as? String ?? ""
        #expect(folder.hasSuffix("/rec/browser"))
        let reported = artifacts + "/dashboard-report.png"
        try page.screenshot().write(to: URL(fileURLWithPath: reported))
        print("dashboard screenshot (after STOP): \(reported)")

        // The session folder is complete: every camera's files, the exports, and it verifies.
        let session = root + "/rec/browser"
        let files = Set((try? FileManager.default.contentsOfDirectory(atPath: session)) ?? [])
        for name in ["cam1", "cam2", "cam3"] {
            #expect(files.contains("\(name).mkv") && files.contains("\(name).frames.csv") && files.contains("\(name).pts.txt"), "\(name) in \(files.sorted())")
        }
        #expect(files.isSuperset(of: ["summary.csv", "timestamps.csv"]))
        let verify = try Executables.run(Executables.genlock, ["session", "verify", session])
        #expect(verify.status == 0, "genlock session verify: \(verify.output)")
        // Every camera ended on the page's stop index (summary.csv: camera,cam_id,…,first_index,last_index,…).
        let n = Int64(stopIndex.dropFirst("stop index ".count)) ?? -1
        let summary = ((try? String(contentsOfFile: "\(session)/summary.csv", encoding: .utf8)) ?? "").split(separator: "\n").dropFirst()
        #expect(summary.count == 3)
        for row in summary {
            let fields = row.split(separator: ",", omittingEmptySubsequences: false)
            #expect(fields.count > 6 && Int64(fields[6]) == n - 1, "summary row '\(row)', stop index \(n)")
        }
    }

    /// The page's DevTools WebSocket URL, once Chromium has written its port (bounded wait).
    static func pageTarget(profile: String) async throws -> String {
        for _ in 0..<120 {
            if let text = try? String(contentsOfFile: profile + "/DevToolsActivePort", encoding: .utf8),
               let port = text.split(separator: "\n").first.flatMap({ Int($0) }) {
                let list = try Executables.run("/usr/bin/curl", ["-s", "--max-time", "5", "http://127.0.0.1:\(port)/json/list"])
                if let targets = try? JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]],
                   let page = targets.first(where: { $0["type"] as? String == "page" }), let ws = page["webSocketDebuggerUrl"] as? String {
                    return ws
                }
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw DevToolsClient.Failure("Chromium did not open its DevTools port")
    }
}

/// A child process whose output is collected on a thread; stopped with SIGINT, then SIGKILL.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var collected = ""

    init(_ executable: String, _ arguments: [String]) {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
    }

    var output: String { lock.withLock { collected } }

    func start() throws {
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                lock.withLock { collected += String(decoding: data, as: UTF8.self) }
            }
        }
    }

    func waitForLine(containing text: String, seconds: Int) async throws -> String {
        for _ in 0..<(seconds * 10) {
            if let line = output.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DevToolsClient.Failure("no line containing '\(text)'; output:\n\(output)")
    }

    /// SIGINT (the rig ends its linger; Chromium quits), then SIGKILL after 20 s.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGINT)
        for _ in 0..<200 where process.isRunning { usleep(100_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// The executables the tests run.
enum Executables {
    /// The `genlock` executable built next to the test bundle.
    static var genlock: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = (exe as NSString).deletingLastPathComponent
        while !directory.isEmpty, directory != "/" {
            let candidate = directory + "/genlock"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = (directory as NSString).deletingLastPathComponent
        }
        return ".build/debug/genlock"
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
