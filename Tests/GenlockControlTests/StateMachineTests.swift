import GenlockControl
import GenlockCore
import Testing

private let rate = try! FrameRate(parsing: "30")
private func start(_ t0: Int64 = 1_000_000_000_000, stop: Int64? = nil) -> ControlMessage {
    .start(.init(t0Ns: t0, rate: rate, firstIndex: 0, stopIndex: stop))
}

@Suite("NodeControl")
struct NodeControlTests {
    /// The actions end by closing the connection.
    private func closes(_ actions: [NodeControl.Action]) -> Bool {
        if case .close = actions.last { true } else { false }
    }

    private func ready() -> NodeControl {
        var n = NodeControl()
        n.connectionOpened(hello: nodeHello)
        #expect(n.received(.challenge(nonce: 42), sessionID: 0, sequence: 1) == [.send(.hello(nodeHello))])
        #expect(n.received(.ack(.init(sequence: 1)), sessionID: 9, sequence: 2) == [.authenticated])
        return n
    }

    @Test func startBeginsOnceAndAReconnectIsOnlyAcknowledged() {
        var n = ready()
        let first = n.received(start(), sessionID: 9, sequence: 2)
        #expect(first.count == 2)
        #expect(first.first == .send(.ack(.init(sequence: 2))))
        guard case .beginCapture(let plan) = first.last else { Issue.record("no begin"); return }
        #expect(plan.schedule.start.nanosecondsSinceEpoch == 1_000_000_000_000)
        // Reconnect: same session again, now with the stop index: acknowledged and adopted, not restarted.
        n.connectionOpened(hello: nodeHello)
        var reported = nodeHello
        reported.session = .init(t0Ns: 1_000_000_000_000, rate: rate, firstIndex: 0, stopIndex: nil)
        #expect(n.received(.challenge(nonce: 43), sessionID: 0, sequence: 1) == [.send(.hello(reported))])
        _ = n.received(.ack(.init(sequence: 1)), sessionID: 9, sequence: 2)
        #expect(n.received(start(stop: 90), sessionID: 9, sequence: 3) == [.send(.ack(.init(sequence: 3))), .stopCapture(90)])
        #expect(n.session?.stopIndex == 90)
    }

    /// A START that names the rig's ingest tells the node before the capture begins; the session a
    /// later HELLO reports is the schedule alone.
    @Test func startNamingTheIngestSaysSoBeforeTheCaptureBegins() {
        var n = ready()
        var s = ControlMessage.Start(t0Ns: 1_000_000_000_000, rate: rate, firstIndex: 0, stopIndex: nil)
        s.ingest = HostPort(host: "10.0.0.5", port: 7401)
        let actions = n.received(.start(s), sessionID: 9, sequence: 2)
        #expect(actions.count == 3)
        #expect(actions[1] == .ingestNamed(HostPort(host: "10.0.0.5", port: 7401)))
        guard case .beginCapture = actions[2] else { Issue.record("no begin after the ingest: \(actions)"); return }
        #expect(n.session?.ingest == nil)
        #expect(n.session?.t0Ns == 1_000_000_000_000)
    }

    @Test func aDifferentSessionWhileRecordingIsRefused() {
        var n = ready()
        _ = n.received(start(), sessionID: 9, sequence: 2)
        let r = n.received(start(), sessionID: 10, sequence: 3)
        guard case .send(.error(let e)) = r.first else { Issue.record("no error"); return }
        #expect(e.code == .busy)
        #expect(r.last == .close(.refusedMessage(e)))
    }

    @Test func stopMustNameTheSession() {
        var n = ready()
        #expect(closes(n.received(.stop(stopIndex: 5), sessionID: 9, sequence: 2)))
        var m = ready()
        _ = m.received(start(), sessionID: 9, sequence: 2)
        #expect(closes(m.received(.stop(stopIndex: 5), sessionID: 8, sequence: 3)))
        #expect(m.received(.stop(stopIndex: 5), sessionID: 9, sequence: 4) == [.send(.ack(.init(sequence: 4))), .stopCapture(5)])
    }

