import Foundation
import Testing

/// `genlock framesets`: a real recording's framesets, then the same folder with a second camera
/// that lost frames, then a folder that is not a session.
@Suite("genlock framesets") struct FramesetsCLITests {
    @Test func aRecordedSessionListsItsFramesetsAndAPartialOneNamesTheCameraAndWhy() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-framesets-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let record = try GenlockBinary.run([
            "record", "--synthetic", "--fps", "30", "--start-in", "1s", "--frames", "10", "--out", root, "--session", "s",
            "--codec", "raw", "--size", "160x120", "--pixel-format", "gray8", "--quiet",
        ])
        #expect(record.status == 0, "\(record.stderr)")
        let session = root + "/s"
        // The recording wrote its framesets with its other exports: one row per index.
        let written = try String(contentsOfFile: session + "/framesets.csv", encoding: .utf8).split(separator: "\n")
        #expect(written.count == 11)
        #expect(written.first == "index,scheduled_realtime_ns,complete,cam1_state,cam1_exposure_start_ns")

        // A second camera whose sidecar says frame 3 was dropped and that stopped after 5.
        let sidecar = try String(contentsOfFile: session + "/cam1.frames.csv", encoding: .utf8).split(separator: "\n")
        let cam2 = sidecar.prefix(7).enumerated().map { i, line -> String in
            guard i == 4 else { return String(line) }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            // Index and Tn kept, every measured cell empty, flags "dropped", whatever the column count.
            return ([String(cells[0]), String(cells[1])] + Array(repeating: "", count: cells.count - 3) + ["dropped"]).joined(separator: ",")
        }.joined(separator: "\n") + "\n"
        try cam2.write(toFile: session + "/cam2.frames.csv", atomically: true, encoding: .utf8)
        let result = try GenlockBinary.run(["framesets", session])
        #expect(result.status == 1, "partial framesets exit 1: \(result.stdout) \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("frameset 3: partial (cam2 dropped)"))
        #expect(lines.contains("frameset 9: partial (cam2 absent)"))
        #expect(lines.contains("  cam2 missing: 3 dropped, 6...9 absent"), "\(result.stdout)")
        let json = try GenlockBinary.run(["framesets", session, "--json"])
        let first = try #require(json.stdout.split(separator: "\n").first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        #expect(object["index"] as? Int == 0)
        #expect(object["complete"] as? Bool == true)
    }

    @Test func aFolderWithoutSidecarsIsNotASession() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-empty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let result = try GenlockBinary.run(["framesets", empty])
        #expect(result.status != 0 && result.status != 1)
        #expect(result.stderr.contains("not a session folder"), "\(result.stderr)")
        let missing = try GenlockBinary.run(["framesets", empty + "/nope"])
        #expect(missing.status != 0 && missing.status != 1)
        #expect(missing.stderr.contains("nope"), "\(missing.stderr)")
    }
}
