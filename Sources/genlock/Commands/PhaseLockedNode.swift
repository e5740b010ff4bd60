import Dispatch
import GenlockControl
import GenlockCore
import GenlockHAL
import GenlockLibcamera
import GenlockMedia
import GenlockPOSIX
import Logging
import Synchronization

/// A camera node's phase-locked capture on a libcamera sensor: the camera is opened at launch (so
/// a missing camera fails at once), streams from START, and a ``PhaseLockDriver`` steers its frame
/// length until exposures start on `Tn`. The lock's state changes and problems are logged; STATUS
/// carries its state and phase error. With a recorder, every numbered frame goes to it (and is
/// released there); without one, frames are released as soon as they are logged.
final class PhaseLockedNode: Sendable {
    let camera: LibcameraCamera
    let mode: SensorMode
    let exposure: TimeSpan
    private let joinMargin: TimeSpan
    private let log: Logger
    private let driver = Mutex<PhaseLockDriver<PosixClockPair, LibcameraCamera>?>(nil)
    private let recorder = Mutex<CameraFrameRecorder?>(nil)
    private let pendingStop = Mutex<Int64?>(nil)
    private let outcome = Mutex<PhaseLockSummary?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    /// Opens the camera `selector` names (nil: the only one) in the mode of its sensor model, or of
    /// `sensor` when given. Fails with libcamera's reason (no cameras, in use, adjusted) or when the
    /// sensor's timing is unknown.
    init(selector: String?, sensor: String?, exposure: TimeSpan, joinMargin: TimeSpan, log: Logger) throws {
        let manager = try LibcameraManager()
        let identity: CameraIdentity
        do {
            identity = try CameraSelector.choose(selector, from: manager.cameras)
        } catch {
            throw CommandFailure("\(LibcameraError.noCamera(error, libcamera: LibcameraManager.libraryVersion))")
        }
        let model = sensor ?? identity.model
        guard let mode = SensorMode.known(model: model) else {
            let known = SensorMode.known.map(\.model).joined(separator: ", ")
            throw CommandFailure("no sensor timing for '\(model)' (camera \(identity.id)); known sensors: \(known) (--sensor)")
        }
        // Requests in flight (one per control-delay frame), the frame being handled when the next
        // request is queued, and the frames waiting for the recorder's encoder.
        let buffers = mode.timing.controlDelayFrames + 1 + Self.framesWaitingToEncode
        camera = try manager.open(identity.id, configuration: StreamConfiguration(
            width: mode.width, height: mode.height, pixelFormat: "YUV420", bufferCount: buffers))
        self.mode = mode
        self.exposure = exposure
        self.joinMargin = joinMargin
        self.log = log
    }

    /// Frames the recorder may hold before it drops new ones (each holds a camera buffer).
    static let framesWaitingToEncode = 2

    /// The frames' size, the sensor mode's.
    var size: FrameSize { FrameSize(width: mode.width, height: mode.height) }

    /// Streams at the schedule's rate and starts the phase lock for `plan`; numbered frames and
    /// skipped indices go to `recorder` when given.
    func start(_ plan: StartPlan, clock: PosixClockPair, recorder: CameraFrameRecorder? = nil) {
        self.recorder.withLock { $0 = recorder }
        let timing = mode.timing
        let period = timing.frameDuration(lines: timing.nominalLines(for: plan.schedule.rate.nominalPeriod))
        do {
            try camera.start(ExposureSettings(exposure: exposure, frameDurationLimits: period...period))
        } catch {
            log.error("camera \(camera.name) did not start: \(error)")
            end(PhaseLockSummary(outcome: .cameraEnded, joinedAt: nil, stopIndex: plan.stopIndex))
            return
        }
        log.info("streaming \(mode), exposure \(exposure), sensor timestamps read as \(SensorTimestampMeaning.startOfReadout.rawValue)")
        let driver = PhaseLockDriver(
            camera: camera, clock: clock,
            configuration: .init(sensor: timing, timestampMeaning: .startOfReadout, exposure: exposure, joinMargin: joinMargin)
        ) { [self] report in handle(report) }
        self.driver.withLock { $0 = driver }
        if let stop = pendingStop.withLock({ $0 }) { driver.stop(at: stop) }
        driver.start(plan)
        Task { _ = await driver.run() }
        // A streaming sensor completes a request every frame; silence for this long means the
        // pipeline is wedged, and the run ends (keeping what was recorded) instead of waiting forever.
        let silenceLimit = Self.silenceLimit(period: plan.schedule.rate.nominalPeriod)
        Task { [self] in
            while outcome.withLock({ $0 == nil }) {
                try? await Task.sleep(for: .milliseconds(500))
                if driver.endIfSilent(for: silenceLimit) { return }
            }
        }
    }

