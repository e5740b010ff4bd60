import GenlockCore
import Testing

@Suite("Sensor modes")
struct SensorModeTests {
    @Test(arguments: SensorMode.known)
    func everyFrameLengthSurvivesMicrosecondRoundingAndTheIPAsFloorDivision(mode: SensorMode) {
        let timing = mode.timing
        let upper = min(timing.maxFrameLengthLines, 200_000)
        var lost = 0
        for lines in timing.minFrameLengthLines...upper where timing.linesProgrammed(for: timing.frameDuration(lines: lines)) != lines {
            lost += 1
        }
        #expect(lost == 0)
    }

    @Test func theNaiveDurationWouldLoseLinesSoTheMarginMatters() {
        // lines × line time rounded to a microsecond falls below the boundary for some lengths:
        // the reason frameDuration(lines:) asks for the middle of the last line.
        let timing = SensorMode.imx708.timing
        let lost = (timing.minFrameLengthLines...20_000).filter { lines in
            timing.linesProgrammed(for: TimeSpan(nanoseconds: timing.durationNs(lines: lines))) != lines
        }
        #expect(!lost.isEmpty)
    }

    @Test func durationsTravelInWholeMicrosecondsAreFlooredToLinesAndClamped() {
        let timing = SensorMode.imx708.timing
        #expect(timing.linesProgrammed(for: .microseconds(1)) == timing.minFrameLengthLines)
        #expect(timing.linesProgrammed(for: .seconds(10)) == timing.maxFrameLengthLines)
        // 101.3 µs is just over 11 lines of 9.20904 µs (101.29944 µs), but it travels as 101 µs,
        // which the IPA floors to 10 lines; 101.5 µs travels as 102 µs: 11 lines.
        let unclamped = SensorTiming(lineTimePs: timing.lineTimePs, minFrameLengthLines: 1, maxFrameLengthLines: 100, controlDelayFrames: 1)
        #expect(unclamped.linesProgrammed(for: .nanoseconds(101_300)) == 10)
        #expect(unclamped.linesProgrammed(for: .nanoseconds(101_500)) == 11)
    }

    @Test func modesAreFoundByModelWithoutRegardToCase() {
        #expect(SensorMode.known(model: "IMX708") == .imx708)
        #expect(SensorMode.known(model: "imx296")?.timing.controlDelayFrames == 2)
        #expect(SensorMode.known(model: "ov5647") == nil)
    }
}
