import GenlockControl
import GenlockCore

// The PTP start gate, as on a rig: each node's PTP daemon judges its own offset samples with the
// production `LockGate` (`SimNodePTP`), the node reports the verdict in the STATUS its
// `NodeLifecycle` sends twice a second, and
// the real coordinator (`CoordinatorCore` with its PTP gate on and the rig's limit) holds START
// until every connected node reports locked. The session (T0, the stop index, STOP's instant and
// the run's end) follows from the START the coordinator actually sends.
extension Simulation {
    /// The session a START sent at true time `startSentNs` leads to: T0 = the coordinator's clock
    /// then + lead; the stop index covers `duration` from T0; STOP goes `stop-lead` before it; the
    /// run ends a few seconds after (longer by any grandmaster jumps, which the servos slew out).
    static func session(_ scenario: Scenario, startSentNs: Int64) -> (plan: StartPlan, stopIndex: Int64, stopSendNs: Int64, endNs: Int64) {
        let s = scenario.schedule
        let t0 = RealtimeInstant(nanosecondsSinceEpoch: epochNs + startSentNs + s.leadNs)
        let schedule = FrameSchedule(start: t0, rate: s.rate)
        let stopIndex = (try? schedule.stopIndex(firstIndex: 0, duration: TimeSpan(nanoseconds: s.durationNs))) ?? 1
        let stopDeadline = (try? schedule.deadline(of: stopIndex))?.nanosecondsSinceEpoch ?? t0.nanosecondsSinceEpoch
        var gmJumps: Int64 = 0
        for f in scenario.faults { if case .grandmasterFailover(let by) = f.kind { gmJumps += abs(by) } }
        return (
            StartPlan(schedule: schedule, firstIndex: 0), stopIndex, max(startSentNs, stopDeadline - epochNs - s.stopLeadNs),
            stopDeadline - epochNs + max(3_000_000_000, 2 * scenario.watchdogTimeoutNs) + gmJumps
        )
    }

    /// After each coordinator tick: once it has sent START, the run's session is that START's.
    func adoptStart() {
        guard startSentNs == nil, let start = coordinator.core.start else { return }
        startSentNs = nowNs
        let session = Self.session(scenario, startSentNs: nowNs)
        if start.plan.schedule != session.plan.schedule {
            violation("the coordinator's START (T0 \(start.t0Ns)) is not its clock plus the lead")
        }
        plan = session.plan
        stopIndex = session.stopIndex
        stopSendNs = session.stopSendNs
        endNs = session.endNs
        frames.limitIndex = stopIndex
        schedule(.coordinator(step: 0), at: plan.schedule.start.nanosecondsSinceEpoch - Self.epochNs)  // the late-ACK report
        schedule(.coordinator(step: 1), at: stopSendNs)
    }

    /// How long the gate held START past `start-at` (nil: START was never sent within the run).
    var gateHeldNs: Int64? { startSentNs.map { $0 - scenario.schedule.startAtNs } }
}
