import GenlockCore
import Testing

/// An IMX708 (9.2 µs lines, control delay 3) under a node's PTP-disciplined clock: every sync
/// (125 ms) the servo sets a new frequency adjustment (kp × a noisy offset: a few ppm either way),
/// which moves realtime against the sensor's crystal, and the frames are stamped through that clock
/// with ±2 µs of jitter (the Pi 5's interrupt stamp). What the controller adds to each start's own
/// grid of whole lines is its misjudgement of where that grid is against `Tn`.
private struct ServoedIMX708 {
    let timing = SensorMode.imx708.timing
    let crystalPpm = 17.0
    let syncNs: Int64 = 125_000_000
    /// Realtime = true + offset, the offset growing at the adjustment in force (ppb).
    var adjustmentPpb = 0.0
    var offsetNs = 0.0
    var lastTrueNs: Int64 = 0
    var nextSyncNs: Int64 = 0
    /// Separate draws for the servo and the stamps, so two controllers see the same servo and the
    /// same stamp noise whatever lengths they chose.
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
            adjustmentPpb = Self.uniform(&servoRng) * 4_500  // ±4.5 ppm: σ 2.6 ppm, kp × 2 µs of noise
            nextSyncNs += syncNs
        }
        offsetNs += Double(t - lastTrueNs) * adjustmentPpb * 1e-9
        lastTrueNs = t
        return Double(t) + offsetNs
    }

    /// True exposure starts minus `Tn` (as the clock reads it) of the frames in `window` at 30 fps
    /// (by default 3,000, after 600 to lock and settle). With `feedsAdjustment` each frame carries
    /// the adjustment in force when it arrived (5 ms after it began), as adjtimex reads it.
    mutating func settledErrors(
        _ configuration: PhaseLock.Configuration, feedsAdjustment: Bool = false, window: Range<Int64> = 600..<3_600
    ) throws -> [Double] {
        let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 0), rate: try FrameRate(numerator: 30))
        var lock = PhaseLock(schedule: schedule, sensor: timing, configuration: configuration)
        var programmed: [Int64: Int64] = [:]
        var lines = lock.freeRunningLines
        var startNs: Int64 = 2_000_000
        var errors: [Double] = []
        for sequence in Int64(0)..<window.upperBound {
            let exposureStart = realtime(atTrue: startNs)
            let stamped = Int64(exposureStart.rounded()) + Int64(Self.uniform(&stampRng) * 2_000)
            _ = realtime(atTrue: startNs + 5_000_000)  // the frame arrives: the servo may have acted since
            let d = try lock.update(
                PhaseLock.Frame(
                    sequence: sequence, exposureStart: RealtimeInstant(nanosecondsSinceEpoch: stamped),
                    clockAdjustmentPpb: feedsAdjustment ? adjustmentPpb : nil))
            programmed[d.applySequence] = d.frameLengthLines
            if window.contains(sequence), let index = d.index {
                errors.append(exposureStart - Double(try schedule.deadline(of: index).nanosecondsSinceEpoch))
            }
            if let l = programmed.removeValue(forKey: sequence) { lines = l }
            startNs += Int64((Double(lines) * Double(timing.lineTimePs) / 1000 / (1 + crystalPpm * 1e-6)).rounded())
        }
        return errors
    }
}

private let halfLineNs = Double(SensorMode.imx708.timing.lineTimePs) / 2_000
private func offLine(_ e: [Double]) -> Int { e.filter { abs($0) > halfLineNs }.count }
private func rms(_ e: [Double]) -> Double { (e.reduce(0) { $0 + $1 * $1 } / Double(e.count)).squareRoot() }

@Suite("PhaseLock's tracker gains")
struct PhaseLockTrackerGainTests {
    /// The default gains (α 0.2, β 0.005) were chosen near a steady-state Kalman filter's for ±2 µs
    /// stamps and a servoed clock, by measurement; the former ones (α 0.3, β 0.01) passed more of the stamp's jitter into the
    /// estimate. With the same servo and the same stamps, the defaults leave fewer starts off the
    /// line nearest `Tn` (beyond half a line from it) and a smaller rms error.
    @Test func defaultsLeaveFewerStartsOffTheNearestLine() throws {
        var current = ServoedIMX708()
        var former = ServoedIMX708()
        let now = try current.settledErrors(PhaseLock.Configuration())
        var formerGains = PhaseLock.TrackerSettings.learning
        formerGains.phase = 0.3
        formerGains.frequency = 0.01
        let before = try former.settledErrors(PhaseLock.Configuration(trackerWithoutClockAdjustment: formerGains))
        #expect(now.count == before.count && now.count > 2_900)
        #expect(offLine(now) < offLine(before), "off the nearest line: \(offLine(now)) now, \(offLine(before)) with the former gains")
        #expect(rms(now) < rms(before), "rms \(rms(now)) ns now, \(rms(before)) ns with the former gains")
        // Whatever the gains, the starts stay on the grid's scale: within a line of Tn.
        #expect(now.allSatisfy { abs($0) < 2 * halfLineNs }, "max \(now.map(abs).max() ?? 0) ns")
    }

