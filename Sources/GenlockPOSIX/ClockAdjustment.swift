/// The kernel's frequency adjustment of CLOCK_REALTIME and CLOCK_MONOTONIC, as adjtimex reports
/// it: what ptp4l's or phc2sys's servo (ADJ_FREQUENCY) or chrony (which also moves `tick` for large
/// corrections) is slewing them at. An offset that a kernel PLL is slewing (ntpd's ADJ_OFFSET) is
/// not in it; genlock's rigs run linuxptp, which sets the frequency directly.
public struct ClockAdjustment: Hashable, Sendable {
    /// `timex.freq`: parts per million with a 16-bit binary fraction.
    public var freq: Int64
    /// `timex.tick`: microseconds added per clock tick; nominal is 10⁶ / ``ticksPerSecond``.
    public var tickMicroseconds: Int64
    /// USER_HZ (`sysconf(_SC_CLK_TCK)`), which sets the nominal tick.
    public var ticksPerSecond: Int64

    public init(freq: Int64, tickMicroseconds: Int64, ticksPerSecond: Int64) {
        self.freq = freq
        self.tickMicroseconds = tickMicroseconds
        self.ticksPerSecond = ticksPerSecond
    }

    /// The total adjustment in parts per billion (positive: the clocks run fast): `freq`, plus the
    /// tick's offset from nominal as a fraction of it.
    public var ppb: Double {
        let nominalTick = 1_000_000 / Double(ticksPerSecond > 0 ? ticksPerSecond : 100)
        return Double(freq) * 1_000 / 65_536 + (Double(tickMicroseconds) - nominalTick) / nominalTick * 1e9
    }
}
