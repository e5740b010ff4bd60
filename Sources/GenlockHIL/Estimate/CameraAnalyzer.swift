import GenlockCore

/// One camera's result: every frame whose exposure start a flash revealed, and what could not
/// be measured.
public struct CameraAnalysis: Sendable {
    public var name: String
    public var shutter: Shutter
    /// The line time used, ns (from `sensors.csv`, checked against the fit, or fitted).
    public var lineTimeNs: Double?
    /// Its standard uncertainty when fitted, ns (nil: from the sensor table, or unknown).
    public var lineTimeSigmaNs: Double?
    /// Whether the line time was fitted from the bands (no line time in `sensors.csv`).
    public var lineTimeEstimated: Bool
    /// The region found to be the LED (nil: none).
    public var region: PixelRegion?
    /// Frames in the video that showed the LED.
    public var litFrames: Int
    public var estimates: [FrameEstimate]
    public var diagnostics: [Diagnostic]
}

/// Estimates each frame's exposure start from the flashes (pure: works on row profiles).
///
/// Rolling shutter: the candidate regions are tried strongest first, and the first whose lit
/// frames and band rows follow the flash log is the LED (``RollingRegionAnalysis``); the others
/// are named in `region-rejected` diagnostics, and when none follows the log there is no number
/// (`led-not-found`). Global shutter: the strongest region, read as a sweep (``SweepPoint``),
/// the flash nearest the sensor's own timestamp (or `Tn`) chosen for each frame.
public enum CameraAnalyzer {
    /// The camera's estimates, unless their flashes could be their neighbours (``FlashAttribution``).
    public static func analyze(_ input: CameraInput, flashes: FlashList) -> CameraAnalysis {
        var analysis = estimate(input, flashes: flashes)
        FlashAttribution.check(&analysis, input: input, flashes: flashes)
        return analysis
    }

    static func estimate(_ input: CameraInput, flashes: FlashList) -> CameraAnalysis {
        var empty = CameraAnalysis(name: input.name, shutter: input.shutter, lineTimeNs: input.lineTimePs.map { Double($0) / 1000 },
                                   lineTimeSigmaNs: nil, lineTimeEstimated: false, region: nil, litFrames: 0, estimates: [], diagnostics: [])
        var log = DiagnosticLog()
        guard input.candidates.contains(where: { r in input.frames.contains { r.profiles[$0.index] != nil } }) else {
            log.add(.noFrames, camera: input.name, input.decodedFrames == 0
                ? "the video holds no frame" : "no decoded frame joins a sidecar row (their PTS match no row's Tn)")
            empty.diagnostics = log.entries
            return empty
        }
        if input.shutter == .global { return analyzeGlobal(input, region: input.candidates[0], flashes: flashes) }
        var rejected: [Diagnostic] = []
        for candidate in input.candidates {
            switch RollingRegionAnalysis(input: input, region: candidate, flashes: flashes).run() {
            case .led(var analysis):
                // What was tried before is worth knowing (a lamp brighter than the LED), not a failure.
                analysis.diagnostics = rejected.filter { $0.kind == .regionRejected } + analysis.diagnostics
                return analysis
            case .rejected(let diagnostics):
                // Why a region was not the LED, once per kind: its frame-by-frame detail (frames
                // with one edge, a band filling the rows) says nothing more about the session.
                for d in diagnostics where ![.singleEdge, .noEdge, .noisyBands].contains(d.kind)
                    && !rejected.contains(where: { $0.kind == d.kind && $0.kind != .regionRejected }) {
                    rejected.append(d)
                }
            }
        }
        if rejected.isEmpty {
            rejected.append(Diagnostic(kind: .ledNeverVisible, camera: input.name, indices: [], count: 0,
                                       message: "the LED is never visible: no region rises above its background"))
        } else if rejected.contains(where: { $0.kind == .regionRejected }) {
            rejected.append(Diagnostic(kind: .ledNotFound, camera: input.name, indices: [], count: 0,
                                       message: "no region's changes follow the flash log, so no exposure start is measured (LED out of view, too dim, or only flicker and motion changed)"))
        }
        empty.diagnostics = rejected
        return empty
    }

