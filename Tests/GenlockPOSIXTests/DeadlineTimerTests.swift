import GenlockCore
import GenlockHAL
import GenlockNode
import GenlockPOSIX
import Synchronization
import Testing
import Dispatch

/// Collects firings from the timer thread.
private final class Firings: Sendable {
    private let items = Mutex<[(tag: Int, firing: TimerFiring)]>([])
    private let signal = DispatchSemaphore(value: 0)

    func handler(_ tag: Int) -> @Sendable (TimerFiring) -> Void {
        { firing in
            self.items.withLock { $0.append((tag, firing)) }
            self.signal.signal()
        }
    }

    /// Waits for `count` firings, at most `seconds` (a bound, not a timing assertion).
    func wait(for count: Int, seconds: Int = 10) -> Bool {
        for _ in 0..<count where signal.wait(timeout: .now() + .seconds(seconds)) == .timedOut { return false }
        return true
    }
    var all: [(tag: Int, firing: TimerFiring)] { items.withLock { $0 } }
}

private let clock = PosixClockPair()

private func inMs(_ ms: Int64) -> MonotonicInstant { clock.monotonicNow() + .milliseconds(ms) }

private func usleepMs(_ ms: Int) {
    let s = DispatchSemaphore(value: 0)
    _ = s.wait(timeout: .now() + .milliseconds(ms))
}

@Suite("POSIX deadline timers", .serialized)
struct DeadlineTimerTests {
    @Test(arguments: DeadlineTimerKind.allCases)
    func firesAtOrAfterDeadlineAndReportsWakeError(kind: DeadlineTimerKind) throws {
        let timer = try kind.make()
        defer { timer.shutdown() }
        let firings = Firings()
        let deadline = inMs(20)
        try timer.arm(at: deadline, firings.handler(1))
        #expect(firings.wait(for: 1))
        let f = try #require(firings.all.first)
        #expect(f.firing.deadline == deadline)
        #expect(f.firing.wokeAt >= deadline)
        #expect(f.firing.wakeError >= .zero)
        #expect(f.firing.wakeError == f.firing.wokeAt - deadline)
    }

    @Test(arguments: DeadlineTimerKind.allCases)
    func firesSuccessiveDeadlinesInOrderWhenRearmedFromTheHandler(kind: DeadlineTimerKind) throws {
        let timer = try kind.make()
        defer { timer.shutdown() }
        let firings = Firings()
        let start = inMs(5)
        // Each handler arms the next deadline from the timer thread, as the capture driver does.
        @Sendable func arm(_ n: Int) {
            guard n < 20 else { return }
            let next = firings.handler(n)
            try? timer.arm(at: start + .milliseconds(Int64(n) * 2)) { firing in
                next(firing)
                arm(n + 1)
            }
        }
        arm(0)
        #expect(firings.wait(for: 20))
        let tags = firings.all.map(\.tag)
        #expect(tags == Array(0..<20))
        for item in firings.all { #expect(item.firing.wokeAt >= item.firing.deadline) }
    }

    @Test(arguments: DeadlineTimerKind.allCases)
    func pastDeadlineFiresAtOnce(kind: DeadlineTimerKind) throws {
        let timer = try kind.make()
        defer { timer.shutdown() }
        let firings = Firings()
        try timer.arm(at: clock.monotonicNow() - .seconds(1), firings.handler(1))
        #expect(firings.wait(for: 1))
    }

    @Test(arguments: DeadlineTimerKind.allCases)
    func cancelledDeadlineNeverFires(kind: DeadlineTimerKind) throws {
        let timer = try kind.make()
        defer { timer.shutdown() }
        let firings = Firings()
        try timer.arm(at: inMs(30), firings.handler(1))
        timer.cancel()
        // A later deadline proves the thread is alive and past the cancelled one.
        try timer.arm(at: inMs(60), firings.handler(2))
        #expect(firings.wait(for: 1))
        usleepMs(30)
        #expect(firings.all.map(\.tag) == [2])
    }

    @Test(arguments: DeadlineTimerKind.allCases)
    func rearmingToAnEarlierDeadlineInterruptsTheWait(kind: DeadlineTimerKind) throws {
        let timer = try kind.make()
        defer { timer.shutdown() }
        let firings = Firings()
        // First deadline far away: the thread is asleep on it when the earlier one replaces it.
        try timer.arm(at: inMs(60_000), firings.handler(1))
        usleepMs(20)
        let early = inMs(10)
        try timer.arm(at: early, firings.handler(2))
        #expect(firings.wait(for: 1))
        #expect(firings.all.map(\.tag) == [2])
        #expect(firings.all.first?.firing.deadline == early)
    }

    @Test(arguments: DeadlineTimerKind.allCases)
    func shutdownWithAFarDeadlineReturnsAndRefusesNewDeadlines(kind: DeadlineTimerKind) throws {
        let timer = try kind.make()
        let firings = Firings()
        try timer.arm(at: inMs(3_600_000), firings.handler(1))
        usleepMs(10)
        // Returns only after the thread is joined; it must not wait for the hour-away deadline.
        timer.shutdown()
        #expect(throws: DeadlineTimerError.shutDown) { try timer.arm(at: inMs(1), firings.handler(2)) }
        usleepMs(20)
        #expect(firings.all.isEmpty)
        timer.shutdown()  // idempotent
    }

    @Test(arguments: DeadlineTimerKind.allCases)
    func shutdownFromWithinTheHandlerDoesNotDeadlock(kind: DeadlineTimerKind) throws {
        let timer = try kind.make()
        let firings = Firings()
        let fired = firings.handler(1)
        try timer.arm(at: inMs(5)) { firing in
            timer.shutdown()
            fired(firing)
        }
        #expect(firings.wait(for: 1))
    }

    @Test(arguments: DeadlineTimerKind.allCases)
    func invalidCPUIsAClearError(kind: DeadlineTimerKind) {
        #expect {
            _ = try kind.make(options: TimerThreadOptions(cpu: 4000))
        } throws: { error in
            "\(error)".contains("CPU 4000") && "\(error)".contains("--cpu")
        }
    }

