import ArgumentParser
import Foundation
import GenlockHIL
import GenlockHILMedia
import GenlockMedia

/// `genlock hil analyze SESSION_DIR`: measures each frame's exposure start from the LED flashes
/// and reports the cross-camera skew.
///
/// Exit status: 0 when every camera pair has a measured skew; 1 when the session was read but
/// some pair has none (the diagnostics say why); 2 on bad input (no such folder, no flashes.csv,
/// a malformed file, a bad option).
struct HILAnalyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Measure true cross-camera exposure skew from the LED flashes in a session's recordings.",
        discussion: """
            Reads <camera>.mkv with <camera>.frames.csv, flashes.csv (flash_index,planned_on_ns,actual_on_ns,actual_off_ns) \
            and, when present, sensors.csv (camera,shutter,line_time_ps). Method and diagnostics: hil/ANALYZER.md. \
            Exit 0: every pair measured; 1: some pair has no measurement (diagnostics printed); 2: bad input.
            """
    )

    @Argument(help: "The session folder.")
    var sessionDirectory: String

    @Option(help: ArgumentHelp("The LED's region in pixels: x,y,w,h for every camera, or CAMERA=x,y,w,h for one (repeatable; default: found from the frames by the flash log).",
                               valueName: "[CAMERA=]x,y,w,h"))
    var roi: [String] = []

    @Option(help: "Threads: 0 one per core (the default), 1 the calling thread only; several cameras are decoded side by side with these shared out.")
    var threads: Int = 0

    @Option(help: "Write the analysis as JSON to this new file (whole or not at all; never inside the session, never replacing a file).")
    var json: String?

    @Option(help: "Write an HTML report with inline SVG charts to this new file (whole or not at all; never inside the session, never replacing a file).")
    var report: String?

    static let maximumThreads = 256

    func run() throws {
        var region: PixelRegion?
        var cameraRegions: [String: PixelRegion] = [:]
        for text in roi {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            do {
                if parts.count == 2 {
                    guard !parts[0].isEmpty, cameraRegions[parts[0]] == nil else { Console.badInput("--roi \(text): camera name empty or given twice") }
                    cameraRegions[parts[0]] = try PixelRegion(parsing: parts[1])
                } else {
                    guard region == nil else { Console.badInput("--roi \(text): a region for every camera given twice (use CAMERA=x,y,w,h per camera)") }
                    region = try PixelRegion(parsing: text)
                }
            } catch {
                Console.badInput("--roi: \(error)")
            }
        }
        guard threads >= 0 else { Console.badInput("--threads \(threads): not negative (0: one per core)") }
        // Each thread is a decoder context: thousands only cost memory and start-up time.
        guard threads <= Self.maximumThreads else { Console.badInput("--threads \(threads): at most \(Self.maximumThreads) (0: one per core)") }
        checkOutputs()
        let result: SessionAnalyzer.Result
        do {
            result = try SessionAnalyzer(directory: sessionDirectory, region: region, cameraRegions: cameraRegions,
                                     decoderThreads: threads).run()
        } catch {
            Console.badInput("\(error)")
        }
        let session = (sessionDirectory.hasSuffix("/") ? String(sessionDirectory.dropLast()) : sessionDirectory)
            .split(separator: "/").last.map(String.init) ?? sessionDirectory
        let summary = AnalysisReport(session: session, analysis: result.analysis,
                                     framesDecoded: result.readings.map(\.decoded))
        Console.out(summary.text)
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(summary)
            write(String(decoding: data, as: UTF8.self) + "\n", to: json, option: "--json")
        }
        if let report { write(HTMLReport.render(summary), to: report, option: "--report") }
        if !summary.complete { Glibc.exit(1) }
    }

    /// Refuses, before anything is decoded, an output that could cost recorded data: a path inside
    /// the session (a report written over `cam1.mkv` would replace the recording), a file already
    /// there, or one path for both outputs.
    private func checkOutputs() {
        var claimed: [String: String] = [:]
        for (name, path) in [("--json", json), ("--report", report)] {
            guard let path else { continue }
            if path.isEmpty { Console.badInput("\(name): empty path") }
            if FileSystem.isInside(path, sessionDirectory) {
                Console.badInput("\(name) \(path): inside the session folder \(sessionDirectory); the analysis never writes into a session (choose a path outside it)")
            }
            if FileSystem.exists(path) {
                Console.badInput("\(name) \(path): already exists; the analysis never replaces a file (choose a new path or remove it)")
            }
            let resolved = FileSystem.resolved(path)
            if let other = claimed[resolved] { Console.badInput("\(name) and \(other) name the same file \(path)") }
            claimed[resolved] = name
        }
    }

    /// Whole or absent, and never over a file that appeared meanwhile (a rename that does not replace).
    private func write(_ text: String, to path: String, option: String) {
        do { try FileSystem.writeNew(text, to: path) } catch { Console.badInput("\(option): \(error)") }
    }

}
