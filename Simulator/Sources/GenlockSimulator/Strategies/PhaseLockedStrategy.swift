import GenlockCore
import GenlockHAL
import GenlockNode

/// Genlock's phase-locked capture: the real ``PhaseLockDriver`` (and inside it the core's
/// ``PhaseLockScheduler`` and ``PhaseLock``) over the simulated clock pair and a
/// ``SimStreamingCamera``. The sensor streams at the rate; each frame's interrupt hands the frame to
/// the driver's `handle`, as `run()` does on a Pi, and the driver numbers it, queues the request its
/// control delay calls for, and reports. Nothing here decides anything about timing or numbering:
/// it forwards the driver's reports to the node (records, skips, the lock's statistics), so what
/// the simulator shows about phase-locked capture it shows about the code that runs on a Pi.
///
/// The stamp is the interrupt, not the readout itself, so the measured exposure start is late by
/// the interrupt latency and the lock lands true exposures that much before `Tn`: the same on every
/// camera of a rig, so it cancels in the cross-camera skew.
final class PhaseLockedStrategy: SimStrategy, @unchecked Sendable {
    private unowned(unsafe) let node: SimNode
    private let camera: SimStreamingCamera
    /// Set once at the end of `init` (its report handler refers to the strategy).
    private var driver: PhaseLockDriver<SimClockPair, SimStreamingCamera>!
    private let configuration: PhaseLockDriver<SimClockPair, SimStreamingCamera>.Configuration
    private var plan: StartPlan?
    private(set) var isFinished = false
    private var halted = false

    init(node: SimNode, joinMarginNs: Int64, configuration: PhaseLock.Configuration) {
        self.node = node
        camera = SimStreamingCamera(name: "cam\(node.id)", node: node)
        let driverConfiguration = PhaseLockDriver<SimClockPair, SimStreamingCamera>.Configuration(
            sensor: node.sensor.timing, timestampMeaning: .startOfReadout, exposure: TimeSpan(nanoseconds: node.exposureNs),
            joinMargin: TimeSpan(nanoseconds: joinMarginNs), phaseLock: configuration)
        self.configuration = driverConfiguration
        // The strategy owns the driver, so the handler can borrow it (no reference counting per report).
        driver = PhaseLockDriver(camera: camera, clock: SimClockPair(node: node), configuration: driverConfiguration) {
            [strategy = Borrowed(self)] report in strategy.borrow { $0.forward(report) }
        }
        camera.connect(to: self)
    }

    /// START: the camera is started with the settings a node starts it with, and the driver
    /// takes it from there.
    func start(_ plan: StartPlan) {
        guard self.plan == nil, !halted else { return }
        self.plan = plan
        do {
            try camera.start(configuration.streamingSettings(for: plan.schedule.rate))
        } catch {
            node.engine.violation("node \(node.id): the camera did not start: \(error)")
            return
        }
        driver.start(plan)
        if let join = driver.progress.joinedAt { node.stats.joinedAt.append(join) }
        if !isFinished { node.stats.phaseLock.started(atNs: node.engine.nowNs) }
    }

    func stop(at stopIndex: Int64) { driver.stop(at: stopIndex) }

    /// The process died or the watchdog gave up: the camera goes dark; the driver is told nothing.
    func halt() {
        halted = true
        camera.stop()
        if let status = driver.status { node.stats.phaseLock.frequencyErrorPpm = status.frequencyErrorPpm }
    }

    /// Frame `frame` of the streaming sensor raised its interrupt: its completion, if it filled a
    /// request, goes to the driver.
    func interrupt(_ frame: (frame: Int64, startTrueNs: Int64, lines: Int64)) {
        guard let completion = camera.complete(frame.frame, startTrueNs: frame.startTrueNs) else { return }
        driver.handle(completion)
    }

    /// Hands one of the driver's reports to the node (every frame passes here).
    private func forward(_ report: PhaseLockDriver<SimClockPair, SimStreamingCamera>.Report) {
        switch report {
        case .frame(let f):
            node.stats.phaseLock.numbered(state: f.state, phaseError: f.phaseError)
            node.recordStreamed(f)
            f.frame.release()
        case .skip(let range):
            node.skipped(range)
        case .stateChanged(let status):
            node.stats.phaseLock.changed(to: status.state, atNs: node.engine.nowNs)
        case .problem(let text):
            // No simulated device fails, refuses or ignores a request: a problem is a fault of the model.
            node.engine.violation("node \(node.id): \(text)")
        case .finish(let summary):
            isFinished = true
            if let status = summary.status { node.stats.phaseLock.frequencyErrorPpm = status.frequencyErrorPpm }
            if case .failed(let error) = summary.outcome {
                node.engine.violation("node \(node.id): schedule failed: \(error)")
            }
        }
    }

    /// The next index this node should record, and its `Tn` (for the watchdog).
    var awaiting: (index: Int64, scheduled: RealtimeInstant)? {
        guard let plan, !isFinished, !halted else { return nil }
        let progress = driver.progress
        guard let joined = progress.joinedAt else { return nil }
        let next = (progress.lastIndex ?? joined - 1) + 1
        guard let tn = try? plan.schedule.deadline(of: next) else { return nil }
        return (next, tn)
    }
}