    @Test(arguments: DeadlineTimerKind.allCases)
    func invalidPriorityIsAClearError(kind: DeadlineTimerKind) {
        #expect {
            _ = try kind.make(options: TimerThreadOptions(fifoPriority: 150))
        } throws: { error in
            "\(error)".contains("SCHED_FIFO priority 150") && "\(error)".contains("--rt-priority")
        }
    }
}

@Suite("POSIX clock pair")
struct PosixClockPairTests {
    @Test func sampleIsConsistentWithTheClocks() {
        let before = clock.monotonicNow()
        let s = clock.sample()
        let after = clock.monotonicNow()
        #expect(s.monotonic >= before)
        #expect(s.monotonic <= after)
        #expect(s.uncertainty >= .zero)
        // The realtime reading is this machine's wall clock: well after 2020.
        #expect(s.realtime.nanosecondsSinceEpoch > 1_577_836_800_000_000_000)
        // Converting a realtime target and back is exact.
        let target = s.realtime + .milliseconds(250)
        #expect(s.realtime(at: s.monotonic(at: target)) == target)
    }
}

@Suite("CaptureDriver on POSIX", .serialized)
struct CaptureDriverPOSIXTests {
    @Test(arguments: DeadlineTimerKind.allCases)
    func capturesEveryIndexInOrderAtOrAfterTn(kind: DeadlineTimerKind) throws {
        let timer = try kind.make()
        defer { timer.shutdown() }
        let reports = Mutex<[CaptureRequest]>([])
        let done = DispatchSemaphore(value: 0)
        let summary = Mutex<CaptureSummary?>(nil)
        let driver = CaptureDriver(clock: clock, timer: AnyDeadlineTimer(timer)) { report in
            switch report {
            case .capture(let r): reports.withLock { $0.append(r) }
            case .finish(let s): summary.withLock { $0 = s }; done.signal()
            default: break
            }
        }
        let schedule = FrameSchedule(start: clock.sample().realtime + .milliseconds(20), rate: try FrameRate(parsing: "200"))
        driver.start(StartPlan(schedule: schedule, stopIndex: 25))
        #expect(done.wait(timeout: .now() + .seconds(20)) == .success)
        let got = reports.withLock { $0 }
        let s = try #require(summary.withLock { $0 })
        // On a loaded machine a frame may be skipped, but never renumbered: captured + skipped = 25.
        #expect(s.captured + s.skipped == 25)
        #expect(got.map(\.index) == got.map(\.index).sorted())
        #expect(Set(got.map(\.index)).count == got.count)
        for r in got {
            #expect(r.scheduled == (try schedule.deadline(of: r.index)))
            // Woken on the realtime clock at or after Tn (the sample taken on wake-up).
            #expect(r.wake.realtime >= r.scheduled)
            #expect(r.wakeError >= .zero)
        }
        #expect(s.lastIndex == 24 || s.skipped > 0)
    }
}

@Suite("The kernel's clock adjustment")
struct ClockAdjustmentTests {
    @Test func freqIsPartsPerMillionWithASixteenBitFraction() {
        #expect(ClockAdjustment(freq: 65_536, tickMicroseconds: 10_000, ticksPerSecond: 100).ppb == 1_000)
        #expect(ClockAdjustment(freq: -32_768, tickMicroseconds: 10_000, ticksPerSecond: 100).ppb == -500)
        // 500 ppm, the kernel's limit (MAXFREQ_SCALED).
        #expect(ClockAdjustment(freq: 500 << 16, tickMicroseconds: 10_000, ticksPerSecond: 100).ppb == 500_000)
    }

    @Test func aTickOffNominalIsItsFractionOfTheTick() {
        // One µs more per 10,000 µs tick at USER_HZ 100: the clocks run 100 ppm fast.
        #expect(ClockAdjustment(freq: 0, tickMicroseconds: 10_001, ticksPerSecond: 100).ppb == 100_000)
        #expect(ClockAdjustment(freq: 65_536, tickMicroseconds: 9_999, ticksPerSecond: 100).ppb == -99_000)
    }

    /// Read for real: adjtimex with no mode bits needs no privilege and changes nothing, so every
    /// read gives it, within what the kernel allows (freq ±500 ppm, tick ±10 %).
    @Test func theKernelsAdjustmentIsRead() throws {
        let ppb = try #require(clock.frequencyAdjustmentPpb())
        #expect(ppb.isFinite && abs(ppb) <= 100_500_000)
    }
}