    @Test func nothingBeforeTheHelloIsAcknowledged() {
        var n = NodeControl()
        n.connectionOpened(hello: nodeHello)
        _ = n.received(.challenge(nonce: 42), sessionID: 0, sequence: 1)
        #expect(closes(n.received(start(), sessionID: 9, sequence: 2)))
        var m = NodeControl()
        m.connectionOpened(hello: nodeHello)
        _ = m.received(.challenge(nonce: 42), sessionID: 0, sequence: 1)
        #expect(closes(m.received(.heartbeat(sentAtNs: 1), sessionID: 9, sequence: 2)), "a heartbeat before the ACK is out of place")
    }
}

@Suite("CoordinatorCore")
struct CoordinatorCoreTests {
    private func hello(_ name: String, locked: Bool = true, offset: Int64 = 100) -> ControlMessage.Hello {
        .init(nodeName: name, softwareVersion: "t", capabilities: [], ptp: PTPReport(locked: locked, offsetNs: offset, portState: "SLAVE"), nonce: 1)
    }
    private func config(gate: Bool = true, min: Int? = nil) -> CoordinatorCore.Configuration {
        .init(cameras: ["a", "b", "c"], minimumCameras: min, rate: rate, lead: .seconds(2), stopMargin: .milliseconds(500), ptpGate: gate, maximumPTPOffset: .microseconds(1))
    }
    private let t = RealtimeInstant(nanosecondsSinceEpoch: 1_000_000_000_000)

    private func starts(_ actions: [CoordinatorCore.Action]) -> [ConnectionID: ControlMessage.Start] {
        var out: [ConnectionID: ControlMessage.Start] = [:]
        for case .send(let id, .start(let s)) in actions { out[id] = s }
        return out
    }

    @Test func startsWhenAllCamerasAreLockedWithT0AtNowPlusLead() {
        var core = CoordinatorCore(configuration: config(), sessionID: 1)
        _ = core.handle(.hello(1, hello("a"), sessionID: 0))
        _ = core.handle(.hello(2, hello("b", locked: false), sessionID: 0))
        #expect(starts(core.handle(.tick(now: t))).isEmpty)
        _ = core.handle(.hello(3, hello("c"), sessionID: 0))
        // b is not locked: START is held.
        #expect(starts(core.handle(.tick(now: t))).isEmpty)
        _ = core.handle(.status(2, .init(ptp: PTPReport(locked: true, offsetNs: 50, portState: "SLAVE"), framesCaptured: 0, framesSkipped: 0, lastIndex: nil, finished: false)))
        let s = starts(core.handle(.tick(now: t)))
        #expect(s.keys.sorted() == [1, 2, 3])
        #expect(s[1]?.t0Ns == t.nanosecondsSinceEpoch + 2_000_000_000)
    }

