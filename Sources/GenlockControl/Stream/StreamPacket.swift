/// One frame index of one camera on the stream: the sidecar's row (the fields of GenlockMedia's
/// `FrameRecord`, as nanosecond integers) and, when the frame is in the video, its encoded packet
/// exactly as the node's encoder produced it (the ingest remuxes it; nothing decodes it).
public struct StreamPacket: Hashable, Sendable {
    /// The frame index `n`.
    public var index: Int64
    /// The index of the node's previous sidecar row (nil: this is the camera's first row). The
    /// ingest uses it to know, without guessing, which indices it still lacks: rows between
    /// `previous` and `index` do not exist (the node was not running), `previous` itself must arrive.
    public var previous: Int64?
    /// `Tn` (realtime ns).
    public var scheduledNs: Int64
    public var sensorMonotonicNs: Int64?
    public var sensorRealtimeNs: Int64?
    public var exposureNs: Int64?
    public var wakeErrorNs: Int64?
    public var realtimeLatenessNs: Int64?
    /// The sidecar's flags (GenlockMedia's `FrameRecord.Flags` raw value).
    public var flags: UInt32
    /// Sent live (false: back-filled from the node's local file).
    public var live: Bool
    /// The encoded packet (nil for a skipped or dropped row).
    public var payload: Payload?

    /// One encoded packet with its timestamps in the recording's time base (1/1000 s from `T0`).
    public struct Payload: Hashable, Sendable {
        public var pts: Int64
        public var dts: Int64
        public var isKeyframe: Bool
        public var data: [UInt8]
        public init(pts: Int64, dts: Int64, isKeyframe: Bool, data: [UInt8]) {
            self.pts = pts
            self.dts = dts
            self.isKeyframe = isKeyframe
            self.data = data
        }
    }

    public init(index: Int64, previous: Int64?, scheduledNs: Int64, sensorMonotonicNs: Int64? = nil, sensorRealtimeNs: Int64? = nil,
                exposureNs: Int64? = nil, wakeErrorNs: Int64? = nil, realtimeLatenessNs: Int64? = nil, flags: UInt32 = 0,
                live: Bool = true, payload: Payload? = nil) {
        self.index = index
        self.previous = previous
        self.scheduledNs = scheduledNs
        self.sensorMonotonicNs = sensorMonotonicNs
        self.sensorRealtimeNs = sensorRealtimeNs
        self.exposureNs = exposureNs
        self.wakeErrorNs = wakeErrorNs
        self.realtimeLatenessNs = realtimeLatenessNs
        self.flags = flags
        self.live = live
        self.payload = payload
    }

    func encode(_ w: inout ByteWriter) {
        w.i64(index)
        w.optionalI64(previous)
        w.i64(scheduledNs)
        w.optionalI64(sensorMonotonicNs)
        w.optionalI64(sensorRealtimeNs)
        w.optionalI64(exposureNs)
        w.optionalI64(wakeErrorNs)
        w.optionalI64(realtimeLatenessNs)
        w.u32(flags)
        w.bool(live)
        w.bool(payload != nil)
        if let payload {
            w.i64(payload.pts)
            w.i64(payload.dts)
            w.bool(payload.isKeyframe)
            w.u32(UInt32(payload.data.count))
            w.bytes += payload.data
        }
    }

    init(_ r: inout ByteReader) throws(ControlError) {
        index = try r.i64("index")
        previous = try r.optionalI64("previous index")
        scheduledNs = try r.i64("scheduled")
        sensorMonotonicNs = try r.optionalI64("sensor monotonic")
        sensorRealtimeNs = try r.optionalI64("sensor realtime")
        exposureNs = try r.optionalI64("exposure")
        wakeErrorNs = try r.optionalI64("wake error")
        realtimeLatenessNs = try r.optionalI64("realtime lateness")
        flags = try r.u32("flags")
        live = try r.bool("live")
        if let previous, previous >= index {
            throw ControlError(.malformed, "row \(index) names previous row \(previous), which is not before it")
        }
        if try r.bool("packet presence") {
            let pts = try r.i64("pts")
            let dts = try r.i64("dts")
            let key = try r.bool("keyframe")
            let count = Int(try r.u32("packet length"))
            payload = Payload(pts: pts, dts: dts, isKeyframe: key, data: try r.raw(count, "packet"))
        } else {
            payload = nil
        }
    }
}