    /// The global-shutter sweep on `region`.
    static func analyzeGlobal(_ input: CameraInput, region: RegionProfiles, flashes: FlashList) -> CameraAnalysis {
        var log = DiagnosticLog()
        let name = input.name
        var result = CameraAnalysis(name: name, shutter: .global, lineTimeNs: nil, lineTimeSigmaNs: nil, lineTimeEstimated: false,
                                    region: region.region, litFrames: 0, estimates: [], diagnostics: [])
        let decoded = input.frames.filter { region.profiles[$0.index] != nil }
        let bands = LitBands(profiles: decoded.map { region.profiles[$0.index]! })
        let rows = bands.background.count
        if bands.background.sorted()[rows / 2] >= Float(input.clipLuma) {
            log.add(.saturated, camera: name, "the LED's region is saturated even without a flash: reduce the exposure or the gain")
            result.diagnostics = log.entries
            return result
        }
        let period = medianPeriodNs(input.frames)
        var readings: [Int64: BandReading] = [:]
        for frame in decoded {
            readings[frame.index] = bands.reading(region.profiles[frame.index]!, rowMaxima: region.rowMaxima[frame.index] ?? [], clipLuma: input.clipLuma)
        }
        result.litFrames = readings.values.filter { if case .dark = $0 { false } else { true } }.count
        let lit = readings.compactMap { index, reading -> (index: Int64, excess: [Float], plateau: Float)? in
            if case .lit(let excess, let plateau, _) = reading { (index, excess, plateau) } else { nil }
        }.sorted { $0.index < $1.index }
        let shape = ShutterShapeCheck.bandedFrames(lit, threshold: bands.threshold)
        // One odd frame may be motion in front of the LED; bands in a quarter of the frames are a
        // rolling shutter's.
        if shape.banded.count > max(1, shape.checked / 4) {
            for index in shape.banded {
                log.add(.shutterMismatch, camera: name, index: index,
                        "sensors.csv says global shutter, but the lit rows form a band that moves from frame to frame, as a rolling "
                        + "shutter's do: no number (check the camera's shutter in sensors.csv)")
            }
            result.diagnostics = log.entries
            return result
        }
        let full = SweepPoint.fullLevel(readings.values)
        var points: [SweepResponseCheck.Point] = []
        for frame in input.frames {
            let prior = frame.sensorStart ?? frame.scheduled
            let exposureNs = frame.exposure?.nanoseconds ?? 0
            let candidates = flashes.overlapping(prior - .nanoseconds(period / 2), prior + .nanoseconds(exposureNs + period / 2))
            guard frame.recorded else {
                if !candidates.isEmpty {
                    log.add(.droppedNearFlash, camera: name, index: frame.index,
                            droppedNearFlashText)
                }
                continue
            }
            guard let reading = readings[frame.index] else { continue }
            switch reading {
            case .dark: continue
            case .saturated:
                log.add(.saturated, camera: name, index: frame.index, "the lit frame is clipped at the top of the stream's range: reduce the LED's brightness or the exposure")
            case .lit(let excess, _, _):
                guard let exposure = frame.exposure else {
                    log.add(.missingExposure, camera: name, index: frame.index, "lit frame without exposure_ns in the sidecar")
                    continue
                }
                guard !candidates.isEmpty else {
                    log.add(.unmatchedBand, camera: name, index: frame.index, "lit frame but no listed flash could reach it")
                    continue
                }
                if let long = candidates.first(where: { $0.width >= exposure }) {
                    log.add(.flashLongerThanExposure, camera: name, index: frame.index,
                            "a flash lasts \(long.width), not shorter than the exposure \(exposure): the share no longer marks the exposure start")
                    continue
                }
                let point = SweepPoint(excess: excess, full: full, noiseLuma: bands.noiseLuma)
                let priorOffset = Double((prior - frame.scheduled).nanoseconds)
                if let estimate = candidates.compactMap({ point.estimate(flash: $0, frame: frame, exposure: exposure, prior: prior) })
                    .min(by: { abs($0.estimate.offsetNs - priorOffset) < abs($1.estimate.offsetNs - priorOffset) }) {
                    points.append(estimate)
                }
            }
        }
        result.estimates = checkedResponse(points, camera: name, log: &log)
        result.diagnostics = log.entries
        return result
    }

    /// The sweep's estimates when its two ramps agree (``SweepResponseCheck``), each with half
    /// the ramps' split added to its uncertainty; none, with a diagnostic, when they disagree
    /// (a luma curve) or only one ramp was crossed.
    static func checkedResponse(_ points: [SweepResponseCheck.Point], camera: String, log: inout DiagnosticLog) -> [FrameEstimate] {
        switch SweepResponseCheck.verdict(points) {
        case nil:
            return []
        case .linear(let split, let sigma)?:
            let doubt = (split * split / 4 + sigma * sigma / 4)
            return points.map { p in
                var e = p.estimate
                e.sigmaNs = (e.sigmaNs * e.sigmaNs + doubt).squareRoot()
                return e
            }
        case .curved(let split, let sigma)?:
            log.add(.nonlinearLuma, camera: camera,
                    "the sweep's falling ramp puts the exposure start \(RollingRegionAnalysis.micro(split)) ± \(RollingRegionAnalysis.micro(sigma)) "
                    + "after its rising ramp (\(points.count) frames): the luma is not linear in light (a gamma curve, as the Pi's ISP "
                    + "outputs), so a frame's brightness is not its share of a flash; no number (sweep with linear luma, "
                    + "or measure with a rolling-shutter camera)")
            return []
        case .unchecked(let ramp)?:
            log.add(.lumaUnchecked, camera: camera, "the sweep crossed only the exposure's \(ramp == .rising ? "start" : "end") "
                + "(\(points.count) frames): a non-linear luma curve cannot be told from a shift with one ramp, so no number "
                + "(sweep the flash over the whole exposure window, both its start and its end)")
            return []
        }
    }

    /// Why a frame the sidecar says was not recorded, though a flash fell in it, has no estimate.
    static let droppedNearFlashText = "the sidecar marks the frame dropped or skipped although a flash fell in its exposure: no estimate"

    /// The median spacing of consecutive frames' `Tn` (the frame period), ns.
    static func medianPeriodNs(_ frames: [FrameMeta]) -> Int64 {
        var gaps: [Int64] = []
        for (a, b) in zip(frames, frames.dropFirst()) where b.index > a.index {
            gaps.append((b.scheduled - a.scheduled).nanoseconds / (b.index - a.index))
        }
        gaps.sort()
        return gaps.isEmpty ? 33_333_333 : gaps[gaps.count / 2]
    }
}
