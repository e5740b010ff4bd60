import GenlockControl
import GenlockCore
import GenlockHAL
import GenlockNode

// The control plane: the real coordinator and node endpoints (`CoordinatorEndpoint`,
// `NodeEndpoint`: the whole protocol, as `CoordinatorServer` and `NodeClient` run it), with only
// their bytes carried over simulated TCP connections. The simulated coordinator runs on the
// grandmaster's host, so its clock is the timeline itself (epoch + true time), and it starts at the
// scenario's `start-at` with whoever is connected (as `genlock coordinator --min-cameras 0` would):
// every scenario's T0 is fixed, and a node that is not connected then joins late.
extension Simulation {
    /// The coordinator's configuration for a scenario.
    static func coordinatorConfiguration(_ scenario: Scenario) -> CoordinatorCore.Configuration {
        CoordinatorCore.Configuration(
            cameras: (0..<scenario.nodes).map(nodeName), minimumCameras: 0, rate: scenario.schedule.rate,
            lead: TimeSpan(nanoseconds: scenario.schedule.leadNs), stopMargin: TimeSpan(nanoseconds: scenario.schedule.stopLeadNs),
            ptpGate: scenario.ptpGate != nil, maximumPTPOffset: .nanoseconds(scenario.ptpGate?.maxOffsetNs ?? 1_000))
    }

    static func nodeName(_ i: Int) -> String { "node\(i)" }

    /// `CoordinatorServer`'s tick and finish timeout; `genlock camera`'s tick and coordinator timeout.
    static let coordinatorTickNs: Int64 = 100_000_000
    static let finishTimeout = TimeSpan.seconds(15)
    static let nodeTickNs: Int64 = 500_000_000
    static let coordinatorTimeout = TimeSpan.seconds(30)

    /// Each node ticks at its own phase (spread over the period, no random draw).
    static func tickPhaseNs(node i: Int) -> Int64 { Int64(i) * 37_000_000 % nodeTickNs }

    /// The lifecycle a simulated node runs: the scenario's join margin, `genlock camera`'s default
    /// coordinator timeout.
    static func lifecycleConfiguration(_ scenario: Scenario) -> NodeLifecycle.Configuration {
        NodeLifecycle.Configuration(joinMargin: TimeSpan(nanoseconds: scenario.schedule.joinMarginNs), coordinatorTimeout: coordinatorTimeout)
    }

    /// What a node tells the coordinator of its PTP state: its start gate's verdict on its servo's
    /// samples (see Simulation+Gate); without a gate, locked whenever its servo runs.
    func ptpReport(_ node: SimNode) -> PTPReport { node.ptp.report(servoRunning: node.servo != nil) }

    var coordinatorNow: RealtimeInstant { RealtimeInstant(nanosecondsSinceEpoch: Self.epochNs + nowNs) }
    /// The coordinator's clock pair: its monotonic clock counts true time from the run's start.
    var coordinatorSample: ClockSample { ClockSample(realtime: coordinatorNow, monotonic: MonotonicInstant(nanoseconds: nowNs)) }

    // MARK: Connections

    /// A node's process tries to connect (at start, after a restart, after losing its connection).
    func connect(node i: Int) {
        nodeHosts[i].connecting = false
        guard nodes[i].up, !nodeHosts[i].exited, nodeHosts[i].connection == nil else { return }
        // The SYN: a lost one fails the attempt and the node retries after its backoff.
        guard let arrival = network.transit(from: .node(i), to: .coordinator, atNs: nowNs) else {
            retryConnect(node: i)
            return
        }
        let id = nextConnection
        nextConnection += 1
        connections[id] = SimConnection(node: i, coordinatorNonce: controlRandom.next() | 1, nodeNonce: controlRandom.next() | 1)
        nodeHosts[i].connection = id
        schedule(.accept(connection: Int32(id)), at: arrival)
    }

