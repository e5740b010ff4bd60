import GenlockCore
import Testing

/// A PI servo fed noisy offsets sets a new adjustment at every sync (125 ms) that is mostly noise:
/// each change undoes the last one's kick, so successive changes correlate at about −½. Frames
/// (33.3 ms at 30 fps) each read the adjustment in force when they arrive.
@Suite("AdjustmentCadence")
struct AdjustmentCadenceTests {
    /// Feeds `syncs` servo updates, the adjustment of sync k being `adjustment(k)`, as frames read them.
    private func learn(syncs: Int, adjustment: (Int) -> Double) -> AdjustmentCadence {
        var cadence = AdjustmentCadence()
        let frameNs = 33_333_333.0, syncNs = 125_000_000.0
        var reading = 0.0
        var t = 0.0
        while t < Double(syncs) * syncNs {
            t += frameNs
            let now = adjustment(Int(t / syncNs))
            cadence.observe(change: now - reading, atNs: t, frameNs: frameNs)
            reading = now
        }
        return cadence
    }

    private static func uniform(_ k: Int) -> Double {
        // A hash of the sync's number: a reproducible draw in [−1, 1).
        var x = UInt64(k) &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 31; x &*= 0xBF58_476D_1CE4_E5B9; x ^= x >> 27
        return Double(x >> 11) / Double(1 << 52) - 1
    }

    @Test func learnsTheSyncPeriodAndThatEachChangeUndoesHalfTheLast() throws {
        let cadence = learn(syncs: 400) { 4.5e-6 * Self.uniform($0) }
        // Changes are read at frame resolution (33 ms), so the period is learnt to within a frame.
        #expect(abs(cadence.periodNs - 125_000_000) < 33_333_333 / 2, "period \(cadence.periodNs) ns")
        #expect(cadence.rho < -0.3 && cadence.rho > -0.7, "rho \(cadence.rho)")
        let next = try #require(cadence.expectedNext())
        // The last frame (ending 50.033 s) read sync 400's change (at 50 s): the next is expected
        // one period on, at 50.125 s, to within the frame the change was read in.
        #expect(abs(next.atNs - 50_125_000_000) < 33_333_333, "next change at \(next.atNs) ns")
    }

    @Test func predictsNothingBeforeEnoughChangesOrAfterAnOutlier() throws {
        let early = learn(syncs: AdjustmentCadence.pairsToPredict / 2) { 4.5e-6 * Self.uniform($0) }
        #expect(early.expectedNext() == nil)
        // A failover: after 400 ordinary syncs the adjustment jumps to the 500 ppm clamp.
        let jump = learn(syncs: 401) { $0 < 400 ? 4.5e-6 * Self.uniform($0) : 500e-6 }
        #expect(jump.expectedNext() == nil, "a change far beyond the ones seen is not extrapolated")
    }

    @Test func aServoWhoseChangesDoNotFollowOneAnotherGetsNoPrediction() throws {
        // A random walk of the adjustment: independent changes, ρ ≈ 0, so the expected change is small.
        var level = 0.0
        var levels: [Int: Double] = [:]
        let cadence = learn(syncs: 400) { k in
            if let l = levels[k] { return l }
            level += 2e-6 * Self.uniform(k)
            levels[k] = level
            return level
        }
        #expect(abs(cadence.rho) < 0.2, "rho \(cadence.rho)")
    }
}
