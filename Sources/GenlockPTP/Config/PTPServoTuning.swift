/// The gains of the PI servo a node's ptp4l disciplines its clock with: what `genlock ptp config`
/// writes into ptp4l.conf, and what the simulator's servo runs for a scenario that models a rig set
/// up that way (`servo.tuning`), so both read the same two numbers.
public enum PTPServoTuning: String, Hashable, Sendable, CaseIterable {
    /// linuxptp's own gains for hardware time stamps, derived from the sync interval
    /// (kp = 0.7·s^−0.3, ki = 0.3·s^0.4: kp 1.31, ki 0.13 at 8 syncs per second). Nothing is written.
    case linuxptp
    /// Genlock's: kp 0.8, ki 0.06 as constants. A Pi 5 rig's offsets are measured through ordinary
    /// switches, whose queues make each sample a few µs noisy, and the servo passes a share of that
    /// noise into the clock at every sync: the clocks then disagree by the noise, not by their
    /// oscillators. These gains filter about twice as much of it and keep the loop about as
    /// damped (ζ 0.58 against linuxptp's 0.64). What they cost: the first lock settles more
    /// slowly, and its swing after linuxptp's first frequency estimate can pass a short START gate
    /// (in the simulator, 5 syncs in a row sometimes opened it seconds early), which is why
    /// `genlock ptp wait` holds 2 s; and a frequency ramp of r ppb/s leaves r / (ki · syncs per
    /// second) ns of offset (about 20 ns at a steep 10 ppb/s), far under the noise. Halving again
    /// (kp 0.5, ki 0.02) swung for longer than even that.
    case genlock

    /// The gains to write as ptp4l's `pi_proportional_const` and `pi_integral_const` (ppb per ns of
    /// offset, used as given whatever the sync interval); nil leaves linuxptp's defaults.
    public var constants: (proportional: Double, integral: Double)? {
        switch self {
        case .linuxptp: nil
        case .genlock: (0.8, 0.06)
        }
    }
}
