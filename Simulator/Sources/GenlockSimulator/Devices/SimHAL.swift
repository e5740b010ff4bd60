import GenlockCore
import GenlockHAL

// The simulator's implementations of the HAL protocols. The engine is single-threaded and these
// objects never leave it, so they are `@unchecked Sendable`: the protocols demand Sendable for
// the real, threaded backends, and nothing here is ever touched from a second thread. The
// Simulation owns every node and device and none outlives it, so the devices refer to their node
// through ``Borrowed``: no reference counting on the per-frame path.

/// The clock pair of one simulated node: monotonic, realtime, monotonic reads a few tens of
/// nanoseconds apart in virtual time (occasionally preempted), through the same
/// ``ClockPairSampling`` policy as the POSIX backend.
public struct SimClockPair: ClockPair, @unchecked Sendable {
    let node: Borrowed<SimNode>
    public var sampling = ClockPairSampling()

    init(node: SimNode) { self.node = Borrowed(node) }

    public func sample() -> ClockSample { node.borrow { $0.sampleClockPair(sampling) } }
    public func monotonicNow() -> MonotonicInstant { node.borrow { $0.monotonicNow } }
    public func frequencyAdjustmentPpb() -> Double? { node.borrow { $0.frequencyAdjustmentPpb } }
}

/// An absolute monotonic deadline timer on a simulated node: it fires when the node's monotonic
/// clock reaches the deadline (tracking every frequency change on the way) plus a wake latency.
/// `stepAware`: the POSIX timers with their cancel-on-set step source, as the kernel treats them: a
/// realtime step while armed wakes the timer (one wake latency later) with a step notice.
public final class SimDeadlineTimer: DeadlineTimer, @unchecked Sendable {
    let node: Borrowed<SimNode>
    let stepAware: Bool
    // Read on every arm; single-threaded, and no access spans a call (see SimNode).
    @exclusivity(unchecked) private var isShutDown = false

    init(node: SimNode, stepAware: Bool) {
        self.node = Borrowed(node)
        self.stepAware = stepAware
    }

    public func arm(at deadline: MonotonicInstant, _ handler: @escaping @Sendable (TimerFiring) -> Void) throws(DeadlineTimerError) {
        if isShutDown { throw .shutDown }
        node.borrow { $0.armDeadline(deadline, stepAware: stepAware, handler) }
    }

    public func cancel() { node.borrow { $0.cancelTimer() } }

    public func shutdown() {
        isShutDown = true
        node.borrow { $0.cancelTimer() }
    }
}

/// The simulated camera of request-timed capture: requests go to the sensor model, which answers
/// with ground truth recorded by the engine. The simulator models timing, not images, so no
/// completion is streamed (``completions`` is finished) and starting sets nothing: the sensor
/// free-runs from the scenario's start.
public final class SimCamera: CaptureSource, @unchecked Sendable {
    public let name: String
    public let completions = AsyncStream<CameraCompletion> { $0.finish() }
    let node: Borrowed<SimNode>
    // Read on every capture; single-threaded, and no access spans a call (see SimNode).
    @exclusivity(unchecked) private(set) var stopped = false

    init(name: String, node: SimNode) {
        self.name = name
        self.node = Borrowed(node)
    }

    public func start(_ settings: ExposureSettings) {}

    public func queue(_ request: CaptureRequest, frameDuration: TimeSpan?) throws {
        if stopped { throw SimCameraError.stopped(name) }
        node.borrow { $0.sensorTakes(request) }
    }

    public func stop() { stopped = true }
    func restart() { stopped = false }
}

public enum SimCameraError: Error, CustomStringConvertible {
    case stopped(String)
    public var description: String {
        switch self { case .stopped(let n): "camera \(n) is stopped" }
    }
}