    /// How long the camera may deliver nothing: ten frame periods, and never less than 3 s, which
    /// covers the pipeline's start-up before the first frame.
    static func silenceLimit(period: TimeSpan) -> TimeSpan {
        max(.seconds(3), TimeSpan(nanoseconds: period.nanoseconds * 10))
    }

    /// Numbers only frames before `index`.
    func stop(at index: Int64) {
        pendingStop.withLock { $0 = min($0 ?? index, index) }
        driver.withLock { $0 }?.stop(at: index)
    }

    /// The lock's state and last phase error, for STATUS (nil before the first frame).
    var report: ControlMessage.PhaseLockReport? {
        guard let status = driver.withLock({ $0 })?.status, let error = status.phaseError else { return nil }
        return ControlMessage.PhaseLockReport(state: status.state, phaseErrorNs: error.nanoseconds)
    }

    /// Frames numbered, indices skipped, the last index, for STATUS.
    var progress: (captured: Int64, skipped: Int64, last: Int64?) {
        guard let p = driver.withLock({ $0 })?.progress else { return (0, 0, nil) }
        return (p.captured, p.skipped, p.lastIndex)
    }

    /// Blocks until the run ends.
    func waitForFinish() -> PhaseLockSummary {
        finished.wait()
        return outcome.withLock { $0! }
    }

    private func handle(_ report: PhaseLockDriver<PosixClockPair, LibcameraCamera>.Report) {
        switch report {
        case .frame(let f):
            log.info("frame \(f.index) exposed \(Self.signed(f.phaseError)) from Tn (\(f.state.rawValue))",
                     metadata: [ClassicLogHandler.realtimeKey: "\(f.exposureStart.nanosecondsSinceEpoch)"])
            if let recorder = recorder.withLock({ $0 }) { recorder.record(f) } else { f.frame.release() }
        case .skip(let range):
            log.warning("frames \(range.lowerBound)..<\(range.upperBound) skipped: no sensor frame was nearest their Tn")
            recorder.withLock { $0 }?.skipped(range)
        case .stateChanged(let status):
            log.info("\(status)")
        case .problem(let message):
            log.warning("\(message)")
        case .finish(let summary):
            end(summary)
        }
    }

    private func end(_ summary: PhaseLockSummary) {
        let first = outcome.withLock { o -> Bool in
            guard o == nil else { return false }
            o = summary
            return true
        }
        if first { finished.signal() }
    }

    private static func signed(_ span: TimeSpan) -> String { (span.nanoseconds > 0 ? "+" : "") + "\(span)" }

    /// The summary line, and the failure to exit with, if any.
    static func summaryLine(name: String, _ s: PhaseLockSummary) -> String {
        let range = s.joinedAt.map { first in "\(first)...\(s.lastIndex.map(String.init) ?? "-")" } ?? "-"
        return "summary [\(name)]: frames \(s.captured), skipped \(s.skipped), indices \(range), pre-roll \(s.preRoll), "
            + "duplicates dropped \(s.duplicates), failures \(s.failures), \(s.status.map { "\($0)" } ?? "phase lock never ran")"
    }

    static func failure(_ s: PhaseLockSummary) -> CommandFailure? {
        switch s.outcome {
        case .stopped: nil
        case .cameraEnded: CommandFailure("the camera stopped delivering frames before the stop index")
        case .cameraSilent(let quiet): CommandFailure("the camera delivered nothing for \(quiet): stopped before the stop index (what was recorded is kept)")
        case .failed(let error): CommandFailure("schedule: \(error)")
        }
    }
}
