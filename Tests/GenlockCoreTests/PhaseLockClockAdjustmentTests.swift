import GenlockCore
import Testing

/// A node's PTP-disciplined clock under a sensor on its own crystal: every sync (125 ms) the servo
/// sets a new frequency adjustment (kp × a noisy offset: a few ppm either way), which moves realtime
/// against the sensor. The sensor's frames are stamped through that clock with ±1 µs of jitter.
private struct ServoedRig {
    let timing = SensorTiming(lineTimePs: 10_000_000, minFrameLengthLines: 100, maxFrameLengthLines: 1_000_000, controlDelayFrames: 2)
    let crystalPpm = -20.0
    let syncNs: Int64 = 125_000_000
    /// Realtime = true + offset, the offset growing at the adjustment in force (ppb).
    var adjustmentPpb = 0.0
    var offsetNs = 0.0
    var lastTrueNs: Int64 = 0
    var nextSyncNs: Int64 = 0
    /// Separate draws for the servo and the stamps, so two runs see the same servo whatever lengths
    /// their controllers chose.
    var servoRng: UInt64 = 0x2545_F491_4F6C_DD1D
    var stampRng: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// xorshift64*: uniform in [−1, 1).
    static func uniform(_ rng: inout UInt64) -> Double {
        rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27
        return Double((rng &* 2_685_821_657_736_338_717) >> 11) / Double(1 << 52) - 1
    }

    /// Realtime at true time `t` (not before the last asked), the servo acting at each sync on the way.
    mutating func realtime(atTrue t: Int64) -> Double {
        while nextSyncNs <= t {
            offsetNs += Double(nextSyncNs - lastTrueNs) * adjustmentPpb * 1e-9
            lastTrueNs = nextSyncNs
            adjustmentPpb = Self.uniform(&servoRng) * 4_500  // ±4.5 ppm: σ 2.6 ppm, as kp × 2 µs of noise
            nextSyncNs += syncNs
        }
        offsetNs += Double(t - lastTrueNs) * adjustmentPpb * 1e-9
        lastTrueNs = t
        return Double(t) + offsetNs
    }

    /// True exposure starts minus `Tn` (as the clock reads it) of 1,500 frames after 300 at 30 fps.
    mutating func settledErrors(reportingAdjustment: Bool) throws -> [Double] {
        let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 0), rate: try FrameRate(parsing: "30"))
        var lock = PhaseLock(schedule: schedule, sensor: timing)
        var programmed: [Int64: Int64] = [:]
        var lines = lock.freeRunningLines
        var startNs: Int64 = 2_000_000
        var errors: [Double] = []
        for sequence in Int64(0)..<1_800 {
            let exposureStart = realtime(atTrue: startNs)
            // The frame arrives at its frame-start interrupt, 2 ms later: the adjustment is read then.
            _ = realtime(atTrue: startNs + 2_000_000)
            let stamped = Int64(exposureStart.rounded()) + Int64(Self.uniform(&stampRng) * 1_000)
            let frame = PhaseLock.Frame(
                sequence: sequence, exposureStart: RealtimeInstant(nanosecondsSinceEpoch: stamped),
                clockAdjustmentPpb: reportingAdjustment ? adjustmentPpb : nil)
            let d = try lock.update(frame)
            programmed[d.applySequence] = d.frameLengthLines
            if sequence >= 300, let index = d.index {
                errors.append(exposureStart - Double(try schedule.deadline(of: index).nanosecondsSinceEpoch))
            }
            if let l = programmed.removeValue(forKey: sequence) { lines = l }
            startNs += Int64((Double(lines) * Double(timing.lineTimePs) / 1000 / (1 + crystalPpm * 1e-6)).rounded())
        }
        return errors
    }
}

@Suite("PhaseLock and the clocks' frequency adjustment")
struct PhaseLockClockAdjustmentTests {
    /// The starts sit on each frame's grid of whole lines; what the controller adds on top is its
    /// misjudgement of where that grid is. With the servo's adjustments reported, the rate changes
    /// they make are predicted rather than learnt frames later from ±1 µs stamps, so the starts stay
    /// nearer `Tn` (and the sensor's own frequency is what the tracker learns).
    @Test func reportedAdjustmentsKeepTheStartsNearerTn() throws {
        var unreported = ServoedRig()
        var reported = ServoedRig()
        let without = try unreported.settledErrors(reportingAdjustment: false)
        let with = try reported.settledErrors(reportingAdjustment: true)
        func rms(_ e: [Double]) -> Double { (e.reduce(0) { $0 + $1 * $1 } / Double(e.count)).squareRoot() }
        // The same rig: identical servo draws; only the reporting differs.
        #expect(without.count == with.count)
        #expect(rms(with) < rms(without), "rms \(rms(with)) ns reported vs \(rms(without)) ns not")
        // Half a line is the grid's own bound; reported, the starts leave it rarely.
        let outside = with.filter { abs($0) > 5_000 + 500 }.count
        #expect(outside * 100 <= with.count, "\(outside) of \(with.count) starts beyond half a line + 0.5 µs")
    }
}