    func retryConnect(node i: Int) {
        guard !nodeHosts[i].connecting, !nodeHosts[i].exited else { return }
        nodeHosts[i].connecting = true
        schedule(.connect(node: Int32(i)), at: nowNs + nodeHosts[i].backoff.nextDelay().nanoseconds)
    }

    /// The coordinator accepts and sends its CHALLENGE; the node's end opens and answers it with
    /// HELLO (as `NodeClient` does).
    func accept(connection id: ConnectionID) {
        guard var c = connections[id], nodeHosts[c.node].connection == id, nodes[c.node].up else {
            connections[id] = nil
            return
        }
        c.established = true
        connections[id] = c
        let i = c.node
        let hello = ControlMessage.Hello(nodeName: Self.nodeName(i), softwareVersion: "sim", capabilities: [], ptp: ptpReport(nodes[i]), nonce: 0)
        nodeHosts[i].endpoint.connectionOpened(nonce: c.nodeNonce, hello: hello, at: nodes[i].monotonicNow)
        perform(coordinator.accepted(id, nonce: c.coordinatorNonce, peer: Self.nodeName(i), at: coordinatorSample.monotonic))
    }

    /// Closes `id` from one end: the other end learns it from a FIN.
    func close(_ id: ConnectionID, byCoordinator: Bool) {
        guard let c = connections[id], c.established else { return }
        connections[id]?.established = false
        if byCoordinator {
            transmit(id, toCoordinator: false, .close)
        } else {
            transmit(id, toCoordinator: true, .close)
            nodeHosts[c.node].connection = nil
        }
    }

    /// Both ends give up on a connection whose segment could not get through.
    func breakConnection(_ id: ConnectionID) {
        guard let c = connections.removeValue(forKey: id) else { return }
        if nodeHosts[c.node].connection == id { nodeLost(c.node) }
        perform(coordinator.closed(id))
    }

    /// The node's connection is gone: it reconnects, as `NodeClient` does.
    func nodeLost(_ i: Int) {
        nodeHosts[i].connection = nil
        nodeHosts[i].endpoint.connectionClosed()
        retryConnect(node: i)
    }

    // MARK: Segments

    func transmit(_ id: ConnectionID, toCoordinator: Bool, _ payload: SimSegment.Payload) {
        guard var c = connections[id] else { return }
        let node = Endpoint.node(c.node)
        let (from, to) = toCoordinator ? (node, Endpoint.coordinator) : (Endpoint.coordinator, node)
        let retransmit = scenario.network.retransmitNs, timeout = scenario.network.connectionTimeoutNs
        let outcome = toCoordinator
            ? c.toCoordinator.send(from: from, to: to, atNs: nowNs, network: &network, retransmitNs: retransmit, timeoutNs: timeout)
            : c.toNode.send(from: from, to: to, atNs: nowNs, network: &network, retransmitNs: retransmit, timeoutNs: timeout)
        connections[id] = c
        switch outcome {
        case .arrives(let at):
            let m = nextMessage
            nextMessage &+= 1
            inFlight[m] = SimSegment(connection: id, toCoordinator: toCoordinator, payload: payload)
            schedule(.delivery(message: m), at: at)
        case .breaks(let at):
            schedule(.connectionTimeout(connection: Int32(id)), at: at)
        }
    }

    func deliver(_ segment: SimSegment) {
        let id = segment.connection
        guard let c = connections[id] else { return }
        if segment.toCoordinator {
            // A hung coordinator reads nothing: its kernel keeps the bytes.
            if coordinatorHung { return }
            guard case .bytes(let bytes) = segment.payload else {
                connections[id] = nil
                perform(coordinator.closed(id))
                return
            }
            perform(coordinator.received(id, bytes, at: coordinatorSample.monotonic))
        } else {
            guard nodeHosts[c.node].connection == id, nodes[c.node].up else { return }
            guard case .bytes(let bytes) = segment.payload else {
                // The coordinator closed.
                connections[id] = nil
                nodeLost(c.node)
                return
            }
            performNode(c.node, id, nodeHosts[c.node].endpoint.received(bytes, at: nodes[c.node].monotonicNow))
        }
    }

