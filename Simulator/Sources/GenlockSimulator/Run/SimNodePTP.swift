import GenlockControl
import GenlockPTP

/// What a simulated node's PTP daemon says about it, judged as a camera node judges its own:
/// the port state and offset from master that ptp4l would report at each sync (the simulated
/// servo's measured offset, noise included, never the true one), fed to the production
/// ``LockGate`` with the rig's limits. The node reports the verdict in HELLO and STATUS; the real
/// coordinator holds START until every connected node reports locked.
struct SimNodePTP: Sendable {
    /// Nil when the scenario has no start gate (every node reports locked while its servo runs).
    private(set) var gate: LockGate?
    /// LISTENING until the first sample, UNCALIBRATED until the servo's first frequency estimate
    /// (and after a step, as ptp4l does), SLAVE while it is locked.
    private(set) var portState: PortState = .listening
    /// The last offset sample (local minus master, as measured).
    private(set) var offsetNs: Int64?
    private(set) var verdict: LockGate.Verdict = .waiting(.noOffset)

    init(gate: Scenario.PTPGateModel?) {
        self.gate = gate.map { LockGate(maxOffset: .nanoseconds($0.maxOffsetNs), requiredSamples: $0.requiredSamples) }
    }

    /// One sync: the servo's state after it and the offset it measured.
    mutating func observe(_ state: PIServo.State, measuredOffsetNs: Int64) {
        switch state {
        case .unlocked: portState = portState == .listening ? .uncalibrated : portState
        case .jump: portState = .uncalibrated
        case .locked: portState = .slave
        }
        offsetNs = measuredOffsetNs
        if var g = gate {
            verdict = g.observe(PTPObservation(portState: portState, offsetNanoseconds: measuredOffsetNs))
            gate = g
        }
    }

    /// The report a node sends (HELLO, STATUS): without a gate, locked whenever its servo runs.
    func report(servoRunning: Bool) -> PTPReport {
        guard gate != nil else { return PTPReport(locked: servoRunning, offsetNs: nil, portState: "SLAVE") }
        return PTPReport(locked: verdict == .locked, offsetNs: offsetNs, portState: portState.rawValue)
    }
}
