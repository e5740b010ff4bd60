import GenlockCore
import GenlockHAL

// Invariants checked while running, ground-truth records, the watchdog, and the end-of-run checks.
extension Simulation {
    // MARK: Invariants and records

    func disturb(node: Int, fromNs: Int64, untilNs: Int64, cause: String) {
        disturbances[node].append((fromNs, untilNs, cause))
    }

    func violation(_ text: String) {
        violationCount += 1
        if violations.count < 100 { violations.append("at true \(TimeSpanFormat.text(nowNs)): \(text)") }
    }

    /// Checks a capture decision: indices strictly increase and mean `Tn` (the realtime reading the
    /// strategy acted on lies in [Tn, Tn+1)); nothing before START; nothing at or after a known stop index.
    func checkCapture(node: SimNode, index: Int64, scheduled: RealtimeInstant, reading: RealtimeInstant) {
        if let last = node.lastCapturedIndex, index <= last {
            violation("node \(node.id): frame \(index) captured after frame \(last) (indices must strictly increase)")
        }
        let tn = try? plan.schedule.deadline(of: index)
        if tn != scheduled { violation("node \(node.id): frame \(index) scheduled at \(scheduled), but Tn is \(String(describing: tn))") }
        let next = try? plan.schedule.deadline(of: index + 1)
        if let tn, let next, !(reading >= tn && reading < next) {
            violation("node \(node.id): frame \(index) captured when realtime read \(reading.nanosecondsSinceEpoch) ns, \(TimeSpanFormat.text((reading - tn).nanoseconds)) from Tn (must be in [Tn, Tn+1))")
        }
        if let start = node.startReading, let tn, tn < start {
            violation("node \(node.id): frame \(index) is due before START reached the node")
        }
        if index < plan.firstIndex { violation("node \(node.id): frame \(index) before the session's first index") }
        if let stop = node.knownStop, index >= stop {
            violation("node \(node.id): frame \(index) captured at or after the known stop index \(stop)")
        }
    }

    /// Checks a phase-locked frame: indices strictly increase, the index is the `Tn` nearest the
    /// exposure start the node measured (so frame n means `Tn`), nothing before the session's first
    /// index or at or after a known stop index.
    func checkStreamed(node: SimNode, index: Int64, measured: RealtimeInstant) {
        if let last = node.lastCapturedIndex, index <= last {
            violation("node \(node.id): frame \(index) recorded after frame \(last) (indices must strictly increase)")
        }
        if let tn = try? plan.schedule.deadline(of: index), 2 * abs((measured - tn).nanoseconds) > periodNs + 1 {
            violation("node \(node.id): frame \(index) exposed \(TimeSpanFormat.text((measured - tn).nanoseconds)) from Tn (more than half a frame)")
        }
        if index < plan.firstIndex { violation("node \(node.id): frame \(index) before the session's first index") }
        if let stop = node.knownStop, index >= stop {
            violation("node \(node.id): frame \(index) recorded at or after the known stop index \(stop)")
        }
    }

    func record(_ truth: FrameTruth) {
        trace.record(truth.index, Int64(truth.node), truth.exposureStartTrueNs, truth.requestTrueNs)
        truthSink?(truth)
        if truth.index >= stopIndex {
            nodes[truth.node].stats.droppedAtOrAfterStop += 1  // the recording layer drops it
            return
        }
        while frames.needsRoom(for: truth.index) { frames.finalizeNext(finalize) }
        let node = nodes[truth.node]
        // The camera's own clock read Tn at (very nearly) true time exposure − residual: the node's
        // rate is within 0.1 % of true, so the inverse over a few µs is exact to the ns.
        var residual: Int64 = 0
        if let tn = try? plan.schedule.deadline(of: truth.index) {
            residual = (node.clock.realtime(atTrue: truth.exposureStartTrueNs) - tn).nanoseconds
        }
        // The true line time exactly (a fast crystal makes lines short), for the perfect controller's floor.
        let lineTimeTruePs = frames.measuresFloor ? Double(node.sensor.timing.lineTimePs) * 1e12 / (1e12 + Double(node.sensor.crystalPpt)) : 0
        frames.add(truth, residualNs: residual, lineTimeTruePs: lineTimeTruePs, phase: skewPhase(node))
        node.frameLockState = nil
    }

