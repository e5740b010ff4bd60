#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A proportional-integral clock servo after linuxptp's `pi.c`: a pure function of the offset
/// samples it is fed. Offsets are local minus master (ns); the output is a frequency in ppb that
/// the caller applies negated (as ptp4l does with `clockadj_set_freq(-ppb)`), and on
/// ``State/jump`` the caller also steps the clock by minus the offset.
public struct PIServo: Hashable, Sendable {
    public struct Configuration: Hashable, Sendable {
        /// Proportional gain for this sync interval.
        public var kp: Double
        /// Integral gain for this sync interval.
        public var ki: Double
        /// Step before the first lock when |offset| exceeds this (linuxptp: 20 µs); 0 disables.
        public var firstStepThresholdNs: Int64
        /// Step (and restart) whenever |offset| exceeds this; 0 (linuxptp's default) never does.
        public var stepThresholdNs: Int64
        /// The frequency adjustment is clamped to ± this (the kernel's ADJ_FREQUENCY: 500 ppm).
        public var maxFrequencyPpb: Double

        /// linuxptp's gains for sync interval `s` seconds and the given scales:
        /// kp = min(kpScale·s^−0.3, 0.7/s), ki = min(kiScale·s^0.4, 0.3/s).
        public static func linuxptpGains(syncIntervalSeconds s: Double, kpScale: Double, kiScale: Double) -> (kp: Double, ki: Double) {
            (Swift.min(kpScale * pow(s, -0.3), 0.7 / s), Swift.min(kiScale * pow(s, 0.4), 0.3 / s))
        }

        public init(kp: Double, ki: Double, firstStepThresholdNs: Int64 = 20_000, stepThresholdNs: Int64 = 0, maxFrequencyPpb: Double = 500_000) {
            self.kp = kp
            self.ki = ki
            self.firstStepThresholdNs = firstStepThresholdNs
            self.stepThresholdNs = stepThresholdNs
            self.maxFrequencyPpb = maxFrequencyPpb
        }
    }

    public enum State: Hashable, Sendable { case unlocked, jump, locked }

    public let configuration: Configuration
    private var count = 0
    private var offsets: (Int64, Int64) = (0, 0)
    private var locals: (Int64, Int64) = (0, 0)
    /// The integrated frequency estimate (ppb).
    public private(set) var drift: Double
    private var lastFrequency: Double
    private var firstUpdate = true

    /// A servo whose drift starts at `initialFrequencyPpb` (ptp4l reads the clock's current adjustment).
    public init(configuration: Configuration, initialFrequencyPpb: Double = 0) {
        self.configuration = configuration
        drift = initialFrequencyPpb
        lastFrequency = initialFrequencyPpb
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.configuration == b.configuration && a.count == b.count && a.drift == b.drift && a.offsets == b.offsets
            && a.locals == b.locals && a.lastFrequency == b.lastFrequency && a.firstUpdate == b.firstUpdate
    }
    public func hash(into h: inout Hasher) { h.combine(count); h.combine(drift) }

    /// Feeds one offset sample taken at local time `localNs`; returns the frequency (ppb) and state.
    public mutating func sample(offsetNs offset: Int64, localNs: Int64) -> (frequencyPpb: Double, state: State) {
        let c = configuration
        var ppb = lastFrequency
        var state = State.unlocked
        switch count {
        case 0:
            offsets.0 = offset; locals.0 = localNs
            count = 1
        case 1:
            offsets.1 = offset; locals.1 = localNs
            if locals.0 >= locals.1 { count = 0; break }
            var localDiff = Double(locals.1 - locals.0) / 1e9
            localDiff += localDiff * 0.001
            let estimateInterval = Swift.min(0.016 / c.ki, 1000)
            if localDiff < estimateInterval { break }
            drift += (1e9 - drift) * Double(offsets.1 - offsets.0) / Double(locals.1 - locals.0)
            drift = Swift.max(-c.maxFrequencyPpb, Swift.min(c.maxFrequencyPpb, drift))
            let magnitude = offset.magnitude
            if (firstUpdate && c.firstStepThresholdNs > 0 && UInt64(c.firstStepThresholdNs) < magnitude)
                || (c.stepThresholdNs > 0 && UInt64(c.stepThresholdNs) < magnitude)
            {
                state = .jump
            } else {
                state = .locked
            }
            ppb = drift
            count = 2
            firstUpdate = false
        default:
            if c.stepThresholdNs > 0 && UInt64(c.stepThresholdNs) < offset.magnitude {
                count = 0
                break
            }
            let kiTerm = c.ki * Double(offset)
            ppb = c.kp * Double(offset) + drift + kiTerm
            if ppb < -c.maxFrequencyPpb {
                ppb = -c.maxFrequencyPpb
            } else if ppb > c.maxFrequencyPpb {
                ppb = c.maxFrequencyPpb
            } else {
                drift += kiTerm
            }
            state = .locked
        }
        lastFrequency = ppb
        return (ppb, state)
    }
}
