import GenlockCore

/// One candidate region of a rolling-shutter camera, analyzed: either the LED (its lit frames
/// and band rows follow the flash log), with estimates or the reason there are none, or rejected
/// as not the LED, with why.
enum RegionOutcome {
    /// The region is the LED: `analysis` holds its estimates and diagnostics.
    case led(CameraAnalysis)
    /// Not the LED, or nothing to tell: the diagnostics say why.
    case rejected([Diagnostic])
}

/// The rolling-shutter pipeline on one region (pure).
///
/// 1. Background and noise per row; each frame dark, lit or clipped (per pixel against the
///    stream's range).
/// 2. The LED's footprint (``Footprint``); in each lit frame the band's two edges at half their
///    own step (``BandEdges``), its centre row. Frames showing one edge are counted, not used.
/// 3. Which flash lit each frame: the one whose band, with a first line time, lies nearest the
///    frame's reference instant (sensor timestamp − exposure, or `Tn`).
/// 4. ``LineTimeFit`` of the centres against the flash instants: the line time, the offset,
///    the residuals.
/// 5. The timing test: bands must sit where the fit puts them (at most a tenth of them further
///    than max(4σ, 2 rows), and σ at most 3 rows), and the frames must be lit exactly when a
///    flash falls in the footprint's rows. Otherwise the region is not the LED.
/// 6. The line time checked against `sensors.csv`; each frame's exposure start with its
///    uncertainty (edge sharpness, line-time uncertainty, residual scatter).
struct RollingRegionAnalysis {
    let input: CameraInput
    let region: RegionProfiles
    let flashes: FlashList

    /// Bands further than this many rows from where the fit puts them, or scatter larger than
    /// ``maximumScatterRows``, mean the changes do not follow the flash log.
    static let maximumOutlierShare = 0.1
    static let maximumScatterRows = 3.0
    /// Fewer two-edge frames than this give no fit.
    static let minimumPoints = 6

    private struct Point {
        var frame: FrameMeta
        var reference: RealtimeInstant
        var centre: Double
        var sigmaRows: Double
        var flash: FlashRecord
        var tSeconds: Double
        var xNs: Double
    }

