import GenlockCore

/// One camera's result: every frame whose exposure start a flash revealed, and what could not
/// be measured.
public struct CameraAnalysis: Sendable {
    public var name: String
    public var shutter: Shutter
    /// The line time used (from the session, or estimated from the bands), ns.
    public var lineTimeNs: Double?
    /// Whether the line time was estimated from the bands.
    public var lineTimeEstimated: Bool
    /// Frames in the video that showed the LED.
    public var litFrames: Int
    public var estimates: [FrameEstimate]
    public var diagnostics: [Diagnostic]
}

/// Estimates each frame's exposure start from the flashes (pure: works on row profiles).
///
/// For every frame it takes the flashes that can reach the frame's rows, estimates the start
/// from each (``BandEdges`` for a rolling shutter, ``SweepPoint`` for a global one), and keeps
/// the flash whose estimate lies nearest the sensor's own timestamp (or `Tn`): flashes must be
/// further apart than twice the sensor timestamp's error for that choice to be unambiguous.
public enum CameraAnalyzer {
    public static func analyze(_ input: CameraInput, flashes: FlashList) -> CameraAnalysis {
        var log = DiagnosticLog()
        let name = input.name
        var result = CameraAnalysis(name: name, shutter: input.shutter, lineTimeNs: input.lineTimePs.map { Double($0) / 1000 },
                                    lineTimeEstimated: false, litFrames: 0, estimates: [], diagnostics: [])
        let decoded = input.frames.filter { input.profiles[$0.index] != nil }
        guard !decoded.isEmpty else {
            log.add(.noFrames, camera: name, "no decoded frame joins a sidecar row")
            result.diagnostics = log.entries
            return result
        }
        let bands = LitBands(profiles: decoded.map { input.profiles[$0.index]! })
        let rows = bands.background.count
        var sortedBackground = bands.background
        sortedBackground.sort()
        if sortedBackground[rows / 2] >= LitBands.saturationLuma {
            log.add(.saturated, camera: name, "the LED's region is saturated even without a flash: reduce the exposure or the gain")
            result.diagnostics = log.entries
            return result
        }
        let period = medianPeriodNs(input.frames)
        var readings: [Int64: BandReading] = [:]
        for frame in decoded { readings[frame.index] = bands.reading(input.profiles[frame.index]!) }
        result.litFrames = readings.values.filter { if case .dark = $0 { false } else { true } }.count
        // The light of a whole flash, which turns each row's light into its share of a flash.
        // A global shutter's frames of a sweep that took in the whole flash are the brightest.
        let full = input.shutter == .rolling ? LitBands.fullLevel(readings.values) : SweepPoint.fullLevel(readings.values)
        let noiseShare = Double(bands.noiseLuma / max(full, 1e-3))

        // The line time: from the session when known, else the median the bands imply.
        var lineTimeNs = result.lineTimeNs
        if input.shutter == .rolling, lineTimeNs == nil {
            var implied: [Double] = []
            for frame in decoded {
                guard case .lit(let excess, _, _) = readings[frame.index], let e = frame.exposure,
                      let edges = BandEdges(fraction: excess.map { Double($0 / full) }, firstRow: input.firstRow, noise: noiseShare),
                      let l = edges.lineTimeNs(exposureNs: Double(e.nanoseconds)) else { continue }
                implied.append(l)
            }
            implied.sort()
            if !implied.isEmpty {
                lineTimeNs = implied[implied.count / 2]
                result.lineTimeNs = lineTimeNs
                result.lineTimeEstimated = true
            }
        }
        let spanRows = Double(input.firstRow + rows)

        for frame in input.frames {
            let prior = frame.sensorStart ?? frame.scheduled
            // Every instant a row of this frame could be exposing, give or take half a frame.
            let exposureNs = frame.exposure?.nanoseconds ?? 0
            let rowsNs = input.shutter == .rolling ? Int64(spanRows * (lineTimeNs ?? 0)) : 0
            let candidates = flashes.overlapping(prior - .nanoseconds(period / 2), prior + .nanoseconds(rowsNs + exposureNs + period / 2))
            guard frame.recorded else {
                if !candidates.isEmpty {
                    log.add(.droppedNearFlash, camera: name, index: frame.index,
                            "frame not in the video (dropped or skipped) although a flash fell in its exposure: no estimate")
                }
                continue
            }
            guard let reading = readings[frame.index] else { continue }
            switch reading {
            case .dark:
                continue
            case .saturated:
                log.add(.saturated, camera: name, index: frame.index, "the lit band is clipped at the top of the range: reduce the LED's brightness or the exposure")
                continue
            case .lit(let excess, _, _):
                guard let exposure = frame.exposure else {
                    log.add(.missingExposure, camera: name, index: frame.index, "lit frame without exposure_ns in the sidecar")
                    continue
                }
                guard !candidates.isEmpty else {
                    log.add(.unmatchedBand, camera: name, index: frame.index, "lit band but no listed flash could reach this frame")
                    continue
                }
                if let long = candidates.first(where: { $0.width >= exposure }) {
                    log.add(.flashLongerThanExposure, camera: name, index: frame.index,
                            "a flash lasts \(long.width), not shorter than the exposure \(exposure): the band no longer marks the exposure start")
                    continue
                }
                let estimate: FrameEstimate?
                switch input.shutter {
                case .rolling:
                    guard let lineTimeNs else {
                        log.add(.unknownLineTime, camera: name, index: frame.index, "line time unknown (no sensors.csv entry) and no frame shows both band edges")
                        continue
                    }
                    let share = excess.map { Double($0 / full) }
                    guard let edges = BandEdges(fraction: share, firstRow: input.firstRow, noise: noiseShare) else {
                        log.add(.noEdge, camera: name, index: frame.index, "the band fills the whole region: no edge to measure")
                        continue
                    }
                    estimate = nearest(candidates, frame: frame, prior: prior) { flash in
                        let middle = Double((flash.on - frame.scheduled).nanoseconds) + Double(flash.width.nanoseconds) / 2
                        let s = edges.exposureStart(flashMiddleNs: middle, exposureNs: Double(exposure.nanoseconds), lineTimeNs: lineTimeNs)
                        return FrameEstimate(index: frame.index, offsetNs: s.startNs, sigmaNs: s.sigmaNs, edges: s.edges, flash: flash.index)
                    }
                case .global:
                    let point = SweepPoint(excess: excess, full: full, noiseLuma: bands.noiseLuma)
                    estimate = nearest(candidates, frame: frame, prior: prior) { flash in
                        point.estimate(flash: flash, frame: frame, exposure: exposure, prior: prior)
                    }
                }
                if let estimate { result.estimates.append(estimate) }
            }
        }
        if result.litFrames == 0 {
            log.add(.ledNeverVisible, camera: name,
                    "the LED is never visible: no frame is brighter than the background by \(String(Int(bands.threshold.rounded()))) luma levels in any row")
        }
        result.diagnostics = log.entries
        return result
    }

    /// The candidate flash whose estimate lies nearest the prior.
    private static func nearest(_ candidates: ArraySlice<FlashRecord>, frame: FrameMeta, prior: RealtimeInstant,
                                _ estimate: (FlashRecord) -> FrameEstimate?) -> FrameEstimate? {
        let priorOffset = Double((prior - frame.scheduled).nanoseconds)
        return candidates.compactMap(estimate).min { abs($0.offsetNs - priorOffset) < abs($1.offsetNs - priorOffset) }
    }

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
