import Foundation
import Testing

/// A real coordinator on loopback and recording synthetic nodes, one of them SIGKILLed
/// mid-session and restarted: what it recorded before is still there, and the new frames follow.
@Suite("a node restarted mid-session keeps its footage", .serialized)
struct NodeRestartRecordingTests {
    typealias Child = CoordinatorProcessTests.Child

    @Test func aRecordingNodeKilledAndRestartedKeepsItsEarlierFramesAndContinuesAfterThem() throws {
        let rig = try LoopbackRig("restart")
        defer { rig.remove() }
        let dir = rig.dir
        let config = try rig.rigFile()
        let out = dir.appendingPathComponent("out").path
        func camera(_ name: String, suffix: String = "") throws -> Child {
            try rig.camera(name, ["--coordinator-timeout", "5s", "--out", out], logSuffix: suffix)
        }

        // No --duration: STOP (SIGINT, as Ctrl-C) once the restarted node has recorded, so a
        // loaded machine that is slow to restart it makes the test slower, not wrong.
        let coord = try Child(["coordinator", "--config", config, "--no-ptp-gate", "--http", "off"],
                              log: dir.appendingPathComponent("coordinator.log"))
        defer {
            kill(coord.process.processIdentifier, SIGKILL)
            _ = coord.wait(5)
        }
        usleep(300_000)
        let cam1 = try camera("cam1")
        let cam2 = try camera("cam2")
        // Some recording past T0 (lead 1 s), then a hard kill: no finalizing at all. Wait for the
        // frames themselves rather than a fixed time, so a loaded machine only makes it slower.
        for _ in 0..<600 where cam2.frames.count < 30 { usleep(50_000) }
        kill(cam2.process.processIdentifier, SIGKILL)
        _ = cam2.wait(5)
        let before = cam2.frames
        let session = try #require(try FileManager.default.contentsOfDirectory(atPath: out).first, "no session folder in \(out)")
        let folder = out + "/" + session
        let rowsAtKill = try FFprobe.sidecarRows(folder + "/cam2.frames.csv").compactMap { Int64($0[0]) }
        let restarted = try camera("cam2", suffix: "-restarted")
        for _ in 0..<1_200 where restarted.frames.count < 15 { usleep(50_000) }
        kill(coord.process.processIdentifier, SIGINT)
        #expect(coord.wait(30) == 0, "coordinator: \(coord.log)")
        #expect(cam1.wait(10) == 0)
        #expect(restarted.wait(10) == 0, "restarted: \(restarted.log)")
        let after = restarted.frames

        // The sidecar still starts with every row the first run wrote, and continues after them.
        try #require(!before.isEmpty && !after.isEmpty, "no frames before the kill or after the restart: \(restarted.log)")
        let lastAtKill = try #require(rowsAtKill.last, "the killed run wrote no rows")
        let rows = try FFprobe.sidecarRows(folder + "/cam2.frames.csv")
        let indices = rows.compactMap { Int64($0[0]) }
        #expect(Array(indices.prefix(rowsAtKill.count)) == rowsAtKill)
        #expect(zip(indices, indices.dropFirst()).allSatisfy { $0 < $1 }, "rows out of order: \(indices)")
        // The rejoin index follows the earlier frames; its row opens the new segment.
        // On a loaded machine the restarted run's first frames may be skipped (rowed, never
        // captured late), so its first captured frame may come a few indices after the rejoin.
        let resumed = try #require(indices.dropFirst(rowsAtKill.count).first)
        #expect(resumed > lastAtKill)
        let firstCaptured = try #require(after.first.map(Int64.init))
        #expect(firstCaptured >= resumed)
        let rowsBeforeFirstCapture = rows.dropFirst(rowsAtKill.count).filter { Int64($0[0]).map { $0 < firstCaptured } ?? false }
        #expect(rowsBeforeFirstCapture.allSatisfy { !FFprobe.isRecordedRow($0) }, "a row recorded before the first captured frame")
        let segmentStarts = rows.filter { ($0.last ?? "").contains("segment-start") }.compactMap { Int64($0[0]) }
        #expect(segmentStarts.count == 1 && segmentStarts.allSatisfy { $0 >= resumed && $0 <= firstCaptured }, "segment starts \(segmentStarts)")

        // Both videos are there: the killed run's (up to its last flush: some frames short of its
        // rows, how many depends on the machine's load, so only its order is asserted) and the
        // restarted run's, complete.
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files.filter { $0.hasPrefix("cam2") && $0.hasSuffix(".mkv") } == ["cam2-001.mkv", "cam2.mkv"])
        func recorded(_ rows: ArraySlice<[Substring]>) -> Int { rows.count(where: FFprobe.isRecordedRow) }
        let recordedBefore = recorded(rows.prefix(rowsAtKill.count))
        let recordedAfter = recorded(rows.dropFirst(rowsAtKill.count))
        let first = try #require(try FFprobe.frameCount(folder + "/cam2.mkv"), "cam2.mkv unreadable")
        #expect(first <= recordedBefore && first > 0, "cam2.mkv has \(first) frames for \(recordedBefore) rows")
        #expect(try FFprobe.frameCount(folder + "/cam2-001.mkv") == recordedAfter)
        // The timestamp file lists both runs' frames, in order (the kill may fall between a
        // frame's timestamp line and its row: one line more).
        let pts = try String(contentsOfFile: folder + "/cam2.pts.txt", encoding: .utf8).split(separator: "\n").dropFirst().compactMap { Double($0) }
        #expect((0...1).contains(pts.count - (recordedBefore + recordedAfter)), "\(pts.count) timestamp lines")
        #expect(zip(pts, pts.dropFirst()).allSatisfy { $0 < $1 })
        // The node that stayed up ends on the same frame.
        let cam1Rows = try FFprobe.sidecarRows(folder + "/cam1.frames.csv").compactMap { Int64($0[0]) }
        #expect(cam1Rows.last == indices.last)
    }
}
