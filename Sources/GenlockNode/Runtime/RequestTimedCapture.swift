import GenlockCore
import GenlockHAL
import Synchronization

/// Where request-timed captures go: a camera to queue them on and the recording of what it
/// delivers (the synthetic camera's pipeline, a libcamera sensor's, or a node that only logs).
public protocol CaptureOutput: AnyObject, Sendable {
    /// Frame `request.index` is due now (on the timer's thread: must not wait).
    func capture(_ request: CaptureRequest)
    /// These indices' deadlines passed.
    func skipped(_ range: Range<Int64>)
    /// Frames at or after `index` are not recorded.
    func stop(at index: Int64)
    /// Stops the camera, waits for its last frames and closes the recording; returns why that
    /// failed, nil when fine.
    func close(stopIndex: Int64?) -> String?
}

/// Request-timed capture: a ``CaptureDriver`` arms a monotonic deadline for each `Tn` and each
/// capture goes to the output made for the plan. `observe` sees every report (the CLI logs one
/// line per frame and keeps wake errors).
public final class RequestTimedCapture<Clock: ClockPair, Timer: DeadlineTimer>: NodeCapture {
    private struct State {
        var driver: CaptureDriver<Clock, Timer>?
        var output: (any CaptureOutput)?
        var progress = NodeProgress()
        var finished = false
        var pendingStop: Int64?
    }

    private let clock: Clock
    private let timer: Timer
    private let joinMargin: TimeSpan
    private let makeOutput: @Sendable (StartPlan, _ onError: @escaping @Sendable (String) -> Void) throws -> any CaptureOutput
    private let observe: @Sendable (CaptureDriver<Clock, Timer>.Report) -> Void
    private let state = Mutex(State())

    /// `makeOutput` opens the recording for a plan (its errors, and the ones it reports later
    /// through `onError`, are recording failures).
    public init(
        clock: Clock, timer: Timer, joinMargin: TimeSpan,
        makeOutput: @escaping @Sendable (StartPlan, _ onError: @escaping @Sendable (String) -> Void) throws -> any CaptureOutput,
        observe: @escaping @Sendable (CaptureDriver<Clock, Timer>.Report) -> Void = { _ in }
    ) {
        self.clock = clock
        self.timer = timer
        self.joinMargin = joinMargin
        self.makeOutput = makeOutput
        self.observe = observe
    }

    public func begin(_ plan: StartPlan, report: @escaping @Sendable (NodeCaptureReport) -> Void) {
        let output: any CaptureOutput
        do {
            output = try makeOutput(plan) { reason in report(.recordingFailed(reason)) }
        } catch {
            // Nothing can be recorded: end the run before its first frame, and say why.
            report(.finished(stopIndex: plan.stopIndex, failure: "\(error)"))
            return
        }
        let driver = CaptureDriver(clock: clock, timer: timer, configuration: .init(joinMargin: joinMargin)) { [self] event in
            observe(event)
            switch event {
            case .capture(let request):
                state.withLock { s in
                    s.progress.captured += 1
                    s.progress.lastIndex = request.index
                    s.progress.noteLateness((request.wake.realtime - request.scheduled).nanoseconds)
                }
                output.capture(request)
            case .skip(let range):
                state.withLock { $0.progress.skipped += Int64(range.count) }
                output.skipped(range)
            case .armFailed(let error):
                report(.armFailed("\(error)"))
            case .finish(let summary):
                state.withLock { $0.finished = true }
                let failure: String? = switch summary.outcome {
                case .stopped, .aborted: nil
                case .failed(let error): "schedule: \(error)"
                }
                report(.finished(stopIndex: summary.stopIndex, failure: failure))
            }
        }
        let stop = state.withLock { s -> Int64? in
            s.driver = driver
            s.output = output
            return s.pendingStop
        }
        if let stop {
            output.stop(at: stop)
            driver.stop(at: stop)
        }
        driver.start(plan)
    }

    public func stop(at index: Int64) {
        let (driver, output) = state.withLock { s in
            s.pendingStop = min(index, s.pendingStop ?? index)
            return (s.driver, s.output)
        }
        output?.stop(at: index)
        driver?.stop(at: index)
    }

    public func abort() { state.withLock { $0.driver }?.abort() }

    public func tick() {}

    public func closeRecording(stopIndex: Int64?) -> String? {
        state.withLock { $0.output }?.close(stopIndex: stopIndex)
    }

    public var progress: NodeProgress { state.withLock { $0.progress } }
}