    // MARK: Endpoint outputs

    func perform(_ outputs: [CoordinatorEndpoint.Output]) {
        for output in outputs {
            switch output {
            case .write(let id, let bytes):
                // A socket the node has closed takes no more writes.
                if connections[id]?.established == true { transmit(id, toCoordinator: false, .bytes(bytes)) }
            case .close(let id):
                close(id, byCoordinator: true)
            case .log(let text):
                coordinatorLog(text)
            case .persist:
                break  // the simulated coordinator never restarts
            case .finished(let summary):
                coordinatorFinishedNs = nowNs
                coordinatorLog("session finished at stop index \(summary.stopIndex.map(String.init) ?? "-"): every camera reported its run finished or is gone")
            }
        }
    }

    /// The coordinator decides the session: START no earlier than start-at (T0 its clock then plus
    /// the lead, see `adoptStart`), and the stop index the scenario's duration gives.
    func checkCoordinatorDecisions() {
        if let sent = startSentNs, sent < scenario.schedule.startAtNs {
            violation("the coordinator sent START before start-at")
        }
        if let n = coordinator.core.stopIndex, n != stopIndex {
            violation("the coordinator's STOP(\(n)) is not the scenario's stop index \(stopIndex)")
        }
    }

    func performNode(_ i: Int, _ id: ConnectionID, _ outputs: [NodeEndpoint.Output]) {
        for output in outputs {
            switch output {
            case .write(let bytes):
                transmit(id, toCoordinator: true, .bytes(bytes))
            case .authenticated:
                nodeHosts[i].backoff.reset()  // as `NodeClient`: only an authenticated coordinator resets it
            case .heard(let coordinatorTime):
                lifecycle(i, .coordinatorHeard(nodeSample(i), coordinatorTime: coordinatorTime))
            case .ingestNamed:
                break  // simulated nodes record no packets to stream
            case .beginCapture(let p):
                lifecycle(i, .scheduleReceived(p, nodeSample(i)))
            case .stopCapture(let n):
                lifecycle(i, .stopReceived(n))
            case .close(let reason):
                nodes[i].stats.lifecycleLog.append("closed the connection: \(reason)")
                close(id, byCoordinator: false)
                retryConnect(node: i)
            }
        }
    }

    /// The node's clock pair read exactly (no read latency drawn: the lifecycle's decisions are
    /// whole frames apart, and the capture path keeps its own random reads).
    func nodeSample(_ i: Int) -> ClockSample {
        ClockSample(realtime: nodes[i].realtimeNow, monotonic: nodes[i].monotonicNow)
    }

    /// The node's periodic tick, as `genlock camera`'s: a finished capture run is reported to the
    /// lifecycle, the endpoint's handshake and silence timeouts, then the lifecycle's tick
    /// (STATUS, the coordinator-loss timeout).
    func nodeTick(_ i: Int) {
        guard nodes[i].up, !nodeHosts[i].exited else { return }
        if case .capturing = nodeHosts[i].lifecycle.phase, let s = nodes[i].strategy, s.isFinished {
            lifecycle(i, .captureFinished(stopIndex: nodes[i].knownStop, failure: nil))
        }
        if let id = nodeHosts[i].connection, connections[id]?.established == true {
            performNode(i, id, nodeHosts[i].endpoint.tick(now: nodes[i].monotonicNow))
        }
        lifecycle(i, .tick(nodeSample(i), lastCaptured: nodes[i].lastCapturedIndex))
    }

