/// A schedule of LED flashes on the shared realtime timeline, for measuring true exposure skew
/// (DESIGN.md, "Measuring true skew with an LED").
///
/// Flash `k` turns on at `firstFlash + k·period + (k mod sweepSteps)·sweepStep` and stays on for
/// `width`. With a rolling shutter a flash much shorter than the exposure lights a band of rows
/// whose edges give the frame's exposure start; a global-shutter sensor lights all rows or none,
/// so the sweep steps successive flashes through the exposure window instead.
///
/// Pure value: the same plan drives the GPIO line on a node, the synthetic renderer and the
/// analyzer, so all three agree on every flash instant by construction.
public struct FlashPlan: Hashable, Sendable {
    /// On-instant of flash 0.
    public var firstFlash: RealtimeInstant
    /// How long the LED stays lit.
    public var width: TimeSpan
    /// Time between successive flashes (before the sweep offset).
    public var period: TimeSpan
    /// Number of flashes.
    public var count: Int
    /// Extra delay added per step of the sweep (zero: no sweep).
    public var sweepStep: TimeSpan
    /// Steps in one sweep cycle (1: no sweep).
    public var sweepSteps: Int

    /// Checks the plan: positive width, period and count, flashes that never overlap, and
    /// instants that stay within 64-bit nanoseconds.
    public init(firstFlash: RealtimeInstant, width: TimeSpan, period: TimeSpan, count: Int,
                sweepStep: TimeSpan = .zero, sweepSteps: Int = 1) throws(FlashPlanError) {
        guard width.nanoseconds > 0 else { throw FlashPlanError("width must be positive, got \(width)") }
        guard period.nanoseconds > 0 else { throw FlashPlanError("period must be positive, got \(period)") }
        guard count > 0 else { throw FlashPlanError("count must be positive, got \(count)") }
        guard sweepSteps >= 1 else { throw FlashPlanError("sweep steps must be at least 1, got \(sweepSteps)") }
        guard sweepStep.nanoseconds >= 0 else { throw FlashPlanError("sweep step must not be negative, got \(sweepStep)") }
        // The widest sweep offset plus the width must fit inside one period, or flashes overlap.
        let (sweepSpan, o1) = sweepStep.nanoseconds.multipliedReportingOverflow(by: Int64(sweepSteps - 1))
        let (busy, o2) = sweepSpan.addingReportingOverflow(width.nanoseconds)
        guard !o1, !o2, busy < period.nanoseconds else {
            throw FlashPlanError("width \(width) plus the sweep (\(sweepSteps - 1) × \(sweepStep)) must be shorter than the period \(period)")
        }
        let (last, o3) = period.nanoseconds.multipliedReportingOverflow(by: Int64(count - 1))
        let (end, o4) = firstFlash.nanosecondsSinceEpoch.addingReportingOverflow(last)
        guard !o3, !o4, !end.addingReportingOverflow(busy).overflow else {
            throw FlashPlanError("\(count) flashes every \(period) overflow the 64-bit nanosecond timeline")
        }
        self.firstFlash = firstFlash
        self.width = width
        self.period = period
        self.count = count
        self.sweepStep = sweepStep
        self.sweepSteps = sweepSteps
    }

    /// On-instant of flash `k` (0 ≤ k < count).
    public func onInstant(_ k: Int) -> RealtimeInstant {
        precondition(k >= 0 && k < count, "flash \(k) outside 0..<\(count)")
        let offset = Int64(k) * period.nanoseconds + Int64(k % sweepSteps) * sweepStep.nanoseconds
        return firstFlash + .nanoseconds(offset)
    }

    /// Off-instant of flash `k`.
    public func offInstant(_ k: Int) -> RealtimeInstant { onInstant(k) + width }
}

/// Why a flash plan was refused.
public struct FlashPlanError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
