import GenlockCore
import Testing

/// A free-running sensor in true time with its own crystal error, frame lengths in whole lines
/// applied `controlDelayFrames` after they are programmed, and timestamp jitter; stamps are the
/// start of readout (Pi 5 semantics). Realtime is true time plus `realtimeOffsetNs` (a step moves it).
private struct ModelSensor {
    var timing: SensorTiming
    var crystalPpm: Double
    var exposureNs: Int64 = 5_000_000
    var jitterNs: Int64 = 2_000
    var startNs: Int64
    var sequence: Int64 = 0
    var programmed: [Int64: Int64] = [:]
    var currentLines: Int64
    var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
    var realtimeOffsetNs: Int64 = 0

    mutating func noise() -> Int64 {
        // xorshift64*: deterministic jitter in [-jitter, +jitter].
        rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27
        let r = rng &* 2_685_821_657_736_338_717
        return Int64(r % UInt64(2 * jitterNs + 1)) - jitterNs
    }

    /// Completes the current frame: returns its (sequence, true exposure start, mapped exposure start
    /// as the controller sees it through Pi 5 timestamp semantics), then advances.
    mutating func next() -> (sequence: Int64, trueStartNs: Int64, frame: PhaseLock.Frame) {
        let trueStart = startNs
        let stamp = MonotonicInstant(nanoseconds: trueStart + exposureNs + noise())
        let start = SensorTimestampMeaning.startOfReadout.exposureStart(timestamp: stamp, exposure: .nanoseconds(exposureNs))
        let frame = PhaseLock.Frame(sequence: sequence, exposureStart: RealtimeInstant(nanosecondsSinceEpoch: start.nanoseconds + realtimeOffsetNs))
        let seq = sequence
        if let lines = programmed.removeValue(forKey: sequence) { currentLines = lines }
        let lineNs = Double(timing.lineTimePs) / 1000 * (1 + crystalPpm * 1e-6)
        startNs += Int64((Double(currentLines) * lineNs).rounded())
        sequence += 1
        return (seq, trueStart, frame)
    }
}

/// An IMX708-like mode: ~18.9 µs lines at 30 fps, control delay 2 frames.
private let imx708 = SensorTiming(lineTimePs: 18_904_000, minFrameLengthLines: 1_100, maxFrameLengthLines: 65_535, controlDelayFrames: 2)
/// A global-shutter-like mode: ~7.4 µs lines, shorter minimum frame, control delay 1.
private let globalShutter = SensorTiming(lineTimePs: 7_400_000, minFrameLengthLines: 1_500, maxFrameLengthLines: 65_535, controlDelayFrames: 1)

@Suite("PhaseLock")
struct PhaseLockTests {
    private func run(
        sensor timing: SensorTiming, initialPhaseNs: Int64, crystalPpm: Double, frames: Int,
        stepAt: Int? = nil, stepNs: Int64 = 0
    ) throws -> (errors: [Int64], indices: [Int64?], states: [PhaseLock.State], lockedAt: Int?) {
        let rate = try FrameRate(parsing: "30")
        let t0 = RealtimeInstant(nanosecondsSinceEpoch: 1_000_000_000_000)
        let schedule = FrameSchedule(start: t0, rate: rate)
        var lock = PhaseLock(schedule: schedule, sensor: timing)
        var sensor = ModelSensor(
            timing: timing, crystalPpm: crystalPpm, startNs: t0.nanosecondsSinceEpoch + initialPhaseNs,
            currentLines: lock.freeRunningLines)
        var errors: [Int64] = []
        var indices: [Int64?] = []
        var states: [PhaseLock.State] = []
        var lockedAt: Int?
        for i in 0..<frames {
            if i == stepAt { sensor.realtimeOffsetNs += stepNs }
            let (_, trueStart, frame) = sensor.next()
            let decision = try lock.update(frame)
            sensor.programmed[decision.applySequence] = decision.frameLengthLines
            if let index = decision.index {
                // Error of the TRUE exposure start against Tn of the index it was given.
                errors.append(trueStart + sensor.realtimeOffsetNs - (try schedule.deadline(of: index)).nanosecondsSinceEpoch)
            }
            indices.append(decision.index)
            states.append(decision.state)
            if lockedAt == nil, decision.state == .locked { lockedAt = i }
        }
        return (errors, indices, states, lockedAt)
    }

