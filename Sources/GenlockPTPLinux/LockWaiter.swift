import GenlockCore
import GenlockPTP
import GenlockPOSIX
import Glibc

/// Polls a node until the lock gate opens or a deadline passes: `genlock ptp wait` and the
/// camera node's start gate.
public struct LockWaiter: Sendable {
    public var reader: PTPStatusReader
    public var maxOffset: TimeSpan
    public var maxSystemOffset: TimeSpan?
    public var requiredSamples: Int
    /// Time between readings; ptp4l updates its offset at the sync rate (8/s in our configs).
    public var interval: TimeSpan

    public init(reader: PTPStatusReader, maxOffset: TimeSpan, maxSystemOffset: TimeSpan? = nil, requiredSamples: Int, interval: TimeSpan = .milliseconds(250)) {
        self.reader = reader
        self.maxOffset = maxOffset
        self.maxSystemOffset = maxSystemOffset
        self.requiredSamples = requiredSamples
        self.interval = interval
    }

    public enum Outcome: Sendable, Hashable {
        /// Locked; the last status.
        case locked(PTPStatus)
        /// The deadline passed; the last status, whose reason says why.
        case timedOut(PTPStatus)
    }

    /// Waits at most `timeout` (plus one reading, itself bounded by the pmc timeout).
    /// `progress` sees every status, for logging.
    public func wait(timeout: TimeSpan, progress: (PTPStatus) -> Void = { _ in }) -> Outcome {
        var gate = LockGate(maxOffset: maxOffset, requiredSamples: requiredSamples, maxSystemOffset: maxSystemOffset)
        let deadline = ProcessRunner.monotonicNow() + timeout.nanoseconds
        var last = PTPStatus(locked: false, reason: "no reading yet")
        while true {
            last = reader.status(judgedBy: &gate)
            progress(last)
            if last.locked { return .locked(last) }
            let now = ProcessRunner.monotonicNow()
            if now >= deadline { return .timedOut(last) }
            FileIO.sleep(for: TimeSpan(nanoseconds: min(interval.nanoseconds, deadline - now)))
        }
    }
}
