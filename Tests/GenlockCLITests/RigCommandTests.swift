import Foundation
import Testing

@Suite("genlock rig", .serialized)
struct RigCommandTests {
    /// ffprobe's view of a file: PTS of every video packet, in seconds.
    private func ptsList(_ path: String) throws -> [Double] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffprobe")
        p.arguments = ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of", "csv=p=0", path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    @Test func aPhaseLockedRigOfSyntheticSensorsReportsItsExposureSkew() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-rigpl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try GenlockBinary.run(["rig", "--cameras", "3", "--fps", "30", "--duration", "1500ms", "--out", dir.path, "--session", "s",
                                       "--size", "160x120", "--capture", "phase-locked"], timeoutSeconds: 90)
        #expect(r.status == 0, "stderr: \(r.stderr)\nstdout: \(r.stdout)")
        #expect(r.stdout.contains("exposure-start skew across 3 cameras"), "stdout: \(r.stdout)")
        for cam in ["cam1", "cam2", "cam3"] {
            let log = try String(contentsOf: dir.appendingPathComponent("s/logs/\(cam).log"), encoding: .utf8)
            #expect(log.contains("phase lock locked"), "\(cam): \(log)")
            let pts = try ptsList(dir.appendingPathComponent("s/\(cam).mkv").path)
            #expect(!pts.isEmpty)
        }
    }

    @Test func aShortRigRecordsEveryCameraOverTheSameIndices() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-rigtest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try GenlockBinary.run(["rig", "--cameras", "3", "--fps", "30", "--duration", "1500ms", "--out", dir.path, "--session", "s", "--size", "320x240"],
                                      timeoutSeconds: 90)
        #expect(r.status == 0, "stderr: \(r.stderr)\nstdout: \(r.stdout)")
        #expect(r.stdout.contains("sync report"))
        #expect(r.stdout.contains("capture-request skew across 3 cameras"))
        let session = dir.appendingPathComponent("s")
        var ranges: [ClosedRange<Int>] = []
        for cam in ["cam1", "cam2", "cam3"] {
            let pts = try ptsList(session.appendingPathComponent("\(cam).mkv").path)
            let sidecar = try String(contentsOf: session.appendingPathComponent("\(cam).frames.csv"), encoding: .utf8)
            let rows = sidecar.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            let recorded = rows.filter { FFprobe.isRecordedRow($0) }.compactMap { Int($0[0]) }
            // Every recorded sidecar row is a frame in the file, in strictly increasing PTS.
            #expect(pts.count == recorded.count, "\(cam): \(pts.count) packets, \(recorded.count) recorded rows")
            #expect(zip(pts, pts.dropFirst()).allSatisfy { $0 < $1 }, "\(cam): PTS not strictly increasing")
            let all = rows.compactMap { Int($0[0]) }
            ranges.append(try #require(all.min())...(try #require(all.max())))
        }
        // Same first and last index everywhere: frame n means Tn on every camera, and STOP is common.
        #expect(Set(ranges.map(\.lowerBound)).count == 1)
        #expect(Set(ranges.map(\.upperBound)).count == 1)
        #expect(ranges[0].lowerBound == 0)
        let timestamps = try String(contentsOf: session.appendingPathComponent("timestamps.csv"), encoding: .utf8)
        #expect(timestamps.hasPrefix("sync_index,cam_id,frame_time"))
    }
}
