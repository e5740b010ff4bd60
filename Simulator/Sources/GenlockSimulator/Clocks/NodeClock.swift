import GenlockCore

/// One node's system clocks as functions of true time: CLOCK_MONOTONIC and CLOCK_REALTIME.
///
/// Both run at `1 + rate` times true time, where the rate error (parts per trillion) is the
/// oscillator's own error plus the kernel frequency adjustment plus any forced slew: the kernel
/// applies adjustments to monotonic and realtime alike. Realtime is monotonic plus an offset
/// that only steps change, so a step never moves monotonic. The clock is piecewise linear:
/// every rate change re-anchors it at the current true time, in exact integer arithmetic.
public struct NodeClock: Sendable {
    /// Parts per trillion in one part per million (rates are kept this finely so that servo
    /// corrections of a few ppb are not rounded away).
    public static let pptPerPpm: Int64 = 1_000_000

    private var anchorTrueNs: Int64
    private var anchorMonoNs: Int64
    /// Realtime minus monotonic, nanoseconds.
    public private(set) var realtimeOffsetNs: Int64
    /// The oscillator's frequency error (wanders).
    public private(set) var oscillatorPpt: Int64
    /// The kernel frequency adjustment (the servo's output).
    public private(set) var adjustmentPpt: Int64 = 0
    /// A forced slew (fault), added on top.
    public private(set) var slewPpt: Int64 = 0
    /// Total rate error now.
    public private(set) var ratePpt: Int64

    /// A clock whose monotonic reads `monotonicNs` and realtime `realtimeNs` at true time `trueNs`.
    public init(trueNs: Int64, monotonicNs: Int64, realtimeNs: Int64, oscillatorPpt: Int64) {
        anchorTrueNs = trueNs
        anchorMonoNs = monotonicNs
        realtimeOffsetNs = realtimeNs - monotonicNs
        self.oscillatorPpt = oscillatorPpt
        ratePpt = oscillatorPpt
    }

    /// CLOCK_MONOTONIC at true time `t`.
    public func monotonic(atTrue t: Int64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: monotonicNs(t))
    }

    /// CLOCK_REALTIME at true time `t`.
    public func realtime(atTrue t: Int64) -> RealtimeInstant {
        RealtimeInstant(nanosecondsSinceEpoch: monotonicNs(t) + realtimeOffsetNs)
    }

    func monotonicNs(_ t: Int64) -> Int64 {
        let dt = t - anchorTrueNs
        // The servo re-anchors every sync, so dt·rate almost always fits 64 bits; the wide path
        // (same result) covers long free-running stretches.
        let (product, overflow) = dt.multipliedReportingOverflow(by: ratePpt)
        let scaled = overflow ? Int64((Int128(dt) * Int128(ratePpt)) / 1_000_000_000_000) : product / 1_000_000_000_000
        return anchorMonoNs + dt + scaled
    }

    /// The earliest true time at or after `notBefore` at which monotonic reads at least `target`,
    /// assuming the rate does not change before then (the engine recomputes when it does).
    public func trueTime(whenMonotonicReaches target: MonotonicInstant, notBefore: Int64) -> Int64 {
        if monotonicNs(notBefore) >= target.nanoseconds { return notBefore }
        // t − anchor = ⌈dMono·10¹² / (10¹² + rate)⌉ = dMono − ⌊dMono·rate / (10¹² + rate)⌋: the second
        // form stays in 64 bits between servo updates (no 128-bit division per armed timer); the wide
        // form covers long free-running stretches. Either is only the starting point of the exact
        // settling below.
        let dMono = target.nanoseconds - anchorMonoNs
        let denominator = 1_000_000_000_000 + ratePpt
        var t: Int64
        let (product, overflow) = dMono.multipliedReportingOverflow(by: ratePpt)
        if !overflow {
            let q = product / denominator
            t = anchorTrueNs + dMono - (product % denominator < 0 ? q - 1 : q)
        } else {
            let wide = Int128(denominator)
            t = anchorTrueNs + Int64((Int128(dMono) * 1_000_000_000_000 + wide - 1) / wide)
        }
        // Integer rounding in monotonicNs can leave us a nanosecond either side: settle exactly.
        while monotonicNs(t) < target.nanoseconds { t += 1 }
        while t - 1 >= notBefore && monotonicNs(t - 1) >= target.nanoseconds { t -= 1 }
        return Swift.max(t, notBefore)
    }

    /// The earliest true time at or after `notBefore` at which realtime reads at least `target`.
    public func trueTime(whenRealtimeReaches target: RealtimeInstant, notBefore: Int64) -> Int64 {
        trueTime(
            whenMonotonicReaches: MonotonicInstant(nanoseconds: target.nanosecondsSinceEpoch - realtimeOffsetNs),
            notBefore: notBefore)
    }

    /// Steps realtime by `delta` (either sign); monotonic is untouched.
    public mutating func stepRealtime(by delta: Int64) { realtimeOffsetNs += delta }

    /// Sets the kernel frequency adjustment at true time `t`.
    public mutating func setAdjustment(ppt: Int64, atTrue t: Int64) {
        reanchor(t); adjustmentPpt = ppt; ratePpt = oscillatorPpt + adjustmentPpt + slewPpt
    }

    /// Sets the oscillator's error at true time `t` (wander).
    public mutating func setOscillator(ppt: Int64, atTrue t: Int64) {
        reanchor(t); oscillatorPpt = ppt; ratePpt = oscillatorPpt + adjustmentPpt + slewPpt
    }

    /// Sets a forced slew at true time `t` (zero ends it).
    public mutating func setSlew(ppt: Int64, atTrue t: Int64) {
        reanchor(t); slewPpt = ppt; ratePpt = oscillatorPpt + adjustmentPpt + slewPpt
    }

    private mutating func reanchor(_ t: Int64) {
        anchorMonoNs = monotonicNs(t)
        anchorTrueNs = t
    }
}