    /// The worst initial phase is half a frame (16.7 ms at 30 fps). The controller removes the whole
    /// predicted error at the first frame the control delay lets it touch, limited by how far one frame
    /// can shrink (IMX708-like: 1,100 lines = 20.8 ms, so 12.5 ms per frame; lengthening is unlimited):
    /// two corrected frames, after a delay of 1–2 frames, then `framesToLock` (5) on-target frames.
    /// That is ≤ 10 frames; 30 (one second at 30 fps) leaves room for the frequency estimate to settle.
    @Test(arguments: [(imx708, "imx708"), (globalShutter, "global-shutter")] as [(SensorTiming, String)])
    func convergesFromTheWorstInitialPhaseAndStaysWellUnderOneLine(timing: SensorTiming, name: String) throws {
        for phase in [16_666_666, -16_666_000, 9_000_000, 1_000] as [Int64] {
            let result = try run(sensor: timing, initialPhaseNs: phase, crystalPpm: 40, frames: 600)
            let lockedAt = try #require(result.lockedAt, "\(name) phase \(phase): never locked")
            #expect(lockedAt < 30, "\(name) phase \(phase): locked at frame \(lockedAt)")
            let settled = result.errors.suffix(500).map { abs($0) }.sorted()
            let p99 = settled[settled.count * 99 / 100]
            let lineNs = timing.lineTimePs / 1000
            // Residual bound: half a line of rounding plus the timestamp jitter fed back (±2 µs) and the
            // jitter of the frame itself (±2 µs).
            #expect(p99 <= lineNs / 2 + 4_000, "\(name) phase \(phase): p99 \(p99) ns vs line \(lineNs) ns")
            #expect(result.states.suffix(500).allSatisfy { $0 == .locked })
        }
    }

    @Test func choosesTheShorterWayRoundAndNeverRenumbers() throws {
        // Exposure 10 ms after Tn: the nearest index is the same frame, corrected by shortening.
        let early = try run(sensor: imx708, initialPhaseNs: 10_000_000, crystalPpm: 0, frames: 60)
        #expect(early.indices.first == 0)
        // Exposure 23 ms after Tn (= 10.3 ms before T(n+1)): numbered n+1, corrected by lengthening.
        let late = try run(sensor: imx708, initialPhaseNs: 23_000_000, crystalPpm: 0, frames: 60)
        #expect(late.indices.first == 1)
        for r in [early, late] {
            let given = r.indices.compactMap { $0 }
            #expect(given == given.sorted())
            #expect(Set(given).count == given.count)
            // Every frame was given an index: no gaps, no duplicates while converging.
            #expect(given.count == 60)
            #expect(given.last! - given.first! == 59)
        }
    }

