import GenlockCore
@testable import GenlockMedia
import Testing

@Suite struct PresentationClockTests {
    let epoch = RealtimeInstant(nanosecondsSinceEpoch: 1_000_000_000_000)

    @Test func roundsToTheNearestMillisecondWithHalvesUp() {
        let clock = PresentationClock(epoch: epoch)
        #expect(clock.pts(of: epoch) == 0)
        #expect(clock.pts(of: epoch + .nanoseconds(499_999)) == 0)
        #expect(clock.pts(of: epoch + .nanoseconds(500_000)) == 1)
        #expect(clock.pts(of: epoch + .nanoseconds(33_333_333)) == 33)
        #expect(clock.pts(of: epoch + .nanoseconds(66_666_667)) == 67)
        #expect(clock.pts(of: epoch - .nanoseconds(500_001)) == -1)
        #expect(clock.pts(of: epoch - .nanoseconds(500_000)) == 0)
        #expect(clock.instant(ofPTS: 67) == epoch + .milliseconds(67))
    }

    @Test(arguments: ["30", "30000/1001", "120", "240", "999"])
    func consecutiveFramesHaveStrictlyIncreasingPTS(rate: String) throws {
        let schedule = FrameSchedule(start: epoch, rate: try FrameRate(parsing: rate))
        let clock = PresentationClock(epoch: epoch)
        let pts = try (0..<20_000).map { try clock.pts(of: schedule.deadline(of: Int64($0))) }
        #expect(pts.strictlyIncreasing)
    }

    @Test func theSameIndexHasTheSamePTSOnEveryCamera() throws {
        // Two cameras of one session share T0; their PTS depend only on Tn.
        let schedule = FrameSchedule(start: epoch, rate: try FrameRate(parsing: "30000/1001"))
        let a = PresentationClock(epoch: epoch), b = PresentationClock(epoch: epoch)
        for index in [0, 1, 7, 1001, 123_456] as [Int64] {
            let tn = try schedule.deadline(of: index)
            #expect(a.pts(of: tn) == b.pts(of: tn))
            #expect(abs((a.instant(ofPTS: a.pts(of: tn)) - tn).nanoseconds) <= 500_000)
        }
    }

    /// The epoch is START's T0, which a key holder chooses: no pair of 64-bit instants traps
    /// (issue 13: `T0 = Int64.min` crashed a recording node with SIGILL here).
    @Test func extremeEpochsAndInstantsDoNotTrap() {
        let edges: [Int64] = [.min, .min + 1, -1, 0, 1, 1_800_000_000_000_000_000, .max - 1, .max]
        for e in edges {
            let clock = PresentationClock(epoch: RealtimeInstant(nanosecondsSinceEpoch: e))
            for i in edges {
                let pts = clock.pts(of: RealtimeInstant(nanosecondsSinceEpoch: i))
                let exact = (Int128(i) - Int128(e)) / 1_000_000
                #expect(abs(Int128(pts) - exact) <= 1, "epoch \(e), instant \(i)")
                _ = clock.instant(ofPTS: pts)
            }
            #expect(clock.instant(ofPTS: .max).nanosecondsSinceEpoch == .max)
            #expect(clock.instant(ofPTS: .min).nanosecondsSinceEpoch == .min)
        }
        let t0min = PresentationClock(epoch: RealtimeInstant(nanosecondsSinceEpoch: .min))
        #expect(t0min.pts(of: RealtimeInstant(nanosecondsSinceEpoch: 1_800_000_000_000_000_000)) == 11_023_372_036_855)
    }

    @Test func decimalTextIsExactFixedPoint() {
        #expect(DecimalText.fixed(33_333_333, scaleDigits: 6, places: 3) == "33.333")
        #expect(DecimalText.fixed(66_666_667, scaleDigits: 6, places: 3) == "66.667")
        #expect(DecimalText.fixed(0, scaleDigits: 6, places: 3) == "0.000")
        #expect(DecimalText.fixed(-1_500_000, scaleDigits: 6, places: 3) == "-1.500")
        #expect(DecimalText.fixed(1_795_544_916_485_887_758, scaleDigits: 9, places: 9) == "1795544916.485887758")
    }
}
