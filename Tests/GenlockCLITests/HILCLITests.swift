import Foundation
import Testing

/// `genlock hil synth` and `genlock hil analyze` as a user runs them: a session from a simulator
/// scenario, analyzed against the ground truth it carries (`truth.csv`), and bad input.
@Suite("genlock hil", .serialized)
struct HILCLITests {
    static let scenario = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("hil/scenarios/synth-rolling.yaml").path

    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-hil-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    private func rows(_ path: String) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }

    @Test func synthThenAnalyzeMatchesTheSimulatorsTruth() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let synth = try GenlockBinary.run(["hil", "synth", Self.scenario, "--out", dir.path, "--session", "s", "--frames", "30"])
        #expect(synth.status == 0, "stderr: \(synth.stderr)")
        let session = dir.appendingPathComponent("s").path
        let json = dir.appendingPathComponent("a.json").path, html = dir.appendingPathComponent("a.html").path
        let analyze = try GenlockBinary.run(["hil", "analyze", session, "--json", json, "--report", html])
        #expect(analyze.status == 0, "stdout: \(analyze.stdout) stderr: \(analyze.stderr)")
        #expect(analyze.stdout.contains("cam1–cam2: skew over"))

        // Every estimate within one line time of the truth the renderer drew from.
        var truth: [String: Int64] = [:], scheduled: [String: Int64] = [:]
        for r in try rows(session + "/truth.csv") { truth[r["camera"]! + "/" + r["index"]!] = Int64(r["exposure_start_ns"]!)! }
        for camera in ["cam1", "cam2", "cam3"] {
            for r in try rows(session + "/\(camera).frames.csv") { scheduled[camera + "/" + r["index"]!] = Int64(r["scheduled_realtime_ns"]!)! }
        }
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let cameras = try #require(report["cameras"] as? [[String: Any]])
        #expect(cameras.count == 3)
        for camera in cameras {
            let name = try #require(camera["name"] as? String)
            let lineTimeNs = try #require(camera["lineTimeNs"] as? Double)
            let estimates = try #require(camera["estimates"] as? [[String: Any]])
            #expect(estimates.count >= 10, "\(name)")
            for e in estimates {
                let key = name + "/" + String(try #require(e["index"] as? Int))
                let offset = try #require(e["offsetNs"] as? Double)
                let expected = Double(try #require(truth[key]) - (try #require(scheduled[key])))
                #expect(abs(offset - expected) <= lineTimeNs, "\(key): \(offset) vs \(expected)")
            }
            #expect(camera["offsetFromScheduledNs"] is Double)
        }
        let pairs = try #require(report["pairs"] as? [[String: Any]])
        #expect(pairs.count == 3)
        #expect(pairs.allSatisfy { ($0["statistics"] as? [String: Any])?["p99Ns"] is Int })
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<svg") && page.contains("histogram of skew") && page.hasSuffix("</html>\n"))
    }

    @Test func aSessionWithoutAVisibleLEDExitsOneWithADiagnostic() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let synth = try GenlockBinary.run(["hil", "synth", Self.scenario, "--out", dir.path, "--session", "s", "--frames", "8", "--flash-luma", "0"])
        #expect(synth.status == 0, "stderr: \(synth.stderr)")
        let json = dir.appendingPathComponent("a.json").path
        let analyze = try GenlockBinary.run(["hil", "analyze", dir.appendingPathComponent("s").path, "--json", json])
        #expect(analyze.status == 1)
        #expect(analyze.stdout.contains("the LED is never visible"))
        #expect(analyze.stdout.contains("no skew measured"))
        let text = try String(contentsOfFile: json, encoding: .utf8)
        #expect(text.contains("led-never-visible") && text.contains("\"complete\" : false"))
    }

    @Test func badInputGivesOneLineAndExitTwo() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try GenlockBinary.run(["hil", "analyze", dir.appendingPathComponent("nope").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("does not exist") && missing.stderr.split(separator: "\n").count == 1)

        let empty = try GenlockBinary.run(["hil", "analyze", dir.path])
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("not a session folder"))

        let synth = try GenlockBinary.run(["hil", "synth", Self.scenario, "--out", dir.path, "--session", "s", "--frames", "4"])
        #expect(synth.status == 0, "stderr: \(synth.stderr)")
        let session = dir.appendingPathComponent("s").path
        let roi = try GenlockBinary.run(["hil", "analyze", session, "--roi", "10,10,5"])
        #expect(roi.status == 2 && roi.stderr.contains("--roi"))
        let outside = try GenlockBinary.run(["hil", "analyze", session, "--roi", "300,0,100,10"])
        #expect(outside.status == 2 && outside.stderr.contains("does not fit"))
        let unknown = try GenlockBinary.run(["hil", "analyze", session, "--roi", "cam9=0,0,10,10"])
        #expect(unknown.status == 2 && unknown.stderr.contains("'cam9'"), "stderr: \(unknown.stderr)")
        let twice = try GenlockBinary.run(["hil", "analyze", session, "--roi", "cam1=0,0,10,10", "--roi", "cam1=0,0,20,10"])
        #expect(twice.status == 2 && twice.stderr.contains("twice"))
        // A region whose far edge overflows an Int is outside the frame, not a crash.
        for huge in ["9223372036854775807,0,1,1", "1,0,9223372036854775807,1", "4611686018427387904,0,4611686018427387904,1"] {
            let r = try GenlockBinary.run(["hil", "analyze", session, "--roi", huge])
            #expect(r.status == 2 && r.stderr.contains("does not fit"), "\(huge): status \(r.status), stderr: \(r.stderr)")
        }
        let threads = try GenlockBinary.run(["hil", "analyze", session, "--threads", "100000"])
        #expect(threads.status == 2 && threads.stderr.contains("--threads 100000: at most"))

        // The outputs never land in the session nor replace a file: refused before any decoding,
        // and the recording they named is unchanged.
        let video = session + "/cam1.mkv"
        let recorded = try Data(contentsOf: URL(fileURLWithPath: video))
        let intoVideo = try GenlockBinary.run(["hil", "analyze", session, "--report", video])
        #expect(intoVideo.status == 2 && intoVideo.stderr.contains("inside the session folder"), "stderr: \(intoVideo.stderr)")
        let intoSession = try GenlockBinary.run(["hil", "analyze", session, "--json", session + "/../s/new.json"])
        #expect(intoSession.status == 2 && intoSession.stderr.contains("inside the session folder"))
        #expect(!FileManager.default.fileExists(atPath: session + "/new.json"))
        let existing = dir.appendingPathComponent("old.json").path
        try "kept\n".write(toFile: existing, atomically: true, encoding: .utf8)
        let replacing = try GenlockBinary.run(["hil", "analyze", session, "--json", existing])
        #expect(replacing.status == 2 && replacing.stderr.contains("already exists"))
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "kept\n")
        let same = dir.appendingPathComponent("both").path
        let both = try GenlockBinary.run(["hil", "analyze", session, "--json", same, "--report", same])
        #expect(both.status == 2 && both.stderr.contains("name the same file"))
        #expect(!FileManager.default.fileExists(atPath: same))
        #expect(try Data(contentsOf: URL(fileURLWithPath: video)) == recorded)
        // A video that is gone is bad input (exit 2), not a camera that showed no LED.
        try FileManager.default.moveItem(atPath: video, toPath: dir.appendingPathComponent("moved.mkv").path)
        let gone = try GenlockBinary.run(["hil", "analyze", session])
        #expect(gone.status == 2 && gone.stderr.contains("cam1.mkv: missing, while"), "\(gone.stderr)")
        try FileManager.default.moveItem(atPath: dir.appendingPathComponent("moved.mkv").path, toPath: video)

        try "flash_index,on\n".write(toFile: session + "/flashes.csv", atomically: true, encoding: .utf8)
        let badFlashes = try GenlockBinary.run(["hil", "analyze", session, "--json", dir.appendingPathComponent("x.json").path])
        #expect(badFlashes.status == 2 && badFlashes.stderr.contains("flashes.csv: line 1"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.json").path))

        try FileManager.default.removeItem(atPath: session + "/flashes.csv")
        let noFlashes = try GenlockBinary.run(["hil", "analyze", session])
        #expect(noFlashes.status == 2 && noFlashes.stderr.contains("flashes.csv"))

        let badScenario = try GenlockBinary.run(["hil", "synth", dir.appendingPathComponent("none.yaml").path, "--out", dir.path])
        #expect(badScenario.status == 2 && badScenario.stderr.contains("scenario: cannot read"))
        let badShutter = try GenlockBinary.run(["hil", "synth", Self.scenario, "--out", dir.path, "--shutter", "sideways"])
        #expect(badShutter.status == 2 && badShutter.stderr.contains("--shutter"))
    }

    /// A video another tool re-muxed (its tags dropped) cannot be joined to the sidecar: the
    /// analyzer names the missing tag and exits 2, instead of reporting no joined frame.
    @Test func aVideoWithoutTheEpochTagIsNamed() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let synth = try GenlockBinary.run(["hil", "synth", Self.scenario, "--out", dir.path, "--session", "s", "--frames", "4"])
        #expect(synth.status == 0, "stderr: \(synth.stderr)")
        let session = dir.appendingPathComponent("s")
        let video = try #require(try FileManager.default.contentsOfDirectory(atPath: session.path).first { $0.hasPrefix("cam1") && $0.hasSuffix(".mkv") })
        let remuxed = dir.appendingPathComponent("remuxed.mkv").path
        let ffmpeg = Process()
        ffmpeg.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        ffmpeg.arguments = ["-v", "error", "-y", "-i", session.appendingPathComponent(video).path, "-map_metadata", "-1", "-c", "copy", remuxed]
        try ffmpeg.run()
        ffmpeg.waitUntilExit()
        try #require(ffmpeg.terminationStatus == 0)
        try FileManager.default.removeItem(at: session.appendingPathComponent(video))
        try FileManager.default.moveItem(atPath: remuxed, toPath: session.appendingPathComponent(video).path)
        let analyze = try GenlockBinary.run(["hil", "analyze", session.path])
        #expect(analyze.status == 2)
        #expect(analyze.stderr.contains("GENLOCK_EPOCH_REALTIME_NS") && analyze.stderr.split(separator: "\n").count == 1, "stderr: \(analyze.stderr)")
    }
}
