/// The phase-lock controller: a pure function of each completed frame, in the manner of
/// linuxptp's PI servo (sample in; adjustment and state out; applying it is the adapter's job).
///
/// Each completed sensor frame gives the realtime instant its row 0 began to expose. The frame is
/// numbered by the nearest `Tn` (so frame `n` always means `Tn`; the phase error is wrapped into
/// (−P/2, P/2], the shorter way round), and the controller picks the length, in whole sensor
/// lines, of the first frame it can still influence (`controlDelayFrames` ahead). It predicts the
/// phase at that frame from the lengths already in flight (so the control delay does not make
/// the loop ring), removes that predicted error, and tracks the sensor crystal's frequency
/// error with an integrator, so the residual stays well under one line time. The realtime clock's
/// own frequency, which the PTP servo changes at every sync, is read with each frame where the
/// node can (``Frame/clockAdjustmentPpb``) and fed forward rather than learnt. Quantisation to whole
/// lines is dithered by the feedback itself: each frame's rounding error is measured and
/// corrected by the next.
///
/// Raspberry Pi's own software sync corrects phase only, every 30 frames, with a 50 µs dead band
/// and no frequency term; here every frame is corrected, there is no dead band, and frequency is tracked.
public struct PhaseLock: Sendable {
    public let schedule: FrameSchedule
    public let sensor: SensorTiming
    public let configuration: Configuration
    /// The first index frames may be given (the session's first index, or a late joiner's):
    /// frames nearest an earlier `Tn` are the pre-roll, steered but not numbered.
    public let firstIndex: Int64
    public private(set) var state: State = .acquiring
    /// The last index handed out.
    public private(set) var lastIndex: Int64?
    /// Exposure start minus the nearest `Tn` of the last frame (nil before the first frame).
    public private(set) var phaseError: TimeSpan?
    /// The last interval between consecutive sensor frames (nil until two consecutive frames came).
    public private(set) var lastInterval: Interval?
    /// Consecutive frames within the lock threshold (while acquiring or lost).
    private var onTarget = 0
    /// Consecutive intervals off (or, while unpaced, on) their programmed length.
    private var pacingRun = 0
    /// Estimated (line time as the realtime clock measures it / nominal line time) − 1, less the
    /// kernel's frequency adjustment of that clock: the sensor crystal's error against the node's
    /// oscillator, which is constant but for the crystals' slow wander. The clock's adjustment,
    /// which the PTP servo changes at every sync, is added from each frame's reading
    /// (``Frame/clockAdjustmentPpb``) rather than learnt.
    private var frequencyError: Double = 0
    /// The kernel's frequency adjustment of the realtime clock (a fraction) when the last frame
    /// arrived, and when the one before it did (zero when not known).
    private var clockAdjustment: Double = 0
    private var previousClockAdjustment: Double = 0
    /// How the servo's changes to the adjustment follow one another, to expect the next.
    private var cadence = AdjustmentCadence()
    /// Frame intervals averaged into the frequency estimate since the controller started: the
    /// first ones are averaged evenly (weight 1/n, at most 1/10) until that is less than
    /// ``Configuration/frequencyGain``, so a sensor whose crystal is 30 ppm off is learnt in about
    /// 10 frames rather than 1/gain of them (at 30 fps the first second after the lock was the
    /// worst of the run). At most 1/10: the first intervals carry the largest corrections and two
    /// stamps' jitter each (±2 µs on a 33 ms frame is up to 120 ppm); at ¼ an IMX708 starting half
    /// a frame off took 13 frames to lock instead of the 10 its control delay justifies.
    private var intervalsAveraged = 0
    /// Frames the tracker has corrected since the controller started (its gains' warm-up).
    private var trackedFrames = 0
    /// Running mean of the tracker's innovations (ns), and whether it says the clock is moving
    /// under the sensor (see ``TrackerSettings/reconvergingThreshold``).
    private var innovationMean: Double = 0
    /// Running mean of the squared innovations (ns²): the measurement's noise plus the estimate's,
    /// which sets how much a frame whose interval saw the clock's adjustment change should weigh.
    private var innovationVariance: Double = 0
    private var reconverging = false
    /// The estimated phase (exposure start minus its nearest `Tn`, ns) of the last frame.
    private var phaseEstimate: Double?
    // Frame lengths programmed per sequence number for the frames in flight: a ring of
    // `controlDelayFrames + 1` slots (sequence mod count), allocated once so that `update` never
    // allocates. A slot whose tag is not the sequence asked for was never programmed.
    private var ringSequences: [Int64]
    private var ringLines: [Int64]
    private var previous: Frame?
    private let nominalLines: Int64
    private let periodNs: Double

