import GenlockCore
import Testing

@Suite("Sensor modes")
struct SensorModeTests {
    /// What libcamera and the Raspberry Pi IPA do with a requested frame duration: round it to whole
    /// microseconds (the control's unit), then floor-divide by the line time.
    private static func linesProgrammed(_ duration: TimeSpan, _ timing: SensorTiming) -> Int64 {
        duration.microsecondsRounded * 1_000_000 / timing.lineTimePs
    }

    @Test(arguments: SensorMode.known)
    func everyFrameLengthSurvivesMicrosecondRoundingAndTheIPAsFloorDivision(mode: SensorMode) {
        let timing = mode.timing
        let upper = min(timing.maxFrameLengthLines, 200_000)
        var lost = 0
        for lines in timing.minFrameLengthLines...upper where Self.linesProgrammed(timing.frameDuration(lines: lines), timing) != lines {
            lost += 1
        }
        #expect(lost == 0)
    }

    @Test func theNaiveDurationWouldLoseLinesSoTheMarginMatters() {
        // lines × line time rounded to a microsecond falls below the boundary for some lengths:
        // the reason frameDuration(lines:) asks for the middle of the last line.
        let timing = SensorMode.imx708.timing
        let lost = (timing.minFrameLengthLines...20_000).filter { lines in
            Self.linesProgrammed(TimeSpan(nanoseconds: timing.durationNs(lines: lines)), timing) != lines
        }
        #expect(!lost.isEmpty)
    }

    @Test func modesAreFoundByModelWithoutRegardToCase() {
        #expect(SensorMode.known(model: "IMX708") == .imx708)
        #expect(SensorMode.known(model: "imx296")?.timing.controlDelayFrames == 2)
        #expect(SensorMode.known(model: "ov5647") == nil)
    }
}
