import Foundation
import GenlockCore
import GenlockHIL
import GenlockHILMedia
import GenlockMedia

/// A small synthetic rig for the validation tests: 320×240 frames at 60 fps, a line time of
/// 20 µs (240 rows span 4.8 ms), 1 ms exposure, and a 200 µs flash every half frame whose
/// offset sweeps over 0, 1, 2 ms so every row is dark in some frames.
struct SyntheticRig {
    static let t0 = RealtimeInstant(nanosecondsSinceEpoch: 1_800_000_000_000_000_000)
    static let rate = try! FrameRate(numerator: 60)
    static let periodNs: Int64 = 16_666_666
    static let lineTimePs: Int64 = 20_000_000
    static var lineTimeNs: Double { Double(lineTimePs) / 1000 }

    var frames = 30
    var exposure = TimeSpan.milliseconds(1)
    var shutter = Shutter.rolling
    var scene = LEDScene(width: 320, height: 240)
    var codec = VideoCodec.ffv1
    var plan: FlashPlan = try! FlashPlan(
        firstFlash: t0 + .microseconds(2500), width: .microseconds(200), period: .nanoseconds(periodNs / 2),
        count: 80, sweepStep: .milliseconds(1), sweepSteps: 3)
    /// Per camera: the offset of its exposure start from `Tn` at frame n, in ns.
    var offsets: [@Sendable (Int64) -> Int64] = [{ _ in 0 }, { _ in 0 }]
    /// Indices a camera dropped (by camera number).
    var dropped: [Int: Set<Int64>] = [:]

    static func scheduled(_ n: Int64) -> RealtimeInstant { t0 + .nanoseconds(n * periodNs / 1) }

    /// The true start of row 0 of camera `c`'s frame `n`.
    func truth(camera c: Int, index n: Int64) -> RealtimeInstant { Self.scheduled(n) + .nanoseconds(offsets[c](n)) }

    /// Writes the session into a fresh temporary folder and returns its path.
    func write() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-hil-\(UUID().uuidString)").path
        let cameras = offsets.indices.map { c in
            SynthCamera(name: "cam\(c + 1)", frames: (0..<Int64(frames)).map { n in
                SynthFrame(index: n, scheduled: Self.scheduled(n),
                           timing: ExposureTiming(start: truth(camera: c, index: n), exposure: exposure, lineTimePs: Self.lineTimePs, shutter: shutter),
                           flags: dropped[c]?.contains(n) == true ? .dropped : [])
            })
        }
        let synth = SessionSynthesizer(scene: scene, flashes: FlashList(plan: plan), codec: codec, frameRate: Self.rate)
        return try synth.write(cameras: cameras, outputRoot: root, session: "s", epoch: Self.t0)
    }

    /// Writes, analyzes and removes the session.
    func analyze(region: PixelRegion? = nil) throws -> SessionAnalyzer.Result {
        let dir = try write()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        return try SessionAnalyzer(directory: dir, region: region).run()
    }
}