    /// A controller for `schedule`, steering a sensor in mode `sensor`; frames nearest a `Tn`
    /// before `firstIndex` are steered but not numbered.
    public init(schedule: FrameSchedule, sensor: SensorTiming, firstIndex: Int64 = 0, configuration: Configuration = .init()) {
        self.schedule = schedule
        self.sensor = sensor
        self.configuration = configuration
        self.firstIndex = max(firstIndex, 0)
        self.periodNs = Double(schedule.rate.denominator) * 1e9 / Double(schedule.rate.numerator)
        self.nominalLines = sensor.nominalLines(for: schedule.rate.nominalPeriod)
        ringSequences = Array(repeating: -1, count: sensor.controlDelayFrames + 1)
        ringLines = Array(repeating: 0, count: sensor.controlDelayFrames + 1)
    }

    /// The frame length assumed for a sequence whose length was never programmed (the sensor's
    /// free-running length at the schedule's rate).
    public var freeRunningLines: Int64 { nominalLines }

    /// Estimated sensor frequency error in parts per million (positive: sensor lines are long),
    /// against the realtime clock as the kernel adjusts it now.
    public var frequencyErrorPpm: Double { (frequencyError + clockAdjustment) * 1e6 }

    /// How much shorter than the period the mode's shortest frame is (zero when it is not shorter):
    /// under one line time, the sensor can barely pull a late phase in, and the controller
    /// lengthens onto the next `Tn` instead (see ``Configuration/maximumShorteningFrames``).
    public var shorteningHeadroom: TimeSpan { sensor.shorteningHeadroom(at: schedule.rate) }

    /// What a node reports about its phase lock (STATUS, logs).
    public var status: Status { Status(state: state, phaseError: phaseError, frequencyErrorPpm: frequencyErrorPpm) }

    /// Feeds one completed frame; returns its index and the next frame length to program.
    public mutating func update(_ frame: Frame) throws(ScheduleError) -> Decision {
        let (nearest, error) = try nearestIndex(to: frame.exposureStart)
        var index: Int64? = nearest
        if nearest < firstIndex { index = nil }
        if let last = lastIndex, nearest <= last { index = nil }
        if let index { lastIndex = index }
        phaseError = error
        previousClockAdjustment = clockAdjustment
        clockAdjustment = (frame.clockAdjustmentPpb ?? 0) * 1e-9
        if frame.clockAdjustmentPpb != nil, let previous, frame.sequence == previous.sequence + 1 {
            let intervalNs = Double((frame.exposureStart - previous.exposureStart).nanoseconds)
            cadence.observe(change: clockAdjustment - previousClockAdjustment, atNs: Double(frame.exposureStart.nanosecondsSinceEpoch), frameNs: intervalNs)
        }

        let (estimate, tracked) = estimatePhase(frame, measured: error)
        updateFrequency(frame, fromInterval: !tracked)
        updateState(error)
        guard state != .unpaced else {
            // Steering a camera that ignores frame lengths only adds noise to what it is asked.
            previous = frame
            return Decision(
                index: index, phaseError: error, applySequence: frame.sequence + Int64(sensor.controlDelayFrames),
                frameLengthLines: nominalLines, state: state, frequencyErrorPpm: frequencyErrorPpm)
        }

        // Predict the phase error at the first frame we can still change, from the lengths already
        // in flight, and correct a fraction of it with that frame's length.
        let delay = Int64(sensor.controlDelayFrames)
        // The clock's adjustment now holds for the frames in flight, but for the servo's next
        // change, whose expected part (``AdjustmentCadence``) moves the frames after it.
        let lineNs = Double(sensor.lineTimePs) / 1000 * (1 + frequencyError + clockAdjustment)
        let next = configuration.predictsClockAdjustment ? cadence.expectedNext() : nil
        var predicted = estimate
        var startNs = Double(frame.exposureStart.nanosecondsSinceEpoch)
        for s in frame.sequence..<(frame.sequence + delay) {
            let lengthNs = Double(programmedLines(s)) * lineNs
            predicted += lengthNs - periodNs
            if let next { predicted += next.change * max(0, startNs + lengthNs - max(startNs, next.atNs)) }
            startNs += lengthNs
        }
        predicted = wrap(predicted)
        // (A mode whose shortest frame is not shorter than the period cannot keep the rate either
        // way: nothing to choose.)
        let reachNs = periodNs - Double(sensor.minFrameLengthLines) * lineNs
        if reachNs > 0, predicted > Double(configuration.maximumShorteningFrames) * reachNs {
            predicted -= periodNs  // shortening is out of reach: lengthen onto the next Tn
        }
        let wantedNs = periodNs - configuration.phaseGain * predicted
        var lines = Int64((wantedNs / lineNs).rounded())
        lines = min(max(lines, sensor.minFrameLengthLines), sensor.maxFrameLengthLines)
        let applySequence = frame.sequence + delay
        let slot = Int(applySequence % Int64(ringLines.count))
        ringSequences[slot] = applySequence
        ringLines[slot] = lines
        previous = frame
        return Decision(
            index: index, phaseError: error, applySequence: applySequence, frameLengthLines: lines,
            state: state, frequencyErrorPpm: frequencyErrorPpm)
    }

