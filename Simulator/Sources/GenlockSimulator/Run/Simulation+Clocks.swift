import GenlockCore
import GenlockHAL

// The PTP servo at each sync, and the fault timeline.
extension Simulation {
    // MARK: PTP

    func servoSample(_ node: SimNode) {
        guard var servo = node.servo else { return }
        let now = nowNs
        let sv = scenario.servo
        // Oscillator wander: a random walk, one step per sync interval.
        if scenario.clock.wanderPpbPerSqrtSecond > 0 {
            let sigmaPpt = scenario.clock.wanderPpbPerSqrtSecond * 1000 * (Double(sv.syncIntervalNs) / 1e9).squareRoot()
            let step = Int64(node.servoRandom.gaussian(sigma: sigmaPpt).rounded())
            node.clock.setOscillator(ppt: node.clock.oscillatorPpt + step, atTrue: now)
        }
        let local = node.clock.realtime(atTrue: now).nanosecondsSinceEpoch
        let trueOffset = local - referenceNs(atTrue: now)
        let measured = trueOffset + node.servoRandom.gaussian(sigma: sv.measurementNoiseNs)
        let (ppb, state) = servo.sample(offsetNs: measured, localNs: local)
        node.servo = servo
        node.ptp.observe(state, measuredOffsetNs: measured)
        switch state {
        case .unlocked:
            break
        case .jump:
            node.clock.stepRealtime(by: -measured)
            node.clock.setAdjustment(ppt: Int64((-ppb * 1000).rounded()), atTrue: now)
            node.stats.servoSteps += 1
            trace.record(now, 20, Int64(node.id), -measured)
        case .locked:
            node.clock.setAdjustment(ppt: Int64((-ppb * 1000).rounded()), atTrue: now)
        }
        node.clockChanged()
        // Re-convergence after a clock fault: three consecutive samples within the threshold.
        if let from = node.convergeFromNs {
            let after = node.clock.realtime(atTrue: now).nanosecondsSinceEpoch - referenceNs(atTrue: now)
            if after.magnitude <= UInt64(sv.convergedWithinNs) {
                node.convergedSamples += 1
                if node.convergedSamples >= 3 {
                    node.stats.reconvergenceNs[node.stats.reconvergenceNs.count - 1] = now - from
                    node.convergeFromNs = nil
                }
            } else {
                node.convergedSamples = 0
            }
        }
    }

    func clockFault(_ node: SimNode) {
        if node.convergeFromNs == nil { node.stats.reconvergenceNs.append(nil) }
        node.convergeFromNs = nowNs
        node.convergedSamples = 0
    }

    // MARK: Faults

    func apply(_ fault: Scenario.Fault) {
        let targets = scenario.targets(of: fault)
        let now = nowNs
        // Lost messages disturb no exposure; every other fault starts the "after a fault" phase.
        if firstFaultNs == nil { if case .messageLoss = fault.kind {} else { firstFaultNs = now } }
        switch fault.kind {
        case .step(let by):
            for i in targets {
                let node = nodes[i]
                // The indices the step disturbs are those near the node's own realtime, which may be
                // far from the reference (an earlier step not yet slewed out): widen by that offset.
                let before = abs(node.clock.realtime(atTrue: now).nanosecondsSinceEpoch - referenceNs(atTrue: now))
                node.clock.stepRealtime(by: by)
                node.clockChanged()
                clockFault(node)
                let after = abs(node.clock.realtime(atTrue: now).nanosecondsSinceEpoch - referenceNs(atTrue: now))
                let offset = max(before, after)
                // Frames whose instants were jumped over (or repeated) are explained by the step.
                disturb(node: i, fromNs: now - periodNs - offset, untilNs: now + abs(by) + 2 * periodNs + offset, cause: "realtime step \(TimeSpanFormat.text(by))")
            }
        case .slew(let ppm, let duration):
            for i in targets {
                let node = nodes[i]
                node.clock.setSlew(ppt: Int64(ppm * Double(NodeClock.pptPerPpm)), atTrue: now)
                node.clockChanged()
                clockFault(node)
            }
            // The slew ends by itself: a fault entry of its own, applied through a zero slew.
            endSlew(targets, at: now + duration)
        case .grandmasterFailover(let by):
            grandmasterOffsetNs += by
            grandmasterJumpTotalNs += abs(by)
            for node in nodes { clockFault(node) }
        case .messageLoss(let ppm, let duration):
            network.addLossWindow(.init(fromNs: now, untilNs: now + duration, nodes: fault.nodes.map(Set.init), lossPpm: ppm))
        case .crash(let down):
            for i in targets where nodes[i].up {
                nodes[i].crash()
                nodeCrashed(i)
                disturb(node: i, fromNs: now - periodNs, untilNs: now + down, cause: "crash")
                schedule(.restart(node: Int32(i)), at: now + down)
            }
        case .timerOverrun(let by):
            for i in targets { nodes[i].overrun(byNs: by) }
        case .coordinatorHang, .silentCamera:
            controlFault(fault.kind, targets: targets)
        }
    }

    func endSlew(_ targets: [Int], at t: Int64) {
        // Reuse the fault event channel with an index past the scenario's faults.
        slewEnds.append((t, targets))
        schedule(.fault(index: Int32(scenario.faults.count + slewEnds.count - 1)), at: t)
    }
}
