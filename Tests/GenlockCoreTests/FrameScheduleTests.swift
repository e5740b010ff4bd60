import BigInt
import GenlockCore
import PropertyBased
import Testing

/// The schedule against an independent arbitrary-precision reference:
/// Tn = T0 + floor(n · 10⁹ · den / num), computed with BigInt.
private func referenceDeadline(_ t0: Int64, _ rate: FrameRate, _ n: Int64) -> BigInt {
    BigInt(t0) + (BigInt(n) * BigInt(1_000_000_000) * BigInt(rate.denominator)) / BigInt(rate.numerator)
}

private let rates: [FrameRate] = [
    try! FrameRate(parsing: "30"), try! FrameRate(parsing: "30000/1001"), try! FrameRate(parsing: "120"),
    try! FrameRate(parsing: "24000/1001"), try! FrameRate(parsing: "29.97"), try! FrameRate(parsing: "7/3"),
    try! FrameRate(parsing: "9999"), try! FrameRate(parsing: "1/3600"),
]

@Suite("FrameSchedule")
struct FrameScheduleTests {
    @Test func exactAtOneBillionFramesOf30000Over1001() throws {
        let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 0), rate: try FrameRate(parsing: "30000/1001"))
        // 10^9 frames · 1001/30000 s = 33,366,666.666… s, floored to whole ns.
        #expect(try schedule.deadline(of: 1_000_000_000).nanosecondsSinceEpoch == 33_366_666_666_666_666)
    }

    @Test func deadlinesMatchArbitraryPrecisionReference() async {
        await propertyCheck(
            count: 2000, input: Gen.int(in: 0...(rates.count - 1)), Gen.int64(in: 0...1_000_000_000_000),
            Gen.int64(in: 0...4_000_000_000_000_000_000)
        ) { rateIndex, n, t0 in
            let rate = rates[rateIndex]
            let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: t0), rate: rate)
            let reference = referenceDeadline(t0, rate, n)
            if reference > BigInt(Int64.max) {
                #expect(throws: ScheduleError.overflow(index: n)) { try schedule.deadline(of: n) }
            } else {
                let deadline = try schedule.deadline(of: n)
                #expect(BigInt(deadline.nanosecondsSinceEpoch) == reference)
            }
        }
    }

    @Test func deadlinesStrictlyIncrease() async {
        await propertyCheck(
            count: 2000, input: Gen.int(in: 0...(rates.count - 1)), Gen.int64(in: 0...10_000_000_000)
        ) { rateIndex, n in
            let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 1_700_000_000_000_000_000), rate: rates[rateIndex])
            let a = try schedule.deadline(of: n)
            let b = try schedule.deadline(of: n + 1)
            #expect(a < b)
        }
    }

    @Test func indexAndTimeRoundTrip() async {
        await propertyCheck(
            count: 2000, input: Gen.int(in: 0...(rates.count - 1)), Gen.int64(in: 0...10_000_000_000),
            Gen.int64(in: -5_000_000_000...5_000_000_000)
        ) { rateIndex, n, jitter in
            let t0 = RealtimeInstant(nanosecondsSinceEpoch: 1_700_000_000_000_000_000)
            let schedule = FrameSchedule(start: t0, rate: rates[rateIndex])
            let tn = try schedule.deadline(of: n)
            // Index → time → index is the identity.
            #expect(try schedule.firstIndex(atOrAfter: tn) == n)
            #expect(try schedule.lastIndex(atOrBefore: tn) == n)
            // Any instant: the first index at or after it is due at or after it, and its predecessor before it.
            let t = tn + .nanoseconds(jitter)
            let first = try schedule.firstIndex(atOrAfter: t)
            #expect(try schedule.deadline(of: first) >= t)
            if first > 0 { #expect(try schedule.deadline(of: first - 1) < t) }
            if let last = try schedule.lastIndex(atOrBefore: t) {
                #expect(try schedule.deadline(of: last) <= t)
                #expect(try schedule.deadline(of: last + 1) > t)
            } else {
                #expect(t < t0)
            }
        }
    }

    @Test func lateStarterBeginsAtFirstIndexAheadByMargin() throws {
        let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 1_000_000_000), rate: try FrameRate(parsing: "30"))
        // At T0 + 100 ms with a 5 ms margin: T3 = 1.1 s exactly is 5 ms short of the margin, so T4.
        let now = RealtimeInstant(nanosecondsSinceEpoch: 1_100_000_000)
        #expect(try schedule.firstIndex(after: now, margin: .milliseconds(5)) == 4)
        #expect(try schedule.firstIndex(after: now, margin: .zero) == 3)
        // Before T0 the answer is frame 0.
        #expect(try schedule.firstIndex(after: RealtimeInstant(nanosecondsSinceEpoch: 0), margin: .zero) == 0)
    }

    @Test func stopIndexCoversDuration() throws {
        let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 0), rate: try FrameRate(parsing: "30"))
        #expect(try schedule.stopIndex(firstIndex: 0, duration: .seconds(3)) == 90)
        #expect(try schedule.stopIndex(firstIndex: 10, duration: .milliseconds(34)) == 12)
    }

    @Test func badIndicesAreErrorsNotTraps() throws {
        let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: Int64.max - 10), rate: try FrameRate(parsing: "30"))
        #expect(throws: ScheduleError.negativeIndex(-1)) { try schedule.deadline(of: -1) }
        #expect(throws: ScheduleError.overflow(index: 1)) { try schedule.deadline(of: 1) }
        #expect(throws: ScheduleError.overflow(index: Int64.max)) { try schedule.deadline(of: Int64.max) }
    }
}
