import GenlockCore
import Testing

/// A camera that ignores the frame lengths it is given (libcamera's virtual pipeline completes
/// each request as soon as it is queued) must be called unpaced, not chased.
@Suite("PhaseLock pacing")
struct PhaseLockPacingTests {
    static let timing = SensorMode.imx708.timing
    static let periodNs: Int64 = 33_333_333
    let schedule: FrameSchedule

    init() throws {
        schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 1_000_000_000_000), rate: try FrameRate(numerator: 30))
    }

    /// Feeds frames `intervalNs` apart from `startNs`, consecutive sequences; returns the decisions.
    static func feed(_ lock: inout PhaseLock, from first: Int64, count: Int, startNs: Int64, intervalNs: Int64) throws -> [PhaseLock.Decision] {
        try (0..<Int64(count)).map { i in
            try lock.update(PhaseLock.Frame(
                sequence: first + i, exposureStart: RealtimeInstant(nanosecondsSinceEpoch: startNs + i * intervalNs)))
        }
    }

    @Test func framesFarFasterThanTheirLengthsMakeItUnpacedAndStopTheSteering() throws {
        var lock = PhaseLock(schedule: schedule, sensor: Self.timing)
        let t0 = schedule.start.nanosecondsSinceEpoch
        // Half a millisecond apart while 33 ms are programmed.
        let decisions = try Self.feed(&lock, from: 0, count: 40, startNs: t0 + 1_000_000, intervalNs: 500_000)
        let configuration = PhaseLock.Configuration()
        // Intervals start with the second frame: the tenth off-pace interval is frame 10.
        #expect(decisions.prefix(configuration.framesToJudgePacing).allSatisfy { $0.state == .acquiring })
        #expect(decisions.dropFirst(configuration.framesToJudgePacing).allSatisfy { $0.state == .unpaced })
        #expect(decisions.dropFirst(configuration.framesToJudgePacing).allSatisfy { $0.frameLengthLines == lock.freeRunningLines })
        #expect(lock.lastInterval == PhaseLock.Interval(
            measured: .microseconds(500), programmed: TimeSpan(nanoseconds: Self.timing.durationNs(lines: lock.freeRunningLines))))
        // Still numbered by the nearest Tn: all forty start within 20 ms of T0, nearest index 0 or 1.
        let indices = decisions.compactMap(\.index)
        #expect(indices == [0, 1])
        #expect(lock.status.description.hasPrefix("phase lock unpaced"))
    }

    @Test func aCameraThatStartsFollowingTheLengthsIsAcquiredAgain() throws {
        var lock = PhaseLock(schedule: schedule, sensor: Self.timing)
        let t0 = schedule.start.nanosecondsSinceEpoch
        _ = try Self.feed(&lock, from: 0, count: 20, startNs: t0, intervalNs: 500_000)
        #expect(lock.state == .unpaced)
        // Now on the schedule (frames one period apart, starting on a Tn), so the lock barely steers.
        let decisions = try Self.feed(&lock, from: 20, count: 30, startNs: t0 + 40 * Self.periodNs, intervalNs: Self.periodNs)
        let configuration = PhaseLock.Configuration()
        // The first interval spans the jump from the fast frames; then ten on-pace intervals.
        #expect(decisions.prefix(configuration.framesToJudgePacing).allSatisfy { $0.state == .unpaced })
        #expect(decisions.last?.state != .unpaced)
    }

    @Test func oneOffPaceIntervalAClockStepIsNotUnpaced() throws {
        var lock = PhaseLock(schedule: schedule, sensor: Self.timing)
        let t0 = schedule.start.nanosecondsSinceEpoch
        let frameNs = Self.timing.durationNs(lines: lock.freeRunningLines)
        _ = try Self.feed(&lock, from: 0, count: 20, startNs: t0, intervalNs: frameNs)
        // A 5 ms realtime step between frames 19 and 20 makes one interval 15 % long.
        let decisions = try Self.feed(&lock, from: 20, count: 20, startNs: t0 + 20 * frameNs + 5_000_000, intervalNs: frameNs)
        #expect(decisions.allSatisfy { $0.state != .unpaced })
    }
}

@Suite("SensorTiming request-timed multiple")
struct RequestTimedMultipleTests {
    @Test func twiceTheRateWhereTheModeReachesItElseTheLargestThatFits() {
        let imx708 = SensorMode.imx708.timing  // minimum frame 904 lines ≈ 8.33 ms: up to ~120 fps
        #expect(imx708.requestTimedMultiple(for: .milliseconds(33)) == 2)
        #expect(imx708.requestTimedMultiple(for: .milliseconds(10)) == 1)  // 5 ms frames are below the minimum
        #expect(imx708.requestTimedMultiple(for: .milliseconds(100), preferring: 4) == 4)
        #expect(imx708.requestTimedMultiple(for: .milliseconds(30), preferring: 4) == 3)
        #expect(imx708.requestTimedMultiple(for: .milliseconds(5)) == 1)  // even 1× is too fast: still 1
    }
}