    /// Feeds node `i`'s lifecycle and carries its actions out, as `NodeRuntime` does.
    func lifecycle(_ i: Int, _ event: NodeLifecycle.Event) {
        for action in nodeHosts[i].lifecycle.handle(event) {
            switch action {
            case .beginCapture(let p):
                beginCapture(node: i, p)
            case .stopCapture(let n):
                let node = nodes[i]
                node.knownStop = min(n, node.knownStop ?? n)
                node.strategy?.stop(at: n)
            case .abortCapture:
                nodes[i].strategy?.halt()
            case .sendStatus(let finished):
                sendStatus(node: i, finished: finished)
            case .closeRecording:
                // The simulated recording closes at once.
                lifecycle(i, .recordingClosed(failure: nil))
            case .log(_, let text):
                nodes[i].stats.lifecycleLog.append(text)
            case .exit:
                // The process ends: its kernel closes the connection.
                nodeHosts[i].exited = true
                if let id = nodeHosts[i].connection { close(id, byCoordinator: false) }
            }
        }
    }

    /// STATUS to the coordinator (dropped when not connected and authenticated, as in `NodeClient`).
    func sendStatus(node i: Int, finished: Bool) {
        let node = nodes[i]
        if finished { nodeHosts[i].endpoint.captureFinished() }
        guard !nodeHosts[i].silent, let id = nodeHosts[i].connection, connections[id]?.established == true else { return }
        let status = ControlMessage.Status(
            ptp: ptpReport(node), framesCaptured: node.stats.captured, framesSkipped: node.stats.skipped,
            lastIndex: node.lastCapturedIndex, finished: finished)
        if let bytes = nodeHosts[i].endpoint.status(status) { transmit(id, toCoordinator: true, .bytes(bytes)) }
    }

    func beginCapture(node i: Int, _ p: StartPlan) {
        let node = nodes[i]
        guard node.strategy == nil else { return }
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
            let from = node.crashedAtNs.map { $0 - periodNs } ?? startSentNs ?? scenario.schedule.startAtNs
            disturb(node: i, fromNs: from, untilNs: t.nanosecondsSinceEpoch - Self.epochNs, cause: "joined late")
        }
    }

    /// The node's process died: its kernel closes the connection; a new process (after
    /// `restart`) starts with a fresh ``NodeEndpoint``, as a restarted `genlock camera` does.
    func nodeCrashed(_ i: Int) {
        if let id = nodeHosts[i].connection { close(id, byCoordinator: false) }
        nodeHosts[i] = SimNodeHost(key: rigKey, lifecycle: Self.lifecycleConfiguration(scenario))
    }

    /// A control-plane fault: the coordinator hangs (frames after the loss index are explained by
    /// it: no STOP will come), or cameras go silent.
    func controlFault(_ kind: Scenario.Fault.Kind, targets: [Int]) {
        switch kind {
        case .coordinatorHang:
            coordinatorHung = true
            coordinatorHungAtNs = nowNs
            for i in nodes.indices { disturb(node: i, fromNs: nowNs, untilNs: endNs, cause: "coordinator hung") }
        case .silentCamera:
            for i in targets { nodeHosts[i].silent = true }
        default:
            break
        }
    }

    /// After a coordinator hang, every node that was recording stopped on one index (the one its
    /// last HEARTBEAT implies), within the coordinator timeout plus the loss grace and a tick.
    func checkCoordinatorLoss() {
        guard let hungAt = coordinatorHungAtNs else { return }
        var stops: Set<Int64> = []
        for (i, host) in nodeHosts.enumerated() where nodes[i].strategy != nil {
            guard let stop = host.lifecycle.stopIndex else {
                violation("node \(i): still recording after the coordinator hung")
                continue
            }
            stops.insert(stop)
            let bound = hungAt + Self.coordinatorTimeout.nanoseconds + Self.lifecycleConfiguration(scenario).lossGrace.nanoseconds + Self.nodeTickNs + periodNs
            if let tn = try? plan.schedule.deadline(of: stop), tn.nanosecondsSinceEpoch - Self.epochNs > bound {
                violation("node \(i): stopped at index \(stop), later than the coordinator timeout allows")
            }
        }
        if stops.count > 1 { violation("nodes stopped on different indices after the coordinator hung: \(stops.sorted())") }
    }

    func coordinatorLog(_ text: String) {
        coordinatorLogLines.append(CoordinatorLogLine(trueNs: nowNs, text: text))
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
