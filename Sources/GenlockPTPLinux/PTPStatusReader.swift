import GenlockCore
import GenlockPTP

/// One status reading of a node: ptp4l through pmc, plus the system clock's offset from the
/// NIC clock when an interface is given.
public struct PTPStatusReader: Sendable {
    public var pmc: PMCClient
    public var systemOffset: SystemOffsetReader?

    public init(pmc: PMCClient, systemOffset: SystemOffsetReader? = nil) {
        self.pmc = pmc
        self.systemOffset = systemOffset
    }

    /// A reading: the snapshot, and the system offset (nil when not asked for).
    public struct Reading: Sendable, Hashable {
        public var snapshot: PTP4LSnapshot
        public var systemOffsetNanoseconds: Int64?
        /// Why the system offset could not be measured, when it was asked for.
        public var systemOffsetError: String?
        public var observation: PTPObservation {
            snapshot.observation(systemOffsetNanoseconds: systemOffsetNanoseconds, systemOffsetError: systemOffsetError)
        }
    }

    /// Throws only when ptp4l itself cannot be read; a failed system clock measurement is part
    /// of the reading (and keeps the gate closed).
    public func read() throws(PTPReadError) -> Reading {
        let snapshot = try pmc.snapshot()
        var reading = Reading(snapshot: snapshot)
        if let systemOffset {
            do {
                reading.systemOffsetNanoseconds = try systemOffset.offsetNanoseconds(snapshot: snapshot)
            } catch {
                reading.systemOffsetError = error.description
            }
        }
        return reading
    }

    /// Reads once and judges the reading with a fresh gate (K = 1): the answer for `ptp status`.
    public func status(maxOffset: TimeSpan, maxSystemOffset: TimeSpan? = nil) -> PTPStatus {
        var gate = LockGate(maxOffset: maxOffset, requiredSamples: 1, maxSystemOffset: maxSystemOffset)
        return status(judgedBy: &gate)
    }

    /// Reads once and feeds the reading to `gate`, which remembers the readings before it (a
    /// reading that fails counts against the lock): `ptp wait` and the camera node's reports.
    public func status(judgedBy gate: inout LockGate) -> PTPStatus {
        do {
            let reading = try read()
            let verdict = gate.observe(reading.observation)
            return reading.snapshot.status(verdict: verdict, systemOffsetNanoseconds: reading.systemOffsetNanoseconds)
        } catch {
            _ = gate.observeUnavailable(error.description)
            return PTPStatus(locked: false, reason: error.description)
        }
    }
}
