import GenlockCore

/// Ground truth of one captured frame.
public struct FrameTruth: Hashable, Sendable {
    public var node: Int
    /// Frame index: means `Tn`.
    public var index: Int64
    /// True time the request was queued.
    public var requestTrueNs: Int64
    /// True time row 0 started exposing; row r starts `r × lineTimeTrueNs` later.
    public var exposureStartTrueNs: Int64
    public var exposureNs: Int64
    public var lineTimeTrueNs: Int64
    /// Every row exposes together (the line time only sets the frame-length granularity).
    public var globalShutter: Bool
    /// The sensor's own frame counter.
    public var sensorFrame: Int64
    /// What the Pi 5 driver reports: monotonic at the frame-start interrupt (end of row 0's exposure + latency).
    public var sensorTimestamp: MonotonicInstant

    /// True exposure start of row `row` (rolling shutter: `row` line times after row 0).
    public func exposureStartTrueNs(row: Int64) -> Int64 { globalShutter ? exposureStartTrueNs : exposureStartTrueNs + row * lineTimeTrueNs }
}