    /// The phase estimate for `frame`: the last estimate carried forward by the length programmed
    /// for the previous frame (at the line time the sensor's frequency and the clock's adjustment
    /// give), plus a fraction (``TrackerSettings/phase``, larger while warming up) of its difference
    /// from the measurement (the innovation), which also corrects the frequency estimate
    /// (``TrackerSettings/frequency``); the measurement itself when there is no estimate to
    /// carry (a gap in the sequence, the first frame, acquiring) or it is off by more than the reset
    /// threshold. `tracked` is true when the innovation corrected the frequency.
    private mutating func estimatePhase(_ frame: Frame, measured error: TimeSpan) -> (estimate: Double, tracked: Bool) {
        let measured = Double(error.nanoseconds)
        var estimate = measured
        var tracked = false
        // Only once locked: while acquiring, the frequency estimate is still learning and the prior
        // lags it, which would slow the lock for nothing (the jitter matters on the lock's scale only).
        if state == .locked, let last = phaseEstimate, let previous, frame.sequence == previous.sequence + 1 {
            // The servo may have changed the adjustment at any point of the interval: the mean of
            // its two readings is the best guess of what the interval ran at.
            let adjustment = (previousClockAdjustment + clockAdjustment) / 2
            let lineNs = Double(sensor.lineTimePs) / 1000 * (1 + frequencyError + adjustment)
            let lengthNs = Double(programmedLines(previous.sequence)) * lineNs
            let prior = last + lengthNs - periodNs
            // Relative to this frame's nearest Tn, whichever index the last estimate was against.
            let innovation = wrap(measured - prior)
            innovationMean += 0.25 * (innovation - innovationMean)
            // The tracker's settings: whether this frame's clock adjustment is known.
            let tracker = frame.clockAdjustmentPpb == nil ? configuration.trackerWithoutClockAdjustment : configuration.tracker
            let limit = Double(tracker.reconvergingThreshold.nanoseconds)
            reconverging = reconverging ? abs(innovationMean) > limit / 2 : abs(innovationMean) > limit
            if !reconverging, abs(innovation) <= Double(configuration.phaseFilterResetThreshold.nanoseconds) {
                trackedFrames += 1
                let (steadyGain, frequencyGain) = trackerGains(tracker)
                let phaseGain = gain(steadyGain, innovation: innovation, adjustmentChangeNs: abs(clockAdjustment - previousClockAdjustment) * lengthNs)
                estimate = measured - (1 - phaseGain) * innovation
                frequencyError += frequencyGain * innovation / lengthNs
                tracked = true
            }
        } else {
            innovationMean = 0
            reconverging = false
        }
        phaseEstimate = estimate
        return (estimate, tracked)
    }

    /// The phase gain for a frame whose interval saw the clock's adjustment change by
    /// `adjustmentChangeNs` worth of phase over the interval. The servo changed it at some instant
    /// between the two readings whose mean the prior took, so the prior's phase is uncertain by
    /// that change over √12, as a Kalman filter's process noise q, and the measurement weighs more:
    /// with the estimate's variance α·S (S: the innovations' mean square, learnt on frames without
    /// a change) the gain is (α·S + q) / (S + q). A failover's 500 ppm jump is taken almost whole;
    /// the few ppm of an ordinary sync barely move it.
    private mutating func gain(_ steady: Double, innovation: Double, adjustmentChangeNs change: Double) -> Double {
        let q = change * change / 12
        let gain = innovationVariance > 0 ? (steady * innovationVariance + q) / (innovationVariance + q) : steady
        if q == 0 || innovationVariance == 0 {
            innovationVariance += (innovationVariance == 0 ? 1 : 0.02) * (innovation * innovation - innovationVariance)
        }
        return gain
    }

    /// The tracker's gains for its next correction: those of a least-squares fit of phase and
    /// frequency over every frame tracked so far (an expanding-memory filter: 2(2n−1)/(n(n+1)) and
    /// 6/(n(n+1)) after n frames), counting the acquisition's estimate as
    /// ``Configuration/trackerPriorFrames`` of them, until they fall to the steady-state gains.
    private func trackerGains(_ tracker: TrackerSettings) -> (phase: Double, frequency: Double) {
        let n = Double(trackedFrames + configuration.trackerPriorFrames)
        let fitPhase = 2 * (2 * n - 1) / (n * (n + 1))
        let fitFrequency = 6 / (n * (n + 1))
        return (max(tracker.phase, fitPhase), max(tracker.frequency, fitFrequency))
    }

