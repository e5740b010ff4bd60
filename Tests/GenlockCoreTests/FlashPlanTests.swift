import GenlockCore
import Testing

@Suite struct FlashPlanTests {
    let t0 = RealtimeInstant(nanosecondsSinceEpoch: 1_800_000_000_000_000_000)

    @Test func flashInstantsFollowPeriodAndSweep() throws {
        let plan = try FlashPlan(firstFlash: t0, width: .microseconds(200), period: .seconds(1), count: 10,
                                 sweepStep: .microseconds(500), sweepSteps: 4)
        #expect(plan.onInstant(0) == t0)
        #expect(plan.onInstant(1) == t0 + .seconds(1) + .microseconds(500))
        #expect(plan.onInstant(3) == t0 + .seconds(3) + .microseconds(1_500))
        #expect(plan.onInstant(4) == t0 + .seconds(4))  // the sweep starts over
        #expect(plan.offInstant(2) - plan.onInstant(2) == .microseconds(200))
    }

    @Test func badPlansAreRefusedWithTheReason() {
        #expect(throws: FlashPlanError.self) { try FlashPlan(firstFlash: t0, width: .zero, period: .seconds(1), count: 1) }
        #expect(throws: FlashPlanError.self) { try FlashPlan(firstFlash: t0, width: .seconds(1), period: .seconds(1), count: 1) }
        #expect(throws: FlashPlanError.self) { try FlashPlan(firstFlash: t0, width: .microseconds(1), period: .seconds(1), count: 0) }
        #expect(throws: FlashPlanError.self) {
            try FlashPlan(firstFlash: t0, width: .milliseconds(1), period: .milliseconds(10), count: 3, sweepStep: .milliseconds(3), sweepSteps: 4)
        }
        #expect(throws: FlashPlanError.self) {
            try FlashPlan(firstFlash: RealtimeInstant(nanosecondsSinceEpoch: .max - 10), width: .nanoseconds(1), period: .seconds(1), count: 2)
        }
        do {
            _ = try FlashPlan(firstFlash: t0, width: .seconds(2), period: .seconds(1), count: 1)
            Issue.record("accepted a flash wider than its period")
        } catch {
            #expect(error.description.contains("shorter than the period"))
        }
    }
}