    /// A node of the rig (it holds the key) under a name the rig file lacks is refused, and the
    /// operator's log says so (only the node heard it before).
    @Test func aCameraNotInTheRigFileIsRefusedAndLogged() {
        var core = CoordinatorCore(configuration: config(), sessionID: 1)
        let actions = core.handle(.hello(1, hello("cam9"), sessionID: 0))
        #expect(actions == [.log("refused cam9: not a camera of this rig's configuration (a, b, c)"),
                            .send(1, .error(ControlError(.unexpected, "camera 'cam9' is not in this rig's configuration"))), .close(1)])
    }

    /// The rig's ingest rides in every START, a late node's too.
    @Test func startNamesTheRigsIngest() {
        var configuration = config(gate: false, min: 2)
        configuration.ingest = HostPort(host: "10.0.0.5", port: 7401)
        var core = CoordinatorCore(configuration: configuration, sessionID: 1)
        _ = core.handle(.hello(1, hello("a"), sessionID: 0))
        _ = core.handle(.hello(2, hello("b"), sessionID: 0))
        let s = starts(core.handle(.tick(now: t)))
        #expect(s.count == 2 && s.values.allSatisfy { $0.ingest == HostPort(host: "10.0.0.5", port: 7401) })
        #expect(starts(core.handle(.hello(3, hello("c"), sessionID: 0)))[3]?.ingest == HostPort(host: "10.0.0.5", port: 7401))
        var plain = CoordinatorCore(configuration: config(gate: false, min: 2), sessionID: 1)
        _ = plain.handle(.hello(1, hello("a"), sessionID: 0))
        _ = plain.handle(.hello(2, hello("b"), sessionID: 0))
        let plainStarts = starts(plain.handle(.tick(now: t)))
        #expect(plainStarts.count == 2 && plainStarts.values.allSatisfy { $0.ingest == nil })
    }

    @Test func noPTPGateAndMinimumCameras() {
        var core = CoordinatorCore(configuration: config(gate: false, min: 2), sessionID: 1)
        _ = core.handle(.hello(1, hello("a", locked: false), sessionID: 0))
        #expect(starts(core.handle(.tick(now: t))).isEmpty)
        _ = core.handle(.hello(2, hello("b", locked: false), sessionID: 0))
        #expect(starts(core.handle(.tick(now: t))).count == 2)
        // The third, late, gets the same START on connecting.
        let late = starts(core.handle(.hello(3, hello("c"), sessionID: 0)))
        #expect(late[3]?.t0Ns == t.nanosecondsSinceEpoch + 2_000_000_000)
    }

    @Test func stopPicksTheFirstIndexAtLeastTheMarginAheadAndFinishesWhenAllReport() {
        var core = CoordinatorCore(configuration: config(gate: false), sessionID: 1)
        for (i, n) in ["a", "b", "c"].enumerated() { _ = core.handle(.hello(i + 1, hello(n), sessionID: 0)) }
        _ = core.handle(.tick(now: t))
        let t0 = t + .seconds(2)
        // 10.01 s after T0: frame 301 is at +10.0333 s (23 ms ahead), so with a 500 ms margin: 316.
        let actions = core.handle(.stopRequested(now: t0 + .milliseconds(10_010)))
        var stops: [Int64] = []
        for case .send(_, .stop(let n)) in actions { stops.append(n) }
        #expect(stops == [316, 316, 316])
        #expect(core.stopIndex == 316)
        // A node reconnecting now gets START with the stop index.
        _ = core.handle(.disconnected(2))
        #expect(starts(core.handle(.hello(4, hello("b"), sessionID: 0)))[4]?.stopIndex == 316)
        let done = ControlMessage.Status(ptp: .unknown, framesCaptured: 316, framesSkipped: 0, lastIndex: 315, finished: true)
        #expect(core.handle(.status(1, done)).isEmpty)
        #expect(core.handle(.status(4, done)).isEmpty)
        let end = core.handle(.status(3, done))
        guard case .finished(let summary)? = end.last else { Issue.record("not finished: \(end)"); return }
        #expect(summary.stopIndex == 316)
        #expect(summary.nodes.count == 3)
    }

    @Test func phaseLockChangesAreLoggedOnce() {
        var core = CoordinatorCore(configuration: config(), sessionID: 1)
        _ = core.handle(.hello(1, hello("a"), sessionID: 0))
        func status(_ state: PhaseLock.State, _ errorNs: Int64) -> ControlMessage.Status {
            .init(ptp: .unknown, framesCaptured: 1, framesSkipped: 0, lastIndex: 0, finished: false, phaseLock: .init(state: state, phaseErrorNs: errorNs))
        }
        func logs(_ actions: [CoordinatorCore.Action]) -> [String] {
            actions.compactMap { if case .log(let text) = $0 { text } else { nil } }
        }
        #expect(logs(core.handle(.status(1, status(.acquiring, 9_000_000)))) == ["a phase lock acquiring, phase error 9 ms"])
        #expect(logs(core.handle(.status(1, status(.acquiring, 1_000)))).isEmpty)
        #expect(logs(core.handle(.status(1, status(.locked, 800)))) == ["a phase lock locked, phase error 800 ns"])
        #expect(logs(core.handle(.status(1, status(.locked, -300)))).isEmpty)
        #expect(logs(core.handle(.status(1, status(.lost, 250_000)))).count == 1)
    }

    @Test func unknownCameraIsRefused() {
        var core = CoordinatorCore(configuration: config(), sessionID: 1)
        let r = core.handle(.hello(1, hello("zzz"), sessionID: 0))
        #expect(r.contains(.close(1)))
    }
}

@Suite("ReconnectBackoff")
struct ReconnectBackoffTests {
    @Test func doublesToTheCapAndStartsOverAfterAConnection() {
        var b = ReconnectBackoff()
        let delays = (0..<7).map { _ in b.nextDelay().nanoseconds / 1_000_000 }
        #expect(delays == [100, 200, 400, 800, 1_600, 2_000, 2_000])
        b.reset()
        #expect(b.nextDelay() == .milliseconds(100))
    }
}