    func run() -> RegionOutcome {
        let name = input.name
        var log = DiagnosticLog()
        let decoded = input.frames.filter { region.profiles[$0.index] != nil }
        guard !decoded.isEmpty else { return .rejected([]) }
        let bands = LitBands(profiles: decoded.map { region.profiles[$0.index]! })
        let rows = bands.background.count
        let sortedBackground = bands.background.sorted()
        if sortedBackground[rows / 2] >= Float(input.clipLuma) {
            log.add(.saturated, camera: name, "the region \(region.region) is saturated even without a flash: reduce the exposure or the gain")
            return .rejected(log.entries)
        }
        var readings: [Int64: BandReading] = [:]
        for frame in decoded {
            readings[frame.index] = bands.reading(region.profiles[frame.index]!, rowMaxima: region.rowMaxima[frame.index] ?? [], clipLuma: input.clipLuma)
        }
        var litExcess: [[Float]] = []
        var clipped = 0
        for frame in decoded {
            switch readings[frame.index]! {
            case .lit(let excess, _, _): litExcess.append(excess)
            case .saturated:
                clipped += 1
                log.add(.saturated, camera: name, index: frame.index,
                        "a pixel of the lit rows reaches the top of the stream's range (\(input.clipLuma)): clipped light no longer marks half a flash; reduce the LED's brightness or the exposure")
            case .dark: break
            }
        }
        guard !litExcess.isEmpty else { return .rejected(log.entries) }
        if clipped > litExcess.count { return .rejected(log.entries) }
        let footprint = Footprint(rows: rows, lit: litExcess)
        let noise = Double(bands.noiseLuma)
        let firstRow = region.region.y

        // Band centres of the two-edge frames.
        var centres: [(frame: FrameMeta, centre: Double, sigma: Double, height: Double)] = []
        for frame in decoded {
            guard frame.recorded, case .lit(let excess, _, _) = readings[frame.index]! else { continue }
            guard frame.exposure != nil else {
                log.add(.missingExposure, camera: name, index: frame.index, "lit frame without exposure_ns in the sidecar")
                continue
            }
            guard let edges = BandEdges(excess: excess.map(Double.init), firstRow: firstRow, usable: footprint.usable, noise: noise) else {
                log.add(.noEdge, camera: name, index: frame.index, "the band fills the LED's evenly lit rows \(footprint.usable): no edge to measure")
                continue
            }
            guard let centre = edges.centre, let height = edges.heightRows else {
                log.add(.singleEdge, camera: name, index: frame.index,
                        "only one band edge inside the LED's evenly lit rows: a single edge's position depends on the luma curve and the flash's brightness, so it is not used")
                continue
            }
            centres.append((frame, centre.row, centre.sigmaRows, height))
        }
        // A first line time: the sensor table's, else the exposure over the band's height (biased
        // by a luma curve, good enough to pick flashes), else the frame period over the rows.
        let period = Double(CameraAnalyzer.medianPeriodNs(input.frames))
        let heights = centres.compactMap { c in c.frame.exposure.map { Double($0.nanoseconds) / c.height } }.sorted()
        let guessNs = input.lineTimePs.map { Double($0) / 1000 } ?? (heights.isEmpty ? period / Double(firstRow + rows) : heights[heights.count / 2])
        let t0 = input.frames.first?.scheduled ?? RealtimeInstant(nanosecondsSinceEpoch: 0)

        func candidates(_ frame: FrameMeta, lineTimeNs: Double) -> (RealtimeInstant, ArraySlice<FlashRecord>) {
            let reference = frame.sensorStart ?? frame.scheduled
            let span = Int64(Double(firstRow + rows) * lineTimeNs) + (frame.exposure?.nanoseconds ?? 0)
            return (reference, flashes.overlapping(reference - .nanoseconds(Int64(period / 2)), reference + .nanoseconds(span + Int64(period / 2))))
        }
        func xNs(_ flash: FlashRecord, _ frame: FrameMeta, _ reference: RealtimeInstant) -> Double {
            Double((flash.on - reference).nanoseconds) + Double(flash.width.nanoseconds) / 2 - Double(frame.exposure!.nanoseconds) / 2
        }
        func tSeconds(_ frame: FrameMeta) -> Double { Double((frame.scheduled - t0).nanoseconds) / 1e9 }

        // Which flash: nearest the reference with the first line time, then nearest the fit.
        var points: [Point] = []
        for c in centres {
            let (reference, near) = candidates(c.frame, lineTimeNs: guessNs)
            guard !near.isEmpty else {
                log.add(.unmatchedBand, camera: name, index: c.frame.index, "lit band but no listed flash could reach this frame")
                continue
            }
            if let long = near.first(where: { $0.width >= c.frame.exposure! }) {
                log.add(.flashLongerThanExposure, camera: name, index: c.frame.index,
                        "a flash lasts \(long.width), not shorter than the exposure \(c.frame.exposure!): the band no longer marks the exposure start")
                continue
            }
            let flash = near.min { abs(xNs($0, c.frame, reference) - guessNs * c.centre) < abs(xNs($1, c.frame, reference) - guessNs * c.centre) }!
            points.append(Point(frame: c.frame, reference: reference, centre: c.centre, sigmaRows: c.sigma, flash: flash,
                                tSeconds: tSeconds(c.frame), xNs: xNs(flash, c.frame, reference)))
        }
        // Frames lit by a flash longer than the exposure: the LED, but nothing to measure.
        for frame in decoded where frame.recorded {
            guard case .lit = readings[frame.index]!, let exposure = frame.exposure, !centres.contains(where: { $0.frame.index == frame.index }) else { continue }
            let (_, near) = candidates(frame, lineTimeNs: guessNs)
            if let long = near.first(where: { $0.width >= exposure }) {
                log.add(.flashLongerThanExposure, camera: name, index: frame.index,
                        "a flash lasts \(long.width), not shorter than the exposure \(exposure): the band no longer marks the exposure start")
            }
        }
        guard points.count >= Self.minimumPoints else {
            log.add(.regionRejected, camera: name,
                    "region \(region.region): \(points.count) frames show a band with both edges matched to a flash, fewer than the \(Self.minimumPoints) a line-time fit and the timing test need")
            return .rejected(log.entries)
        }

        let given = input.lineTimePs.map { Double($0) / 1000 }
        func fit(_ pts: [Point], lineTimeNs: Double?, tolerance: Double) -> LineTimeFit? {
            LineTimeFit(pts.map { .init(xNs: $0.xNs, row: $0.centre, tSeconds: $0.tSeconds) }, lineTimeNs: lineTimeNs, minimumToleranceNs: tolerance)
        }
        // The line time is fitted freely when the centres span enough rows, so that it can be
        // checked against the sensor table; a fixed one serves when they do not.
        let minimumSpan = max(20, Double(footprint.usable.count) / 4)
        var free = fit(points, lineTimeNs: nil, tolerance: 2 * guessNs)
        if let f = free, f.rowSpan >= minimumSpan, f.lineTimeNs > 0 {
            // Re-pick each frame's flash with the fit, then fit again.
            for i in points.indices {
                let (reference, near) = candidates(points[i].frame, lineTimeNs: f.lineTimeNs)
                let best = near.filter { $0.width < points[i].frame.exposure! }.min {
                    abs(f.predictedRow(xNs: xNs($0, points[i].frame, reference), tSeconds: points[i].tSeconds) - points[i].centre)
                        < abs(f.predictedRow(xNs: xNs($1, points[i].frame, reference), tSeconds: points[i].tSeconds) - points[i].centre)
                }
                if let best {
                    points[i].flash = best
                    points[i].xNs = xNs(best, points[i].frame, reference)
                }
            }
            free = fit(points, lineTimeNs: nil, tolerance: 2 * f.lineTimeNs)
        }
        let freeValid = free.map { $0.rowSpan >= minimumSpan && $0.lineTimeNs > 0 && $0.lineTimeSigmaNs < 0.05 * $0.lineTimeNs } ?? false
        let model: LineTimeFit
        if freeValid, let free {
            model = free
        } else if let given, let fixed = fit(points, lineTimeNs: given, tolerance: 2 * given) {
            model = fixed
        } else {
            log.add(.unknownLineTime, camera: name,
                    "no line time in sensors.csv, and the band centres span \(Int((free?.rowSpan ?? 0).rounded())) rows, too few to fit it (use a flash period that is not a whole number of frames, so the band walks the frame)")
            return .led(result(log: log, lit: litExcess.count + clipped, lineTimeNs: nil, sigma: nil, estimated: false))
        }

        // The timing test: is this the LED?
        let lineTimeNs = model.lineTimeNs
        let outliers = model.inliers.filter { !$0 }.count
        let scatterRows = model.residualSigmaNs / lineTimeNs
        if Double(outliers) > Self.maximumOutlierShare * Double(points.count) || scatterRows > Self.maximumScatterRows {
            log.add(.regionRejected, camera: name,
                    "region \(region.region): its bands do not sit at the rows the flash instants predict (\(outliers) of \(points.count) off the fit, scatter \(Self.oneDecimal(scatterRows)) rows): not the LED (flicker, motion, another light), or sensor timestamps that do not follow the exposure")
            return .rejected(log.entries)
        }
        var litWithoutFlash = 0, darkWithFlash = 0, predictedLit = 0
        let usableRows = Double(firstRow + footprint.usable.lowerBound)...Double(firstRow + footprint.usable.upperBound)
        var dropped: [Int64] = []
        for frame in input.frames {
            guard let exposure = frame.exposure else { continue }
            let reading = readings[frame.index]
            if !frame.recorded {
                // A frame the camera did not record, with a flash in its rows: say so (nothing to measure).
                let (reference, near) = candidates(frame, lineTimeNs: lineTimeNs)
                if near.contains(where: { flash in
                    let centre = model.predictedRow(xNs: xNs(flash, frame, reference), tSeconds: tSeconds(frame))
                    let half = Double(exposure.nanoseconds + flash.width.nanoseconds) / 2 / lineTimeNs
                    return centre + half >= usableRows.lowerBound && centre - half <= usableRows.upperBound
                }) { dropped.append(frame.index) }
                continue
            }
            guard let reading else { continue }
            if case .saturated = reading { continue }
            let (reference, near) = candidates(frame, lineTimeNs: lineTimeNs)
            var lit = false, near3 = false
            for flash in near {
                let centre = model.predictedRow(xNs: xNs(flash, frame, reference), tSeconds: tSeconds(frame))
                let half = Double(exposure.nanoseconds + flash.width.nanoseconds) / 2 / lineTimeNs
                let band = (centre - half)...(centre + half)
                if band.upperBound >= usableRows.lowerBound + 3 && band.lowerBound <= usableRows.upperBound - 3 { lit = true }
                if band.upperBound >= usableRows.lowerBound - 3 && band.lowerBound <= usableRows.upperBound + 3 { near3 = true }
            }
            let observed: Bool = if case .lit = reading { true } else { false }
            if lit { predictedLit += 1 }
            if lit && !observed { darkWithFlash += 1 }
            if observed && !near3 { litWithoutFlash += 1 }
        }
        if Double(litWithoutFlash + darkWithFlash) > max(2, Self.maximumOutlierShare * Double(predictedLit)) {
            log.add(.regionRejected, camera: name,
                    "region \(region.region): its lit frames do not follow the flash log (\(litWithoutFlash) lit with no flash in their rows, \(darkWithFlash) dark although a flash fell in their rows, of \(predictedLit) a flash should light): not the LED (flicker, motion, another light)")
            return .rejected(log.entries)
        }

        // The region is the LED. Check the line time against the sensor table.
        for index in dropped {
            log.add(.droppedNearFlash, camera: name, index: index,
                    CameraAnalyzer.droppedNearFlashText)
        }
        var lineTime = lineTimeNs, lineSigma = freeValid ? model.lineTimeSigmaNs : 0
        if freeValid, let given {
            if abs(lineTimeNs - given) > 3 * model.lineTimeSigmaNs + 0.001 * given {
                log.add(.lineTimeMismatch, camera: name,
                        "the line time fitted from the bands, \(Self.micro(lineTimeNs)) ± \(Self.micro(model.lineTimeSigmaNs)), disagrees with sensors.csv's \(Self.micro(given)): wrong sensor mode, or image rows are not sensor rows (scaled or binned output); no number")
                return .led(result(log: log, lit: litExcess.count + clipped, lineTimeNs: lineTimeNs, sigma: model.lineTimeSigmaNs, estimated: true))
            }
            lineTime = given
            lineSigma = 0
        }
        var out = result(log: log, lit: litExcess.count + clipped, lineTimeNs: lineTime, sigma: freeValid && given == nil ? lineSigma : nil, estimated: freeValid && given == nil)
        // The scatter the edges' own noise does not explain (compression, the luma curve's
        // effect on interpolation, timestamp jitter): added to every sample.
        let edgeVariances = points.map { ($0.sigmaRows * lineTime) * ($0.sigmaRows * lineTime) }.sorted()
        let typicalEdge = edgeVariances.isEmpty ? 0 : edgeVariances[edgeVariances.count / 2]
        let excess = max(0, model.residualSigmaNs * model.residualSigmaNs - typicalEdge)
        for (i, p) in points.enumerated() {
            guard model.inliers[i] else {
                log.add(.noisyBands, camera: name, index: p.frame.index, "the band is not where the line-time fit puts it: not used")
                continue
            }
            let middle = Double((p.flash.on - p.frame.scheduled).nanoseconds) + Double(p.flash.width.nanoseconds) / 2
            let offset = middle - Double(p.frame.exposure!.nanoseconds) / 2 - p.centre * lineTime
            let edge = p.sigmaRows * lineTime, slope = p.centre * lineSigma
            var sigma = (edge * edge + slope * slope + excess).squareRoot()
            // A band further from the fit than three of its own σ, yet inside the outlier cut (a
            // flash logged 35 µs late, say: under two rows): its estimate carries that error, and
            // is not stated more precisely than its disagreement with the other bands.
            let residual = abs(model.residualsNs[i])
            if residual > 3 * sigma { sigma = residual }
            out.estimates.append(FrameEstimate(index: p.frame.index, offsetNs: offset, sigmaNs: sigma, edges: 2, flash: p.flash.index))
        }
        out.diagnostics = log.entries
        return .led(out)
    }

    private func result(log: DiagnosticLog, lit: Int, lineTimeNs: Double?, sigma: Double?, estimated: Bool) -> CameraAnalysis {
        return CameraAnalysis(name: input.name, shutter: .rolling, lineTimeNs: lineTimeNs, lineTimeSigmaNs: sigma, lineTimeEstimated: estimated,
                              region: region.region, litFrames: lit, estimates: [], diagnostics: log.entries)
    }

    static func micro(_ ns: Double) -> String { "\(oneDecimal(ns / 1000, digits: 3)) µs" }

    static func oneDecimal(_ v: Double, digits: Int = 1) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (v * scale).rounded() / scale
        return "\(r)"
    }
}
