import GenlockCore
import GenlockHAL
import GenlockNode

/// The simulated camera of phase-locked capture, as ``PhaseLockDriver`` sees it: a streaming
/// sensor whose requests each carry a frame duration.
///
/// - Requests are filled in order, one per frame, by the frames the sensor streams; a frame that
///   starts with none queued is lost (its sequence number is skipped).
/// - A request's frame duration goes the way it goes on a Pi: libcamera carries it in whole
///   microseconds and the IPA floor-divides it into lines (``SensorTiming/linesProgrammed(for:)``).
///   The length is written for the frame the request fills, or, when that frame is already within
///   the control delay of the frame in progress, for the first frame the sensor can still change
///   (``SimSensor/firstChangeableFrame``). With `controlDelayFrames` requests in flight, as the
///   driver keeps them, the two are the same frame: the one the lock decided the length for.
/// - Completions are not streamed: the node hands each one to the driver's `handle` from the event
///   queue (virtual time has no tasks), so ``completions`` is empty and finished. A stop drops the
///   queued requests without cancellations (the driver ignores those) and ends the stream.
///
/// Single-threaded like every simulated device (see `SimHAL`).
public final class SimStreamingCamera: CaptureSource, @unchecked Sendable {
    public let name: String
    public let completions: AsyncStream<CameraCompletion>
    let node: Borrowed<SimNode>
    // Touched on every frame; single-threaded, and no access spans a call that reaches them again.
    /// Queued requests' indices, oldest first (a few: one per control-delay frame).
    @exclusivity(unchecked) private var requests: [Int64] = []
    /// The sequence number of the frame the oldest queued request will fill.
    @exclusivity(unchecked) private var nextToFill: Int64 = 0
    @exclusivity(unchecked) private var stopped = true
    /// Where the sensor's interrupts go (the strategy that owns the camera).
    private unowned(unsafe) var sink: PhaseLockedStrategy?

    init(name: String, node: SimNode) {
        self.name = name
        self.node = Borrowed(node)
        completions = AsyncStream { $0.finish() }
        requests.reserveCapacity(8)
    }

    /// The frames' interrupts will go to `sink` (set once, before ``start(_:)``).
    func connect(to sink: PhaseLockedStrategy) { self.sink = sink }

    /// The sensor starts streaming with the frame length `settings` pins, programmed as a Pi's
    /// camera programs it (``SensorTiming/linesProgrammed(for:)``); the exposure is the node's.
    public func start(_ settings: ExposureSettings) throws {
        guard let sink else { throw SimCameraError.stopped(name) }
        requests.removeAll(keepingCapacity: true)
        stopped = false
        nextToFill = node.borrow { node in
            node.startStreaming(to: sink, lines: node.sensor.timing.linesProgrammed(for: settings.frameDurationLimits.lowerBound))
        }
    }

    public func queue(_ request: CaptureRequest, frameDuration: TimeSpan?) throws {
        if stopped { throw SimCameraError.stopped(name) }
        if let frameDuration {
            let fills = nextToFill + Int64(requests.count)
            try node.borrow { node in
                let lines = node.sensor.timing.linesProgrammed(for: frameDuration)
                try node.sensor.setFrameLength(lines: lines, forFrame: max(fills, node.sensor.firstChangeableFrame))
            }
        }
        requests.append(request.index)
    }

    /// Frame `sequence`, which began exposing at `startTrueNs`, raised its frame-start interrupt:
    /// the completion of the oldest queued request, or nil when none was queued (the frame is lost).
    func complete(_ sequence: Int64, startTrueNs: Int64) -> CameraCompletion? {
        nextToFill = sequence + 1
        guard !requests.isEmpty else { return nil }
        let request = requests.removeFirst()
        let timestamp = node.borrow { $0.sensorTimestamp(startTrueNs: startTrueNs) }
        // No image and no buffer: the simulator models timing only, so release has nothing to give back.
        return .frame(CameraFrame(index: request, sequence: sequence, sensorTimestamp: timestamp, planes: [], release: {}))
    }

    public func stop() {
        guard !stopped else { return }
        stopped = true
        requests.removeAll(keepingCapacity: true)
        node.borrow { $0.stopStreaming() }
    }
}
