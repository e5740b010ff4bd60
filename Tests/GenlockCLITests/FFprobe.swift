import Foundation
import Testing

/// ffprobe's view of a recording, for the CLI tests.
enum FFprobe {
    /// How many video frames ffprobe decodes in `path` (nil when it cannot read the file).
    static func frameCount(_ path: String) throws -> Int? {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/ffprobe")
        probe.arguments = ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path]
        let out = Pipe()
        probe.standardOutput = out
        try probe.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else { return nil }
        return Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A sidecar's rows split into cells (header dropped).
    /// Whether a sidecar row's frame is in the video: its flags (last cell) say neither skipped
    /// nor dropped (a `late` or `segment-start` frame is recorded).
    static func isRecordedRow(_ cells: [Substring]) -> Bool {
        guard let flags = cells.last else { return false }
        return !flags.split(separator: "|").contains { $0 == "skipped" || $0 == "dropped" }
    }

    static func sidecarRows(_ path: String) throws -> [[Substring]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    }
}
