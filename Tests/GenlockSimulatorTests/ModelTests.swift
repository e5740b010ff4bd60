import GenlockCore
import Testing
@testable import GenlockSimulator

@Suite("Models")
struct ModelTests {
    @Test("a realtime step leaves monotonic untouched; a frequency adjustment moves both")
    func nodeClock() {
        var c = NodeClock(trueNs: 0, monotonicNs: 1_000, realtimeNs: 5_000_000, oscillatorPpt: 0)
        c.stepRealtime(by: -300)
        #expect(c.monotonic(atTrue: 10).nanoseconds == 1_010)
        #expect(c.realtime(atTrue: 10).nanosecondsSinceEpoch == 4_999_710)
        c.setAdjustment(ppt: 100 * NodeClock.pptPerPpm, atTrue: 10)  // +100 ppm
        let m = c.monotonic(atTrue: 1_000_000_010).nanoseconds
        #expect(m == 1_010 + 1_000_000_000 + 100_000)
        #expect(c.realtime(atTrue: 1_000_000_010).nanosecondsSinceEpoch - m == 4_998_700)
    }

    @Test("the true time a deadline is reached inverts the clock exactly", arguments: [Int64(0), 37_123_456, -499_999_999])
    func inverse(ratePpt: Int64) {
        let c = NodeClock(trueNs: 0, monotonicNs: 777, realtimeNs: 1_000, oscillatorPpt: ratePpt)
        for target in [Int64(778), 1_000_000_777, 86_400_000_000_777] {
            let t = c.trueTime(whenMonotonicReaches: MonotonicInstant(nanoseconds: target), notBefore: 0)
            #expect(c.monotonic(atTrue: t).nanoseconds >= target)
            #expect(c.monotonic(atTrue: t - 1).nanoseconds < target)
        }
    }

    private let mode = SensorTiming(lineTimePs: 10_000_000, minFrameLengthLines: 100, maxFrameLengthLines: 2_000, controlDelayFrames: 2)

    @Test("a frame-length change takes effect control-delay frames after the frame in progress, as PhaseLock assumes")
    func sensorControlDelay() throws {
        var s = SimSensor(timing: mode, crystalPpt: 0, frameLengthLines: 400, firstStartTrueNs: 0)
        _ = s.advance()  // frame 0 starts and is in progress
        #expect(s.firstChangeableFrame == 2)
        try s.setFrameLength(lines: 500, forFrame: s.firstChangeableFrame)
        var lengths: [Int64] = []
        for _ in 0..<4 { lengths.append(s.advance().lines) }
        // Frames 1, 2, 3, 4: frame 0 + 2 is the first of 500 lines.
        #expect(lengths == [400, 500, 500, 500])
        #expect(throws: SensorControlError.self) { try s.setFrameLength(lines: 50, forFrame: 9) }
        // PhaseLock's explicit applySequence; a frame already started cannot change.
        try s.setFrameLength(lines: 600, forFrame: 7)
        #expect(throws: SensorControlError.self) { try s.setFrameLength(lines: 600, forFrame: 4) }
        #expect((0..<3).map { _ in s.advance().lines } == [500, 500, 600])
    }

    @Test("a request is taken by the first sensor frame starting at or after it")
    func sensorRequest() {
        var s = SimSensor(timing: mode, crystalPpt: 0, frameLengthLines: 400, firstStartTrueNs: 1_000)
        let f = s.firstFrame(startingAtOrAfter: 10_000_000)
        #expect(f.startTrueNs == 1_000 + 3 * 4_000_000)
        #expect(f.frame == 3)
        let g = s.firstFrame(startingAtOrAfter: 10_000_000)
        #expect(g.frame == 4)  // one request per frame
    }

    @Test("a fast crystal makes frames shorter in true time")
    func sensorCrystal() {
        let s = SimSensor(timing: mode, crystalPpt: 100 * NodeClock.pptPerPpm, frameLengthLines: 400, firstStartTrueNs: 0)
        #expect(s.durationTrueNs(lines: 400) == 3_999_600)  // 4 ms / (1 + 100 ppm), rounded down
    }

