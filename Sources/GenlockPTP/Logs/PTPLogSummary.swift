/// The latest state a stream of ptp4l/phc2sys log lines describes, for nodes that only have logs.
///
/// Pure fold: feed lines in order, then read the fields or ask for an observation for the gate.
public struct PTPLogSummary: Hashable, Sendable {
    /// The last port state a ptp4l state-change line named.
    public var portState: PortState?
    public var lastMasterOffsetNanoseconds: Int64?
    public var lastServoState: Int?
    public var lastPathDelayNanoseconds: Int64?
    /// The last phc2sys offset for CLOCK_REALTIME (system clock against the NIC clock).
    public var lastSystemOffsetNanoseconds: Int64?
    public var bestMaster: ClockIdentity?
    /// True when ptp4l itself was selected as best master.
    public var bestMasterIsLocal: Bool = false
    /// How many "timed out while polling for tx timestamp" lines were seen (a Pi 5 pitfall).
    public var txTimestampTimeouts: Int = 0
    public var linesRead: Int = 0

    public init() {}

    public mutating func read(_ line: some StringProtocol) {
        linesRead += 1
        switch PTPLogLine(parsing: line) {
        case .masterOffset(let offset, let servo, _, let delay):
            lastMasterOffsetNanoseconds = offset
            lastServoState = servo
            lastPathDelayNanoseconds = delay
        case .clockOffset(let clock, _, let offset, _, _, _):
            if clock == "CLOCK_REALTIME" { lastSystemOffsetNanoseconds = offset }
        case .summary(let clock, _, let maxNanoseconds, _, let delay):
            // With summary_interval, ptp4l and phc2sys print only rms/max per interval. The
            // largest |offset| of the interval stands in for the offset: the gate then judges
            // the worst sample, never a lucky one.
            if clock == nil {
                lastMasterOffsetNanoseconds = maxNanoseconds
                if let delay { lastPathDelayNanoseconds = delay }
            } else if clock == "CLOCK_REALTIME" {
                lastSystemOffsetNanoseconds = maxNanoseconds
            }
        case .portStateChange(_, _, _, let to, _):
            portState = to
        case .bestMaster(let id, let isLocal):
            bestMaster = id
            bestMasterIsLocal = isLocal
        case .txTimestampTimeout:
            txTimestampTimeouts += 1
        case .other:
            break
        }
    }

    /// The gate's view: the grandmaster is a clock that chose itself and serves time.
    public var observation: PTPObservation {
        let isGrandmaster = bestMasterIsLocal && portState?.isServingTime == true
        return PTPObservation(
            portState: portState,
            offsetNanoseconds: isGrandmaster ? 0 : lastMasterOffsetNanoseconds,
            isGrandmaster: isGrandmaster,
            grandmasterPresent: nil,
            systemOffsetNanoseconds: lastSystemOffsetNanoseconds
        )
    }
}
