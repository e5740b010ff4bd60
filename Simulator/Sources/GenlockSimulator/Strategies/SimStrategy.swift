import GenlockCore

/// Capture code running on a simulated node: one of the compared strategies.
protocol SimStrategy: AnyObject {
    /// START arrived (the node samples its clocks itself).
    func start(_ plan: StartPlan)
    /// STOP arrived.
    func stop(at stopIndex: Int64)
    /// The node crashed or the watchdog gave up on it: drop everything, arm nothing more.
    func halt()
    /// The frame the strategy is waiting for, for the watchdog.
    var awaiting: (index: Int64, scheduled: RealtimeInstant)? { get }
    var isFinished: Bool { get }
}

