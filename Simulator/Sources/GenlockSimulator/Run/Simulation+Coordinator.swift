import GenlockCore
import GenlockHAL

// The coordinator: START and STOP over the simulated network, acknowledgements, hello after a restart.
extension Simulation {
    // MARK: Network and coordinator

    func send(_ message: ControlMessage, from: Endpoint, to: Endpoint) {
        guard let at = network.transit(from: from, to: to, atNs: nowNs) else { return }
        let id = nextMessage
        nextMessage &+= 1
        inFlight[id] = (from, to, message)
        schedule(.delivery(message: id), at: at)
    }

    func coordinatorStep(_ step: Int) {
        let retransmit = scenario.network.retransmitNs
        if step == 0 {
            var pending = false
            var announced = plan
            if stopSent { announced.stopIndex = stopIndex }
            for i in nodes.indices where !startAcked[i] {
                send(.start(announced), from: .coordinator, to: .node(i))
                pending = true
            }
            startLoopActive = pending
            if pending { schedule(.coordinator(step: 0), at: nowNs + retransmit) }
        } else {
            stopSent = true
            var pending = false
            for i in nodes.indices where !stopAcked[i] {
                send(.stop(stopIndex: stopIndex), from: .coordinator, to: .node(i))
                pending = true
            }
            stopLoopActive = pending
            if pending && nowNs < endNs { schedule(.coordinator(step: 1), at: nowNs + retransmit) }
        }
    }

    func deliver(_ message: ControlMessage, from: Endpoint, to: Endpoint) {
        switch to {
        case .coordinator:
            guard case .node(let i) = from else { return }
            switch message {
            case .startAck: startAcked[i] = true
            case .stopAck: stopAcked[i] = true
            case .hello:
                startAcked[i] = false
                if !startLoopActive {
                    startLoopActive = true
                    coordinatorStep(0)
                }
            default: break
            }
        case .node(let i):
            let node = nodes[i]
            guard node.up else { return }
            switch message {
            case .start(let p):
                if node.strategy == nil {
                    node.startReading = node.realtimeNow
                    node.stats.startReadingsNs.append(node.realtimeNow.nanosecondsSinceEpoch)
                    node.startDeliveredNs = nowNs
                    let s = makeStrategy(node)
                    node.strategy = s
                    if let stop = p.stopIndex { node.knownStop = stop }
                    s.start(p)
                    if let first = node.stats.joinedAt.last, first > p.firstIndex, let t = try? p.schedule.deadline(of: first) {
                        // Frames before a late join are explained by the late START.
                        // (After a crash, only the frames since the crash.)
                        let from = node.crashedAtNs.map { $0 - periodNs } ?? scenario.schedule.startAtNs
                        disturb(node: i, fromNs: from, untilNs: t.nanosecondsSinceEpoch - Self.epochNs, cause: "joined late")
                    }
                }
                send(.startAck, from: .node(i), to: .coordinator)
            case .stop(let n):
                node.knownStop = min(n, node.knownStop ?? n)
                node.strategy?.stop(at: n)
                send(.stopAck, from: .node(i), to: .coordinator)
            default:
                break
            }
        }
    }

    func makeStrategy(_ node: SimNode) -> SimStrategy {
        let margin = scenario.schedule.joinMarginNs
        switch strategy {
        case .genlock where capture == .phaseLocked:
            return PhaseLockedStrategy(node: node, joinMarginNs: margin, configuration: scenario.strategies.phaseLock)
        case .genlock: return GenlockStrategy(node: node, joinMarginNs: margin)
        case .naive:
            return NaiveStrategy(node: node, joinMarginNs: margin, pollNs: scenario.strategies.naivePollNs, granularityNs: scenario.strategies.naiveGranularityNs)
        case .realtimeTimer: return RealtimeTimerStrategy(node: node, joinMarginNs: margin)
        case .monotonic: return MonotonicStrategy(node: node, joinMarginNs: margin, reanchorNs: scenario.strategies.monotonicReanchorNs)
        }
    }
}
