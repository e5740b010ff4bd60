import GenlockControl
import GenlockCore
import GenlockHAL
import Synchronization

/// Where phase-locked frames go: the recording of a streaming camera's numbered frames.
public protocol PhaseLockedOutput: AnyObject, Sendable {
    /// A numbered frame; the output releases its buffer (at once, or once copied).
    func record(_ frame: PhaseLockedFrame)
    /// Indices no sensor frame landed on.
    func skipped(_ range: Range<Int64>)
    /// Waits for the frames handed over and closes the recording; returns why that failed, nil
    /// when fine.
    func close(stopIndex: Int64?) -> String?
}

/// Phase-locked capture: the sensor streams at the rate and a ``PhaseLockDriver`` steers its frame
/// length until exposures start on `Tn`; numbered frames go to the output made for the plan.
/// `observe` sees every report (the CLI logs frames and lock state changes).
public final class PhaseLockedCapture<Clock: ClockPair, Sensor: CaptureSource>: NodeCapture {
    private struct State {
        var driver: PhaseLockDriver<Clock, Sensor>?
        var output: (any PhaseLockedOutput)?
        var pendingStop: Int64?
        var silenceLimit: TimeSpan = .seconds(3)
    }

    private let camera: Sensor
    private let clock: Clock
    private let configuration: PhaseLockDriver<Clock, Sensor>.Configuration
    private let started: @Sendable (ExposureSettings) -> Void
    private let makeOutput: @Sendable (StartPlan, _ onError: @escaping @Sendable (String) -> Void) throws -> (any PhaseLockedOutput)?
    private let observe: @Sendable (PhaseLockDriver<Clock, Sensor>.Report) -> Void
    private let state = Mutex(State())

    /// At START the camera is started with the configuration's settings for the plan's rate
    /// (``PhaseLockScheduler/Configuration/streamingSettings(for:)``), and `started` hears them;
    /// `makeOutput` opens the recording (nil: frames are released once observed).
    public init(
        camera: Sensor, clock: Clock, configuration: PhaseLockDriver<Clock, Sensor>.Configuration,
        started: @escaping @Sendable (ExposureSettings) -> Void = { _ in },
        makeOutput: @escaping @Sendable (StartPlan, _ onError: @escaping @Sendable (String) -> Void) throws -> (any PhaseLockedOutput)?,
        observe: @escaping @Sendable (PhaseLockDriver<Clock, Sensor>.Report) -> Void = { _ in }
    ) {
        self.camera = camera
        self.clock = clock
        self.configuration = configuration
        self.started = started
        self.makeOutput = makeOutput
        self.observe = observe
    }

    /// How long a streaming camera may deliver nothing: ten frame periods, and never less than
    /// 3 s, which covers the pipeline's start-up before the first frame.
    public static func silenceLimit(period: TimeSpan) -> TimeSpan {
        max(.seconds(3), TimeSpan(nanoseconds: period.nanoseconds * 10))
    }

    public func begin(_ plan: StartPlan, report: @escaping @Sendable (NodeCaptureReport) -> Void) {
        let output: (any PhaseLockedOutput)?
        do {
            output = try makeOutput(plan) { reason in report(.recordingFailed(reason)) }
        } catch {
            // Nothing can be recorded: end the run before its first frame, and say why.
            report(.finished(stopIndex: plan.stopIndex, failure: "\(error)"))
            return
        }
        do {
            let settings = try configuration.streamingSettings(for: plan.schedule.rate)
            try camera.start(settings)
            started(settings)
        } catch {
            // The recording was opened: it is closed (empty) like any other.
            state.withLock { $0.output = output }
            report(.finished(stopIndex: plan.stopIndex, failure: "camera \(camera.name) did not start: \(error)"))
            return
        }
        let driver = PhaseLockDriver(camera: camera, clock: clock, configuration: configuration) { [self] event in
            observe(event)
            switch event {
            case .frame(let frame):
                if let output { output.record(frame) } else { frame.frame.release() }
            case .skip(let range):
                output?.skipped(range)
            case .stateChanged, .problem:
                break
            case .finish(let summary):
                report(.finished(stopIndex: summary.stopIndex, failure: Self.failure(summary)))
            }
        }
        let stop = state.withLock { s -> Int64? in
            s.driver = driver
            s.output = output
            s.silenceLimit = Self.silenceLimit(period: plan.schedule.rate.nominalPeriod)
            return s.pendingStop
        }
        if let stop { driver.stop(at: stop) }
        driver.start(plan)
        Task { _ = await driver.run() }
    }

    public func stop(at index: Int64) {
        let driver = state.withLock { s in
            s.pendingStop = min(index, s.pendingStop ?? index)
            return s.driver
        }
        driver?.stop(at: index)
    }

    public func abort() {
        // A streaming sensor paces itself: no timer can fail to arm. Stop at the next frame.
        let driver = state.withLock { $0.driver }
        if let next = driver.map({ ($0.progress.lastIndex ?? $0.progress.joinedAt ?? 0) + 1 }) { driver?.stop(at: next) }
    }

    /// A streaming sensor completes a request every frame; silence for this long means the
    /// pipeline is wedged, and the run ends (keeping what was recorded) instead of waiting forever.
    public func tick() {
        let (driver, limit) = state.withLock { ($0.driver, $0.silenceLimit) }
        driver?.endIfSilent(for: limit)
    }

    public func closeRecording(stopIndex: Int64?) -> String? {
        state.withLock { $0.output }?.close(stopIndex: stopIndex)
    }

    public var progress: NodeProgress {
        guard let driver = state.withLock({ $0.driver }) else { return NodeProgress() }
        let p = driver.progress
        let lock = driver.status.flatMap { status in
            status.phaseError.map { ControlMessage.PhaseLockReport(state: status.state, phaseErrorNs: $0.nanoseconds) }
        }
        return NodeProgress(captured: p.captured, skipped: p.skipped, lastIndex: p.lastIndex, phaseLock: lock)
    }

    /// Why a run failed, nil when it reached its stop index.
    public static func failure(_ s: PhaseLockSummary) -> String? {
        switch s.outcome {
        case .stopped: nil
        case .cameraEnded: "the camera stopped delivering frames before the stop index"
        case .cameraSilent(let quiet): "the camera delivered nothing for \(quiet): stopped before the stop index (what was recorded is kept)"
        case .failed(let error): "schedule: \(error)"
        }
    }
}