    /// With each frame's clock adjustment fed forward the controller knows how the servo moves
    /// realtime against the sensor, up to the servo's next change, and averages the stamp's jitter
    /// over more frames: the same servo and stamps leave fewer starts off the nearest line and a
    /// smaller rms error than the same controller learning the clock's frequency from the frames.
    @Test func feedingTheClocksAdjustmentForwardLeavesFewerStartsOffTheNearestLine() throws {
        var fed = ServoedIMX708()
        var learnt = ServoedIMX708()
        let withAdjustment = try fed.settledErrors(PhaseLock.Configuration(), feedsAdjustment: true)
        let without = try learnt.settledErrors(PhaseLock.Configuration())
        #expect(withAdjustment.count == without.count && without.count > 2_900)
        #expect(
            offLine(withAdjustment) < offLine(without),
            "off the nearest line: \(offLine(withAdjustment)) fed forward, \(offLine(without)) learnt")
        #expect(rms(withAdjustment) < rms(without), "rms \(rms(withAdjustment)) ns fed forward, \(rms(without)) ns learnt")
        #expect(withAdjustment.allSatisfy { abs($0) < 2 * halfLineNs }, "max \(withAdjustment.map(abs).max() ?? 0) ns")
    }

    /// The tracker's first corrections weigh as a least-squares fit's (warm-up), so the sensor's
    /// frequency, which the acquisition only began to learn, is known within tens of frames of the
    /// lock rather than the thousands the steady-state gains alone would take: in the first ten
    /// seconds after the lock the starts keep closer to `Tn` than with no warm-up.
    @Test func theWarmUpLearnsTheFrequencySoonAfterTheLock() throws {
        var warm = ServoedIMX708()
        var cold = ServoedIMX708()
        let early: Range<Int64> = 30..<330
        let warmed = try warm.settledErrors(PhaseLock.Configuration(), feedsAdjustment: true, window: early)
        let unwarmed = try cold.settledErrors(PhaseLock.Configuration(trackerPriorFrames: 1_000_000), feedsAdjustment: true, window: early)
        #expect(warmed.count == unwarmed.count && warmed.count > 290)
        #expect(rms(warmed) < rms(unwarmed), "rms \(rms(warmed)) ns warmed up, \(rms(unwarmed)) ns without")
        #expect(offLine(warmed) < offLine(unwarmed), "off the nearest line: \(offLine(warmed)) warmed up, \(offLine(unwarmed)) without")
    }

    /// A slew starting mid-interval (here 100 ppm, as chrony or a servo re-converging applies) puts
    /// a one-off error into the prior, which took the mean of the two adjustment readings: up to
    /// 100 ppm × a frame over 2, 1.7 µs at 30 fps, too little to restart the estimate or to look
    /// like a clock moving under the sensor. That frame's measurement weighs as a Kalman gain with
    /// that uncertainty says, so the error is gone at the next frame rather than carried for the
    /// tens of frames the steady-state gain (α 0.03) would need (with it, starts 1.7 µs past half a
    /// line): once the frames in flight at the change are past, every start is back within half a
    /// line of `Tn` (the stamps here are exact).
    @Test func aSlewStartingMidIntervalIsAbsorbedAtOnce() throws {
        let timing = SensorTiming(lineTimePs: 10_000_000, minFrameLengthLines: 100, maxFrameLengthLines: 1_000_000, controlDelayFrames: 2)
        let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 0), rate: try FrameRate(numerator: 30))
        var lock = PhaseLock(schedule: schedule, sensor: timing)
        var programmed: [Int64: Int64] = [:]
        var lines = lock.freeRunningLines
        var trueNs: Int64 = 3_000_000
        // Just after frame 600 began (20 s in) and before it arrives: its arrival reads the new
        // adjustment, its interval saw none of it, and the prior takes half: off by 1.7 µs.
        let slewFromNs: Int64 = 20_000_500_000
        func realtime(_ t: Int64) -> Double { Double(t) + (t > slewFromNs ? Double(t - slewFromNs) * 100e-6 : 0) }
        var offLineAfterSlew: [(Int64, Double)] = []
        for sequence in Int64(0)..<900 {
            let start = realtime(trueNs)
            let arrival = trueNs + 2_000_000
            let d = try lock.update(
                PhaseLock.Frame(
                    sequence: sequence, exposureStart: RealtimeInstant(nanosecondsSinceEpoch: Int64(start.rounded())),
                    clockAdjustmentPpb: arrival > slewFromNs ? 100_000 : 0))
            programmed[d.applySequence] = d.frameLengthLines
            let index = try #require(d.index)
            let error = start - Double(try schedule.deadline(of: index).nanosecondsSinceEpoch)
            // The frames whose lengths were set before the slew was seen (the control delay, and
            // the one in progress) cannot know it; from then on each is within half a line.
            if trueNs > slewFromNs + 4 * 33_333_333, abs(error) > 5_000 + 50 { offLineAfterSlew.append((sequence, error)) }
            if let l = programmed.removeValue(forKey: sequence) { lines = l }
            trueNs += Int64((Double(lines) * 10_000 / (1 + 20e-6)).rounded())
        }
        #expect(offLineAfterSlew.isEmpty, "starts more than half a line from Tn after the slew: \(offLineAfterSlew.prefix(8))")
    }

    /// This servo sets an independent adjustment at every sync, so each change undoes half the
    /// last on average (ρ −½). The frames in flight over the control delay cannot know the next
    /// change, but its expected part they can (``AdjustmentCadence``): with it, fewer starts off
    /// the nearest line and a smaller rms error than assuming the adjustment holds.
    @Test func expectingTheServosNextChangeLeavesFewerStartsOffTheNearestLine() throws {
        var predicting = ServoedIMX708()
        var holding = ServoedIMX708()
        let expected = try predicting.settledErrors(PhaseLock.Configuration(), feedsAdjustment: true)
        let held = try holding.settledErrors(PhaseLock.Configuration(predictsClockAdjustment: false), feedsAdjustment: true)
        #expect(expected.count == held.count && held.count > 2_900)
        #expect(offLine(expected) < offLine(held), "off the nearest line: \(offLine(expected)) expecting, \(offLine(held)) holding")
        #expect(rms(expected) < rms(held), "rms \(rms(expected)) ns expecting, \(rms(held)) ns holding")
    }
}

