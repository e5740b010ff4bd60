import Dispatch
import GenlockCore
import GenlockHAL
import Synchronization

/// What a camera hands to the recording side.
public enum CameraOutput: Sendable {
    /// A frame with its pixels and its sidecar row.
    case frame(VideoFrame, FrameRecord)
    /// A requested frame the camera could not deliver (its row carries the `dropped` flag).
    case dropped(FrameRecord)
}

/// The camera for machines without one: renders ``TestPattern`` frames in real time, one per
/// capture request, on its own serial queue, and hands them on in index order.
///
/// The "sensor timestamp" is the clock pair read when rendering starts (monotonic and realtime),
/// which is when a real sensor would start reading out; exposure is unknown (nil). When more
/// than `maximumPending` frames wait to be rendered (the consumer cannot keep up), new requests
/// are delivered as dropped instead of queuing without bound.
public final class SyntheticCamera: Camera {
    public let name: String
    public let width: Int
    public let height: Int
    public let layout: PixelLayout
    private let clock: any ClockPair
    private let deliver: @Sendable (CameraOutput) -> Void
    private let handOff: BoundedHandOff
    private let stopped = Atomic<Bool>(false)

    /// A camera rendering `width`×`height` frames in `layout`; `deliver` runs on the camera's queue.
    public init(
        name: String, width: Int, height: Int, layout: PixelLayout = .yuv420p, clock: any ClockPair,
        maximumPending: Int = 4, deliver: @escaping @Sendable (CameraOutput) -> Void
    ) throws(MediaError) {
        try layout.validate(width: width, height: height)
        self.name = name
        self.width = width
        self.height = height
        self.layout = layout
        self.clock = clock
        self.deliver = deliver
        handOff = BoundedHandOff(label: "genlock.synthetic.\(name)", maximumPending: maximumPending)
    }

    public func queue(_ request: CaptureRequest) throws {
        guard !stopped.load(ordering: .acquiring) else { return }
        let base = FrameRecord(
            index: request.index, scheduled: request.scheduled, wakeError: request.wakeError,
            realtimeLateness: request.wake.realtime - request.scheduled)
        handOff.submit(
            { [self] in
                let sensor = clock.sample()
                var record = base
                record.sensorMonotonic = sensor.monotonic
                record.sensorRealtime = sensor.realtime
                let frame = TestPattern.render(
                    index: request.index, scheduledNs: request.scheduled.nanosecondsSinceEpoch,
                    width: width, height: height, layout: layout)
                deliver(.frame(frame, record))
            },
            afterRefusal: { [deliver] in
                var dropped = base
                dropped.flags.insert(.dropped)
                deliver(.dropped(dropped))
            })
    }

    public func stop() { stopped.store(true, ordering: .releasing) }

    /// Waits until every queued frame has been delivered.
    public func drain() { handOff.drain() }
}
