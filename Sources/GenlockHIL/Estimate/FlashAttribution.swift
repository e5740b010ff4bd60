import GenlockCore

/// Whether the flash each estimate was measured from is the only one it could be.
///
/// A band (or a sweep point) says where in the frame a flash fell, not which flash: the analyzer
/// takes the flash nearest the frame's reference instant (`sensor_realtime_ns − exposure_ns`,
/// else `Tn`). When the reference can be off by half the spacing to the next flash, every frame
/// can be given the neighbouring flash consistently: the fit is as good, and each camera's start
/// is off by whole flash spacings (milliseconds), stated to ± a fraction of a µs. No test inside
/// one camera can see it, so the analyzer checks what it can and refuses the rest (`ambiguous-flash`):
///
/// - **Without a sensor timestamp** the reference is `Tn`, and a request-timed exposure starts
///   anywhere within a frame period of it: flashes closer than two frame periods are ambiguous.
/// - **With sensor timestamps** the exposure starts within tens of µs of their instant when they
///   follow the exposure (the Pi 5's convention). A median start further from it than a quarter
///   of the spacing means they do not (an end-of-readout stamp, a fixed offset), and then the
///   chosen flash and its neighbour are about as likely. A stamp off by almost exactly a whole
///   spacing cannot be seen: hence flashes far apart on the rig (about a second).
enum FlashAttribution {
    /// A start this far from the sensor timestamp's instant, as a share of the flash spacing, is
    /// not the timestamp following the exposure.
    static let timestampShare = 0.25

    /// Removes `analysis`'s estimates when their flashes cannot be told from their neighbours,
    /// saying why.
    static func check(_ analysis: inout CameraAnalysis, input: CameraInput, flashes: FlashList) {
        guard !analysis.estimates.isEmpty, let reason = ambiguity(analysis.estimates, input: input, flashes: flashes) else { return }
        let count = analysis.estimates.count
        analysis.estimates = []
        analysis.diagnostics.append(Diagnostic(kind: .ambiguousFlash, camera: analysis.name, indices: [], count: 0,
                                               message: "\(reason): its \(count) estimates are left out, no number"))
    }

    /// Why the estimates' flashes are ambiguous, or nil when they are not.
    static func ambiguity(_ estimates: [FrameEstimate], input: CameraInput, flashes: FlashList) -> String? {
        var position: [Int: Int] = [:]
        for (k, flash) in flashes.flashes.enumerated() { position[flash.index] = k }
        let all = flashes.flashes
        /// The time to the flash before or after the one that lit a frame, whichever is nearer.
        func spacingNs(_ flashIndex: Int) -> Int64? {
            guard let k = position[flashIndex] else { return nil }
            let gaps = [k > 0 ? (all[k].on - all[k - 1].on).nanoseconds : nil,
                        k + 1 < all.count ? (all[k + 1].on - all[k].on).nanoseconds : nil].compactMap { $0 }
            return gaps.min()
        }
        let frames = Dictionary(input.frames.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        let periodNs = CameraAnalyzer.medianPeriodNs(input.frames)
        var untimedSpacing: Int64?
        var timedSpacing: Int64?
        var fromStampNs: [Double] = []
        for estimate in estimates {
            guard let frame = frames[estimate.index], let spacing = spacingNs(estimate.flash) else { continue }
            if let stamp = frame.sensorStart {
                timedSpacing = min(timedSpacing ?? spacing, spacing)
                // offsetNs is the start minus Tn; the stamp's instant minus Tn is known.
                fromStampNs.append(estimate.offsetNs - Double((stamp - frame.scheduled).nanoseconds))
            } else {
                untimedSpacing = min(untimedSpacing ?? spacing, spacing)
            }
        }
        if let spacing = untimedSpacing, spacing < 2 * periodNs {
            return "frames without a sensor timestamp start anywhere within a frame period (\(Self.ms(periodNs))) of Tn, "
                + "and flashes \(Self.ms(spacing)) apart cannot be told from their neighbours (flashes at least two frame periods "
                + "apart, such as the rig's 1013 ms period, or sidecars with sensor timestamps)"
        }
        if let spacing = timedSpacing, !fromStampNs.isEmpty {
            let sorted = fromStampNs.map(abs).sorted()
            let median = sorted[sorted.count / 2]
            if median > Self.timestampShare * Double(spacing) {
                return "the exposure starts \(Self.ms(Int64(median.rounded()))) from the sensor timestamps' instants (sensor_realtime_ns − exposure_ns; "
                    + "within tens of µs when they follow the exposure), so with flashes \(Self.ms(spacing)) apart the one "
                    + "chosen and its neighbour are about as likely (timestamps of the readout's end, or offset)"
            }
        }
        return nil
    }

    private static func ms(_ ns: Int64) -> String { TimeSpanFormat.text(ns) }
}
