/// Tells when CLOCK_REALTIME changed discontinuously: set or stepped (`clock_settime`, the
/// `ADJ_SETOFFSET` steps ptp4l and phc2sys make, an operator's `date -s`), as opposed to slewed.
///
/// A deadline armed on the monotonic clock was converted from realtime through a clock pair
/// sampled before the step, so it now points at the wrong instant: a deadline timer built with a
/// step source fires early with ``TimerFiring/Cause/realtimeStep`` so that its consumer can
/// re-sample the pair and re-arm. The real source is the kernel's `TFD_TIMER_CANCEL_ON_SET`
/// signal (`CancelOnSetStepSource` in GenlockPOSIX); tests inject their own.
public protocol RealtimeStepSource: AnyObject, Sendable {
    /// Begins delivering: `onStep` runs on the source's own context once for each step noticed
    /// (steps closer together than the source can tell apart may be reported once). One
    /// subscriber per source; starting twice throws.
    func start(_ onStep: @escaping @Sendable () -> Void) throws(DeadlineTimerError)
    /// Stops delivering for good. After it returns `onStep` never runs again. Idempotent.
    func shutdown()
}
