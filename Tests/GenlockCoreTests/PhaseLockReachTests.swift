import GenlockCore
import Testing

/// The mode's fastest rate: IMX708 1536×864 at 120 fps, whose shortest frame (904 lines) is only
/// 8.4 µs, under one line, shorter than the period.
@Suite("PhaseLock at the mode's fastest rate")
struct PhaseLockReachTests {
    private let timing = SensorMode.imx708.timing
    private let rate120 = try! FrameRate(numerator: 120)

    @Test("the headroom is what the mode's shortest frame leaves of the period")
    func headroom() throws {
        let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 0), rate: rate120)
        let lock = PhaseLock(schedule: schedule, sensor: timing)
        // 8,333,333 ns − 904 × 9,209.04 ns = 8,361 ns.
        #expect(lock.shorteningHeadroom == .nanoseconds(8_361))
        let slow = PhaseLock(schedule: FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 0), rate: try FrameRate(numerator: 30)), sensor: timing)
        #expect(slow.shorteningHeadroom > .milliseconds(20))
    }

    @Test("a late phase is removed by lengthening onto the next Tn within a few frames, not by shortening for hundreds")
    func lateGoesTheLongWay() throws {
        let periodNs = rate120.nominalPeriod.nanoseconds
        let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 1_000_000_000_000), rate: rate120)
        var lock = PhaseLock(schedule: schedule, sensor: timing)
        let lineNs = Double(timing.lineTimePs) / 1000
        // Exposures start 2 ms after Tn; frames are exactly as long as programmed (no crystal error, no jitter).
        var startNs = 1_000_000_000_000.0 - 20 * Double(periodNs) + 2_000_000
        var programmed: [Int64: Int64] = [:]
        var current = lock.freeRunningLines
        var lockedAt: Int?
        var indices: [Int64] = []
        for sequence in 0..<60 as Range<Int64> {
            let frame = PhaseLock.Frame(sequence: sequence, exposureStart: RealtimeInstant(nanosecondsSinceEpoch: Int64(startNs.rounded())))
            let d = try lock.update(frame)
            programmed[d.applySequence] = d.frameLengthLines
            if let n = d.index { indices.append(n) }
            if lockedAt == nil, d.state == .locked { lockedAt = Int(sequence) }
            if let lines = programmed.removeValue(forKey: sequence) { current = lines }
            startNs += Double(current) * lineNs
        }
        // Shortening at 8.4 µs a frame would take 240 frames; lengthening takes one (after the control delay).
        let at = try #require(lockedAt, "never locked")
        #expect(at < 15, "locked at frame \(at)")
        #expect(indices == indices.sorted() && Set(indices).count == indices.count, "indices never repeat: \(indices)")
    }

    @Test("START says so when the sensor cannot shorten a frame by a line, and only then")
    func noticeAtStart() throws {
        for (fps, expected) in [(120, true), (60, false), (30, false)] {
            let rate = try FrameRate(numerator: Int64(fps))
            var capture = PhaseLockScheduler(configuration: .init(sensor: timing, exposure: .milliseconds(2)))
            let sample = ClockSample(realtime: RealtimeInstant(nanosecondsSinceEpoch: 1_000_000_000_000), monotonic: MonotonicInstant(nanoseconds: 5_000_000_000))
            let plan = StartPlan(schedule: FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 1_000_500_000_000), rate: rate), firstIndex: 0)
            let actions = capture.handle(.start(plan, sample))
            let notices = actions.compactMap { if case .notice(let n) = $0 { n } else { nil } }
            #expect(notices.isEmpty != expected, "\(fps) fps: \(notices)")
            if expected { #expect(notices.first?.description.contains("hardly be shortened") == true) }
        }
    }
}
