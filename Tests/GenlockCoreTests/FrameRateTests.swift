import GenlockCore
import Testing

@Suite("FrameRate and TimeSpan parsing")
struct FrameRateTests {
    @Test(arguments: [
        ("30", 30, 1), ("120", 120, 1), ("30000/1001", 30000, 1001), ("29.97", 2997, 100),
        ("60/2", 30, 1), (" 25 ", 25, 1), ("0.5", 1, 2), ("2.5/1.25", 2, 1),
    ] as [(String, Int64, Int64)])
    func parsesExactRationals(text: String, numerator: Int64, denominator: Int64) throws {
        let rate = try FrameRate(parsing: text)
        #expect(rate.numerator == numerator)
        #expect(rate.denominator == denominator)
    }

    @Test(arguments: [
        ("0", "greater than zero"), ("-30", "must be positive"), ("abc", "not a number"), ("30/0", "denominator is zero"),
        ("", "not a number"), ("1/2/3", "expected N or N/D"), ("1000000", "faster than"),
        ("1/7200", "slower than one frame per hour"), ("1e3", "not a number"),
    ])
    func rejectsBadRates(text: String, reason: String) {
        #expect {
            try FrameRate(parsing: text)
        } throws: { error in
            let message = "\(error)"
            return message.contains("'\(text)'") && message.contains(reason)
        }
    }

    @Test func nominalPeriodRoundsDown() throws {
        #expect(try FrameRate(parsing: "30").nominalPeriod == .nanoseconds(33_333_333))
        #expect(try FrameRate(parsing: "30000/1001").nominalPeriod == .nanoseconds(33_366_666))
        #expect(try FrameRate(parsing: "120").nominalPeriod == .nanoseconds(8_333_333))
    }

    @Test(arguments: [
        ("2s", 2_000_000_000), ("1.5ms", 1_500_000), ("200us", 200_000), ("200µs", 200_000),
        ("37ns", 37), ("10m", 600_000_000_000), ("1h", 3_600_000_000_000), ("0.000000001s", 1), ("-5ms", -5_000_000),
    ] as [(String, Int64)])
    func parsesDurations(text: String, ns: Int64) throws {
        #expect(try TimeSpan(parsing: text) == .nanoseconds(ns))
    }

    @Test(arguments: ["2", "ms", "1.5ns", "abc s", "99999999999h", "1..2s"])
    func rejectsBadDurations(text: String) {
        #expect(throws: TimeSpanParseError.self) { try TimeSpan(parsing: text) }
    }

    @Test func formatsSpansForHumans() {
        #expect(TimeSpanFormat.text(37) == "37 ns")
        #expect(TimeSpanFormat.text(1_500) == "1.5 µs")
        #expect(TimeSpanFormat.text(-2_000_000) == "-2 ms")
        #expect(TimeSpanFormat.text(1_234_567_890) == "1.234 s")
    }
}