    @Test("the PI servo steps once on a large first offset, then slews within the clamp")
    func servo() {
        let g = PIServo.Configuration.linuxptpGains(syncIntervalSeconds: 0.125, kpScale: 0.7, kiScale: 0.3)
        #expect(abs(g.kp - 1.306) < 0.001 && abs(g.ki - 0.1306) < 0.001)
        var s = PIServo(configuration: .init(kp: g.kp, ki: g.ki))
        #expect(s.sample(offsetNs: 1_000_000, localNs: 0).state == .unlocked)
        #expect(s.sample(offsetNs: 1_000_000, localNs: 125_000_000).state == .jump)
        // Locked now; with step_threshold 0 a big offset is slewed, clamped at 500 ppm.
        let (ppb, state) = s.sample(offsetNs: 10_000_000, localNs: 250_000_000)
        #expect(state == .locked)
        #expect(ppb == 500_000)
    }

    @Test("events at the same instant run in the order they were scheduled")
    func eventOrder() {
        var q = EventQueue()
        q.schedule(.restart(node: 1), at: 10)
        q.schedule(.restart(node: 2), at: 5)
        q.schedule(.restart(node: 3), at: 10)
        q.schedule(.restart(node: 4), at: 5)
        var order: [SimEventKind] = []
        while let e = q.next(notAfter: 100) { order.append(e.kind) }
        #expect(order == [.restart(node: 2), .restart(node: 4), .restart(node: 1), .restart(node: 3)])
        #expect(q.pendingCount == 0)
    }

    @Test("histogram quantiles never understate and stay within 1/256")
    func histogram() {
        var h = LogHistogram()
        for v in 1...10_000 { h.add(Int64(v) * 1_000) }
        let p99 = h.quantile(99, 100)!
        #expect(p99 >= 9_900_000 && p99 <= 9_900_000 + 9_900_000 / 256)
        #expect(h.summary!.max == 10_000_000)
        // Exact below 512; at 12 µs a bucket is 32 ns wide, so 11,980 ns is not reported as 12,031.
        var small = LogHistogram()
        for v in [511, 11_980] { small.add(Int64(v)) }
        #expect(small.quantile(1, 2) == 511)
        let upper = small.quantile(1, 1)!
        #expect(upper == 11_980)  // clamped to the exact maximum
        var one = LogHistogram()
        for _ in 0..<3 { one.add(11_980) }
        one.add(20_000)
        let p50 = one.quantile(1, 2)!
        #expect(p50 >= 11_980 && p50 < 12_000)
        // The buckets grow with the values: the largest after small ones, then small ones again.
        var wide = LogHistogram()
        #expect(wide.summary == nil)
        for v: Int64 in [3, .max, 700, 0] { wide.add(v) }
        #expect(wide.quantile(1, 4) == 0)
        #expect(wide.quantile(2, 4) == 3)
        let third = wide.quantile(3, 4)!
        #expect(third >= 700 && third <= 700 + 700 / 256)
        #expect(wide.quantile(1, 1) == .max)
        // A full bucket goes on counting beside its 32 bits: nothing is lost or moved.
        var spilling = LogHistogram(bucketLimit: 2)
        for v: Int64 in [100, 100, 100, 100, 100, 700, 5] { spilling.add(v) }
        #expect(spilling.count == 7)
        #expect(spilling.quantile(1, 7) == 5)
        #expect(spilling.quantile(6, 7) == 100)
        let top = spilling.quantile(1, 1)!
        #expect(top == 700)
    }

    @Test("the network loses everything inside a partition and nothing outside")
    func network() {
        var n = SimNetwork(delayMinNs: 100, delayMeanNs: 50, lossPpm: 0, random: SimRandom(seed: 1))
        n.partition(nodes: [1], fromNs: 1_000, untilNs: 2_000)
        #expect(n.transit(from: .coordinator, to: .node(1), atNs: 1_500) == nil)
        #expect(n.transit(from: .node(1), to: .coordinator, atNs: 1_999) == nil)
        #expect(n.transit(from: .coordinator, to: .node(0), atNs: 1_500) != nil)
        let arrival = n.transit(from: .coordinator, to: .node(1), atNs: 2_000)
        #expect(arrival != nil && arrival! >= 2_100)
    }
}
