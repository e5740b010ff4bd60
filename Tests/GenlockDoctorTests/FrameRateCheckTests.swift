import GenlockCore
import GenlockDoctor
import Testing

@Suite("doctor: the planned rate against the sensor mode")
struct FrameRateCheckTests {
    private func rate(_ text: String) throws -> FrameRate { try FrameRate(parsing: text) }

    @Test func imx708At120FpsWarnsThatFramesCannotBeShortened() throws {
        // 904 lines × 9.209 µs = 8.325 ms against 8.333 ms: 8.361 µs of headroom, under one line.
        let result = FrameRateCheck.check(mode: .success(.imx708), rate: try rate("120"))
        #expect(result.status == .warn, "\(result.detail)")
        #expect(result.detail.contains("120 fps is at imx708 1536×864's maximum rate"), "\(result.detail)")
        #expect(result.detail.contains("only 8.361 µs shorter than the period"), "\(result.detail)")
        #expect(result.detail.contains("at most 119 fps"), "\(result.detail)")
    }

    @Test func imx708BelowItsMaximumPassesWithItsHeadroom() throws {
        let result = FrameRateCheck.check(mode: .success(.imx708), rate: try rate("119"))
        #expect(result.status == .pass, "\(result.detail)")
        let thirty = FrameRateCheck.check(mode: .success(.imx708), rate: try rate("30"))
        #expect(thirty.status == .pass)
        // 33.333 ms − 8.325 ms = 25.008 ms of headroom: 2715 lines.
        #expect(thirty.detail.contains("(2715 lines)"), "\(thirty.detail)")
    }

    @Test func aRateTheModeCannotReachFails() throws {
        let fast = FrameRateCheck.check(mode: .success(.imx708), rate: try rate("121"))
        #expect(fast.status == .fail)
        #expect(fast.detail.contains("faster than imx708 1536×864 can go"), "\(fast.detail)")
        #expect(fast.detail.contains("fix: choose a rate of at most 120 fps"), "\(fast.detail)")
        // 65 500 lines × 9.209 µs = 0.603 s: one frame a second is too slow.
        let slow = FrameRateCheck.check(mode: .success(.imx708), rate: try rate("1"))
        #expect(slow.status == .fail)
        #expect(slow.detail.contains("slower than imx708 1536×864 can go"), "\(slow.detail)")
    }

    @Test func anUnknownModeIsNotJudged() throws {
        let result = FrameRateCheck.check(mode: .failure(ProbeError("no sensor timing for model 'imx477'")), rate: try rate("30"))
        #expect(result.status == .warn)
        #expect(result.detail == "30 fps not judged: no sensor timing for model 'imx477' (see the camera check)")
    }

    @Test func theHeadroomIsTheSameRuleTheLockUses() throws {
        let sensor = SensorMode.imx708.timing
        let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 0), rate: try rate("120"))
        let lock = PhaseLock(schedule: schedule, sensor: sensor)
        #expect(lock.shorteningHeadroom == sensor.shorteningHeadroom(at: try rate("120")))
        #expect(sensor.shorteningHeadroom(at: try rate("120")) == .nanoseconds(8_361))
        #expect(sensor.shorteningHeadroom(at: try rate("121")) == .zero)
    }
}
