import Foundation
import GenlockCore
import GenlockHIL
import GenlockHILMedia
import GenlockMedia

/// A small synthetic rig for the validation tests: 320×240 frames at 60 fps, a line time of
/// 20 µs (240 rows span 4.8 ms), 1 ms exposure, and a 200 µs flash every 17/32 of a frame, so
/// successive flashes land about 1 ms further into the frame and the band walks it (every row
/// is dark in some frames and fully lit in others; at most one flash per frame).
struct SyntheticRig {
    static let t0 = RealtimeInstant(nanosecondsSinceEpoch: 1_800_000_000_000_000_000)
    static let rate = try! FrameRate(numerator: 60)
    static let periodNs: Int64 = 16_666_666
    static let lineTimePs: Int64 = 20_000_000
    static var lineTimeNs: Double { Double(lineTimePs) / 1000 }

    var frames = 40
    var exposure = TimeSpan.milliseconds(1)
    var shutter = Shutter.rolling
    var scene = LEDScene(width: 320, height: 240)
    var codec = VideoCodec.ffv1
    var plan: FlashPlan = try! FlashPlan(
        firstFlash: t0 + .microseconds(500), width: .microseconds(200), period: .nanoseconds(periodNs * 17 / 32),
        count: 90, sweepStep: .zero, sweepSteps: 1)
    /// GPIO wake-up jitter: each flash's on and off edges come late by up to this much
    /// (independently, so the logged width varies too).
    var jitterNs: Int64 = 0
    /// Per camera: the offset of its exposure start from `Tn` at frame n, in ns.
    var offsets: [@Sendable (Int64) -> Int64] = [{ _ in 0 }, { _ in 0 }]
    /// Indices a camera dropped (by camera number).
    var dropped: [Int: Set<Int64>] = [:]
    /// Whether the session has `sensors.csv`, and line times it states instead of the truth.
    var sensorTable = true
    var sensorTableLineTimePs: [String: Int64] = [:]

    static func scheduled(_ n: Int64) -> RealtimeInstant { t0 + .nanoseconds(n * periodNs / 1) }

    /// The true start of row 0 of camera `c`'s frame `n`.
    func truth(camera c: Int, index n: Int64) -> RealtimeInstant { Self.scheduled(n) + .nanoseconds(offsets[c](n)) }

    /// The flashes as the log has them: the plan, with the GPIO jitter.
    var flashes: FlashList {
        var state: UInt64 = 0x5EED
        func draw() -> Int64 {
            guard jitterNs > 0 else { return 0 }
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int64((state >> 33) % UInt64(jitterNs))
        }
        return FlashList((0..<plan.count).map { k in
            let on = plan.onInstant(k) + .nanoseconds(draw())
            return FlashRecord(index: k, plannedOn: plan.onInstant(k), on: on, off: plan.offInstant(k) + .nanoseconds(draw()))
        })
    }

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
        let synth = SessionSynthesizer(scene: scene, flashes: flashes, codec: codec, frameRate: Self.rate,
                                       writesSensorTable: sensorTable, sensorTableLineTimePs: sensorTableLineTimePs)
        return try synth.write(cameras: cameras, outputRoot: root, session: "s", epoch: Self.t0)
    }

    /// Writes, analyzes and removes the session.
    func analyze(region: PixelRegion? = nil, cameraRegions: [String: PixelRegion] = [:]) throws -> SessionAnalyzer.Result {
        let dir = try write()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        return try SessionAnalyzer(directory: dir, region: region, cameraRegions: cameraRegions).run()
    }

    /// The goal, checked on `result`: every reported pair's median skew within one line
    /// time of the truth and 90 % of its samples within max(one line time, 3× their stated
    /// uncertainty); every pair without a number has a diagnostic saying why. Returns the
    /// failures (empty: honest).
    func dishonesty(_ result: SessionAnalyzer.Result) -> [String] {
        var failures: [String] = []
        let names = result.analysis.cameras.map(\.name)
        for pair in result.analysis.pairs {
            guard let a = names.firstIndex(of: pair.a), let b = names.firstIndex(of: pair.b) else { continue }
            guard pair.statistics != nil else {
                if !result.analysis.diagnostics.contains(where: { $0.kind == .noCommonFrames && $0.message.contains("\(pair.a)–\(pair.b)") }) {
                    failures.append("\(pair.a)–\(pair.b): unmeasured without a diagnostic")
                }
                continue
            }
            let errors = pair.samples.map { s in s.skewNs - Double(offsets[a](s.index) - offsets[b](s.index)) }
            let sorted = errors.sorted()
            let median = sorted[sorted.count / 2]
            if abs(median) > Self.lineTimeNs { failures.append("\(pair.a)–\(pair.b): median error \(median) ns") }
            let within = zip(errors, pair.samples).filter { abs($0.0) <= max(Self.lineTimeNs, 3 * $0.1.sigmaNs) }.count
            if Double(within) < 0.9 * Double(errors.count) {
                failures.append("\(pair.a)–\(pair.b): only \(within) of \(errors.count) samples within max(L, 3σ); errors \(errors)")
            }
        }
        return failures
    }
}