    /// The length programmed for `sequence`, or the free-running length if none was.
    private func programmedLines(_ sequence: Int64) -> Int64 {
        guard sequence >= 0 else { return nominalLines }
        let slot = Int(sequence % Int64(ringLines.count))
        return ringSequences[slot] == sequence ? ringLines[slot] : nominalLines
    }

    /// The index whose `Tn` is nearest `t` (ties go to the earlier one), and `t − Tn`. The schedule
    /// is extrapolated before frame 0 (`Tn = T0 + ⌊n·P⌋` for negative n too), so a frame of the
    /// pre-roll long before `T0` has a small phase error rather than a huge one.
    private func nearestIndex(to t: RealtimeInstant) throws(ScheduleError) -> (Int64, TimeSpan) {
        let num = Int128(schedule.rate.numerator)
        let k = Int128(schedule.rate.denominator) * 1_000_000_000
        let d = Int128(t.nanosecondsSinceEpoch) - Int128(schedule.start.nanosecondsSinceEpoch)
        let below = Self.floorDiv(d * num, k)
        let sinceBelow = d - Self.floorDiv(below * k, num)
        let untilAbove = Self.floorDiv((below + 1) * k, num) - d
        let nearest = sinceBelow <= untilAbove ? below : below + 1
        let error = sinceBelow <= untilAbove ? sinceBelow : -untilAbove
        guard let n = Int64(exactly: nearest), let e = Int64(exactly: error) else { throw .instantOutOfRange(t) }
        return (n, TimeSpan(nanoseconds: e))
    }

    private static func floorDiv(_ a: Int128, _ b: Int128) -> Int128 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Wraps a phase into (−P/2, P/2]: the shorter way round to the nearest `Tn`.
    private func wrap(_ ns: Double) -> Double {
        var x = ns.truncatingRemainder(dividingBy: periodNs)
        if x > periodNs / 2 { x -= periodNs }
        if x <= -periodNs / 2 { x += periodNs }
        return x
    }

    /// Measures the interval since the previous frame (pacing, ``lastInterval``) and, when
    /// `fromInterval` (the phase tracker did not correct the frequency), updates the frequency
    /// estimate from it.
    private mutating func updateFrequency(_ frame: Frame, fromInterval: Bool) {
        guard let previous, frame.sequence == previous.sequence + 1 else { return }
        let lines = Double(programmedLines(previous.sequence))
        let measured = Double((frame.exposureStart - previous.exposureStart).nanoseconds)
        let expected = lines * Double(sensor.lineTimePs) / 1000
        let ratio = measured / expected - 1 - (previousClockAdjustment + clockAdjustment) / 2
        lastInterval = Interval(measured: frame.exposureStart - previous.exposureStart, programmed: TimeSpan(nanoseconds: Int64(expected.rounded())))
        updatePacing(offPace: abs(ratio) > configuration.pacingTolerance)
        // A realtime step between the two frames makes this one measurement meaningless (the
        // kernel bounds real frequency errors at ±500 ppm); skip it rather than corrupt the estimate.
        guard fromInterval, abs(ratio) < 1e-3 else { return }
        intervalsAveraged += 1
        let weight = max(configuration.frequencyGain, min(0.1, 1 / Double(intervalsAveraged)))
        frequencyError += weight * (ratio - frequencyError)
    }

    /// Enters ``State/unpaced`` after a run of off-pace intervals, and leaves it (acquiring anew)
    /// after as long a run of on-pace ones.
    private mutating func updatePacing(offPace: Bool) {
        let judging = state == .unpaced ? !offPace : offPace
        pacingRun = judging ? pacingRun + 1 : 0
        guard pacingRun >= configuration.framesToJudgePacing else { return }
        pacingRun = 0
        onTarget = 0
        state = state == .unpaced ? .acquiring : .unpaced
    }

    private mutating func updateState(_ error: TimeSpan) {
        let magnitude = TimeSpan(nanoseconds: abs(error.nanoseconds))
        switch state {
        case .unpaced:
            break
        case .acquiring, .lost:
            onTarget = magnitude <= configuration.lockThreshold ? onTarget + 1 : 0
            if onTarget >= configuration.framesToLock { state = .locked }
        case .locked:
            if magnitude > configuration.lossThreshold {
                state = .lost
                onTarget = 0
            }
        }
    }
}
