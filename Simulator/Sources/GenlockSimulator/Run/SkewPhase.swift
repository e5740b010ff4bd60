/// Which part of a run a frame index belongs to, for the split of the exposure skew: the worst
/// state of any camera that recorded it.
public enum SkewPhase: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// Every camera is locked (request-timed capture: always, unless a fault is being recovered).
    case locked
    /// Some camera's phase lock is still acquiring, and no fault has happened yet.
    case acquiring
    /// Some camera's clock is re-converging after a clock fault (step, slew, grandmaster failover),
    /// or its phase lock is lost, or acquiring again after a fault (a crashed node's restart).
    case afterFault

    /// Worse phases rank higher: an index is in the worst phase of its cameras.
    var rank: Int {
        switch self {
        case .locked: 0
        case .acquiring: 1
        case .afterFault: 2
        }
    }

    public var description: String {
        switch self {
        case .locked: "locked"
        case .acquiring: "acquiring"
        case .afterFault: "after a fault"
        }
    }
}

/// The exposure skew of a set of frame indices split into its causes. Per index, over the cameras
/// that recorded it: `exposure` is the spread of the true exposure starts (the skew); `clocks` is
/// the spread of the true instants at which each camera's own realtime read `Tn` (what a perfect
/// capture path would leave: the nodes' true clock offsets); `residual` is the spread of each
/// camera's true exposure start minus that instant (what perfect clocks would leave: phase lock,
/// line quantisation, timestamp jitter). exposure ≤ clocks + residual, frame by frame. `floor` is
/// the exposure skew a perfect controller would leave with the same clocks: each frame's start at
/// the point of its own grid of whole lines nearest the instant its clock read `Tn` (the best each
/// camera can do on its own; the exposure skew above it is what the controller adds). It is a
/// reference, not a bound: the skew is a spread, so on a seed it can land a little under the floor
/// when the cameras' errors happen to lean the same way.
public struct SkewSplit: Sendable, Codable {
    public var phase: SkewPhase
    public var exposureNs: Quantiles?
    public var clocksNs: Quantiles?
    public var residualNs: Quantiles?
    public var floorNs: Quantiles?
}