    /// True exposure-start errors against Tn of 2,000 settled frames (after 400) with ±2 µs stamp jitter.
    private func settledErrors(_ configuration: PhaseLock.Configuration, timing: SensorTiming) throws -> [Int64] {
        let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 1_000_000_000_000), rate: try FrameRate(parsing: "30"))
        var lock = PhaseLock(schedule: schedule, sensor: timing, configuration: configuration)
        var sensor = ModelSensor(timing: timing, crystalPpm: -25, startNs: 1_000_000_000_000 + 3_000_000, currentLines: lock.freeRunningLines)
        var errors: [Int64] = []
        for i in 0..<2_400 {
            let (_, trueStart, frame) = sensor.next()
            let d = try lock.update(frame)
            sensor.programmed[d.applySequence] = d.frameLengthLines
            if i >= 400, let index = d.index { errors.append(trueStart - (try schedule.deadline(of: index)).nanosecondsSinceEpoch) }
        }
        return errors
    }

    @Test("the phase estimate keeps the stamp's jitter out of the frame starts: the true error is the line grid's, not the grid's plus the jitter")
    func phaseFilterKeepsJitterOut() throws {
        let tenMicrosecondLines = SensorTiming(lineTimePs: 10_000_000, minFrameLengthLines: 100, maxFrameLengthLines: 1_000_000, controlDelayFrames: 2)
        for timing in [tenMicrosecondLines, imx708] {
            let filtered = try settledErrors(.init(), timing: timing)
            var unfiltered = PhaseLock.TrackerSettings.learning
            unfiltered.phase = 1.0
            let raw = try settledErrors(.init(trackerWithoutClockAdjustment: unfiltered), timing: timing)
            func rms(_ e: [Int64]) -> Double { (e.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(e.count)).squareRoot() }
            #expect(rms(filtered) < rms(raw), "rms \(rms(filtered)) ns filtered vs \(rms(raw)) ns as measured")
            // Each start sits on the nearest line of its grid (within half a line) up to a little
            // residual jitter; unfiltered, the fed-back jitter (±2 µs) pushes starts past it.
            let lineNs = timing.lineTimePs / 1000
            let bound = lineNs / 2 + 1_000
            let outside = filtered.filter { abs($0) > bound }.count
            #expect(outside * 100 <= filtered.count, "\(outside) of \(filtered.count) starts more than \(bound) ns from Tn")
            let mean = Double(filtered.reduce(0, +)) / Double(filtered.count)
            #expect(abs(mean) < Double(lineNs) / 10, "mean error \(mean) ns: the dithering is centred on Tn")
        }
    }

    @Test func tracksTheCrystalFrequencyError() throws {
        let rate = try FrameRate(parsing: "30")
        let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 0), rate: rate)
        var lock = PhaseLock(schedule: schedule, sensor: imx708)
        var sensor = ModelSensor(timing: imx708, crystalPpm: 80, startNs: 0, currentLines: lock.freeRunningLines)
        sensor.jitterNs = 500
        var last: PhaseLock.Decision?
        for _ in 0..<400 {
            let (_, _, frame) = sensor.next()
            let d = try lock.update(frame)
            sensor.programmed[d.applySequence] = d.frameLengthLines
            last = d
        }
        let ppm = try #require(last?.frequencyErrorPpm)
        #expect(abs(ppm - 80) < 15, "estimated \(ppm) ppm for an 80 ppm crystal")
    }

    @Test func losesLockOnAStepAndRelocksWithoutRenumbering() throws {
        // A 3 ms realtime step at frame 200: lost, then locked again; indices stay nearest-Tn.
        let r = try run(sensor: imx708, initialPhaseNs: 5_000_000, crystalPpm: -30, frames: 400, stepAt: 200, stepNs: 3_000_000)
        #expect(r.states[199] == .locked)
        #expect(r.states[200] == .lost)
        let relock = try #require(r.states[201...].firstIndex(of: .locked))
        #expect(relock - 200 < 30)
        #expect(r.states.last == .locked)
        let given = r.indices.compactMap { $0 }
        #expect(given == given.sorted())
        #expect(Set(given).count == given.count)
    }

    @Test func backwardStepOfMoreThanHalfAFrameDropsTheDuplicateInsteadOfRenumbering() throws {
        let r = try run(sensor: imx708, initialPhaseNs: 0, crystalPpm: 0, frames: 120, stepAt: 60, stepNs: -25_000_000)
        // Frame 60 now lies nearest T59, which was already given out: dropped, not renumbered.
        #expect(r.indices[59] == 59)
        #expect(r.indices[60] == nil)
        let given = r.indices.compactMap { $0 }
        #expect(given == given.sorted())
        #expect(Set(given).count == given.count)
        #expect(r.states.last == .locked)
    }

    @Test func frameLengthsStayWithinTheSensorLimits() throws {
        let tight = SensorTiming(lineTimePs: 18_904_000, minFrameLengthLines: 1_700, maxFrameLengthLines: 1_800, controlDelayFrames: 2)
        let rate = try FrameRate(parsing: "30")
        var lock = PhaseLock(schedule: FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 0), rate: rate), sensor: tight)
        var sensor = ModelSensor(timing: tight, crystalPpm: 0, startNs: 12_000_000, currentLines: lock.freeRunningLines)
        for _ in 0..<300 {
            let (_, _, frame) = sensor.next()
            let d = try lock.update(frame)
            #expect((1_700...1_800).contains(d.frameLengthLines))
            sensor.programmed[d.applySequence] = d.frameLengthLines
        }
    }

    @Test func framesBeforeTheFirstIndexAreSteeredButNotNumbered() throws {
        // The sensor streams from 400 ms before T0 (START's lead): the pre-roll locks the phase, frame 0
        // is the first one numbered, and it is already on target.
        let rate = try FrameRate(parsing: "30")
        let t0 = RealtimeInstant(nanosecondsSinceEpoch: 1_000_000_000_000)
        let schedule = FrameSchedule(start: t0, rate: rate)
        for first in [0, 7] as [Int64] {
            var lock = PhaseLock(schedule: schedule, sensor: imx708, firstIndex: first)
            var sensor = ModelSensor(
                timing: imx708, crystalPpm: 25, startNs: t0.nanosecondsSinceEpoch - 400_000_000 + 11_000_000,
                currentLines: lock.freeRunningLines)
            var given: [Int64] = []
            var firstError: Int64?
            for _ in 0..<60 {
                let (_, trueStart, frame) = sensor.next()
                let d = try lock.update(frame)
                sensor.programmed[d.applySequence] = d.frameLengthLines
                guard let index = d.index else {
                    #expect(given.isEmpty, "an unnumbered frame after numbering began")
                    continue
                }
                if firstError == nil { firstError = trueStart - (try schedule.deadline(of: index)).nanosecondsSinceEpoch }
                given.append(index)
            }
            #expect(given.first == first)
            #expect(given == Array(first..<(first + Int64(given.count))))
            let error = try #require(firstError)
            #expect(abs(error) <= imx708.lineTimePs / 2000 + 4_000, "first numbered frame \(error) ns off Tn")
            #expect(lock.state == .locked)
        }
    }

    @Test func statusReportsStatePhaseErrorAndFrequency() throws {
        let rate = try FrameRate(parsing: "30")
        var lock = PhaseLock(schedule: FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 0), rate: rate), sensor: imx708)
        #expect(lock.status.phaseError == nil)
        #expect(lock.status.description == "phase lock acquiring, phase error n/a, sensor +0.0 ppm")
        let d = try lock.update(.init(sequence: 0, exposureStart: RealtimeInstant(nanosecondsSinceEpoch: 1_500)))
        #expect(lock.status.phaseError == .nanoseconds(1_500))
        #expect(lock.status.state == d.state)
        #expect(lock.status.description.hasPrefix("phase lock acquiring, phase error +1.5"))
    }
}
