import Foundation
import GenlockCore
import GenlockMedia
import Glibc

/// Helpers shared by the media tests: scratch folders, child processes, ffprobe.
enum Support {
    /// A fresh folder under /tmp.
    static func scratch(_ tag: String) -> String {
        var template = Array("/tmp/genlock-media-\(tag)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

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

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `executable` to completion.
    static func run(_ executable: String, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    /// ffprobe's count of decodable video frames.
    static func probeFrameCount(_ path: String) throws -> Int? {
        let r = try run("/usr/bin/ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
                                             "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path])
        guard r.status == 0 else { return nil }
        return Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// ffprobe's packet PTS (in the stream's time base, ms for Matroska), in file order.
    static func probePTS(_ path: String) throws -> [Int64] {
        let r = try run("/usr/bin/ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts", "-of", "csv=p=0", path])
        return r.stdout.split(separator: "\n").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// Mounts a tmpfs of `kilobytes` at a fresh folder; nil when mounting is not allowed.
    static func mountTmpfs(kilobytes: Int) -> String? {
        let point = scratch("tmpfs")
        guard mount("tmpfs", point, "tmpfs", 0, "size=\(kilobytes)k") == 0 else {
            remove(point)
            return nil
        }
        return point
    }

    static func unmount(_ point: String) {
        umount2(point, Int32(MNT_DETACH))
        remove(point)
    }

    static let epoch = RealtimeInstant(nanosecondsSinceEpoch: 1_700_000_000_123_456_789)

    /// Records `count` test-pattern frames from index `first` with `configuration`.
    static func record(
        _ recorder: CameraRecorder, first: Int64 = 0, count: Int64, rate: FrameRate
    ) throws {
        let schedule = FrameSchedule(start: recorder.configuration.epoch, rate: rate)
        for index in first..<(first + count) {
            let scheduled = try schedule.deadline(of: index)
            let frame = TestPattern.render(index: index, scheduledNs: scheduled.nanosecondsSinceEpoch,
                                           width: recorder.configuration.width, height: recorder.configuration.height,
                                           layout: recorder.configuration.layout)
            try recorder.append(frame, record: FrameRecord(index: index, scheduled: scheduled, wakeError: .microseconds(50)))
        }
    }
}

extension Array where Element == Int64 {
    var strictlyIncreasing: Bool { zip(self, dropFirst()).allSatisfy { $0 < $1 } }
}