    /// The phase a node's frame belongs to (see ``SkewPhase``).
    func skewPhase(_ node: SimNode) -> SkewPhase {
        if node.convergeFromNs != nil { return .afterFault }
        switch node.frameLockState {
        case .lost?: return .afterFault
        case .acquiring?, .unpaced?: return firstFaultNs == nil ? .acquiring : .afterFault
        case .locked?, nil: return .locked
        }
    }

    func finalize(_ index: Int64, _ mask: UInt64) {
        // Coverage: every node expected at this index captured it, unless a fault explains it.
        guard let tn = try? plan.schedule.deadline(of: index) else { return }
        let trueT = tn.nanosecondsSinceEpoch - Self.epochNs
        let slack = periodNs + 1_000_000 + grandmasterJumpTotalNs
        for node in nodes where mask & (1 << UInt64(node.id)) == 0 {
            guard let joined = node.stats.joinedAt.first, index >= joined, index < stopIndex else { continue }
            if node.deadlocked { continue }  // reported as a deadlock already
            let explained = disturbances[node.id].contains { trueT >= $0.fromNs - slack && trueT <= $0.untilNs + slack }
            if !explained {
                violation("node \(node.id): frame \(index) missing from its recording with no fault to explain it")
            }
        }
    }

    func watchdog() {
        let now = nowNs
        for node in nodes {
            guard let (index, tn) = node.awaiting else {
                node.watchedIndex = nil
                node.overdueSinceNs = nil
                continue
            }
            if node.watchedIndex != index {
                node.watchedIndex = index
                node.overdueSinceNs = nil
            }
            let realtime = node.realtimeNow
            if realtime >= tn {
                if node.overdueSinceNs == nil { node.overdueSinceNs = now }
                if now - node.overdueSinceNs! >= scenario.watchdogTimeoutNs {
                    let d = Deadlock(node: node.id, index: index, scheduledNs: tn.nanosecondsSinceEpoch, detectedAtTrueNs: now, realtimeNs: realtime.nanosecondsSinceEpoch)
                    deadlocks.append(d)
                    node.deadlocked = true
                    node.strategy?.halt()
                    trace.record(now, 30, Int64(node.id), index)
                }
            } else {
                node.overdueSinceNs = nil
            }
        }
        // Before START (a gate may hold it) the plan is only the nominal one: nothing to finalize.
        if startSentNs != nil {
            frames.finalize(before: now - 8_000_000_000, schedule: plan.schedule, epochNs: Self.epochNs, finalize: finalize)
        }
    }

    func finishRun() {
        if startSentNs != nil {
            frames.finalize(before: Int64.max, schedule: plan.schedule, epochNs: Self.epochNs, finalize: finalize)
        }
        checkCoordinatorLoss()
        for node in nodes where node.up && !node.deadlocked {
            if let s = node.strategy, !s.isFinished {
                // Nothing left pending: a wait that outlived the run although its instant had come is
                // a deadlock too. (A node whose realtime was stepped far back is legitimately still
                // waiting; the frames it misses are explained by that step.)
                if let (index, tn) = s.awaiting {
                    guard node.realtimeNow >= tn else { continue }
                    deadlocks.append(Deadlock(node: node.id, index: index, scheduledNs: tn.nanosecondsSinceEpoch, detectedAtTrueNs: nowNs, realtimeNs: node.realtimeNow.nanosecondsSinceEpoch))
                } else {
                    violation("node \(node.id): still running at the end of the run")
                }
            } else if node.strategy == nil {
                violation("node \(node.id): never received START")
            }
        }
    }

    // Slew ends ride on fault indices past the scenario's list.
    func slewEnd(_ index: Int) -> [Int]? {
        let k = index - scenario.faults.count
        return k >= 0 && k < slewEnds.count ? slewEnds[k].nodes : nil
    }

    var networkStats: (sent: Int64, lost: Int64) { (network.sent, network.lost) }
}
