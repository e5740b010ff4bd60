import GenlockCore
import GenlockHAL
import Glibc

/// The (CLOCK_REALTIME, CLOCK_MONOTONIC) pair of this machine, read through clock_gettime.
public struct PosixClockPair: ClockPair {
    /// When to retry a read whose window is too wide.
    public var sampling: ClockPairSampling

    public init(sampling: ClockPairSampling = .init()) {
        self.sampling = sampling
    }

    public func sample() -> ClockSample {
        sampling.sample {
            let m1 = Syscalls.now(CLOCK_MONOTONIC)
            let r = Syscalls.now(CLOCK_REALTIME)
            let m2 = Syscalls.now(CLOCK_MONOTONIC)
            return (MonotonicInstant(nanoseconds: m1), RealtimeInstant(nanosecondsSinceEpoch: r), MonotonicInstant(nanoseconds: m2))
        }
    }

    /// Read with adjtimex (nil if it refuses, which a Linux kernel does not for a read).
    public func frequencyAdjustmentPpb() -> Double? {
        try? Syscalls.clockAdjustment().get().ppb
    }

    public func monotonicNow() -> MonotonicInstant {
        MonotonicInstant(nanoseconds: Syscalls.now(CLOCK_MONOTONIC))
    }

    /// The realtime clock now (for log lines).
    public static func realtimeNow() -> RealtimeInstant {
        RealtimeInstant(nanosecondsSinceEpoch: Syscalls.now(CLOCK_REALTIME))
    }

    /// CPU time used so far by every thread of this process (CLOCK_PROCESS_CPUTIME_ID): what a
    /// benchmark charges to work that runs on threads it does not own (an encoder's).
    public static func processCPUTime() -> TimeSpan {
        TimeSpan(nanoseconds: Syscalls.now(CLOCK_PROCESS_CPUTIME_ID))
    }
}
