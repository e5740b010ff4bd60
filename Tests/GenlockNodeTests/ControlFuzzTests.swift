import GenlockControl
import GenlockCore
import GenlockMedia
import GenlockNode
import GenlockTesting
import Testing

/// Issue 13, item 5: whatever START, STOP, STATUS or HEARTBEAT values a key holder sends, the
/// node's arithmetic does not trap. Each seeded case runs a real handshake, then one message of
/// random and edge values through `NodeEndpoint`; a START that is acknowledged goes through
/// `NodeLifecycle` (ticks, STOP, a local stop, the coordinator-loss timeout) and the recording's
/// `PresentationClock`. Reaching the end is the check that nothing trapped; the expectations say
/// what the node did with each.
@Suite struct ControlFuzzTests {
    static let key = try! RigKey(bytes: Array(repeating: 3, count: 32))
    static let edges: [Int64] = [.min, .min + 1, -1_000_000_000, -1, 0, 1, 2, 1_000_000_007, 1_800_000_000_000_000_000, .max / 2, .max - 1, .max]

    private func value(_ rng: inout SplitMix) -> Int64 {
        Bool.random(using: &rng) ? Self.edges.randomElement(using: &rng)! : Int64(bitPattern: rng.next())
    }

    private func rate(_ rng: inout SplitMix) -> FrameRate {
        let candidates: [(Int64, Int64)] = [(30, 1), (30_000, 1_001), (1_000, 1), (1, 3_600), (FrameRate.maximumTerm, FrameRate.maximumTerm)]
        let (n, d) = Bool.random(using: &rng) ? candidates.randomElement(using: &rng)! : (Int64.random(in: 1...1_000, using: &rng), Int64.random(in: 1...1_000, using: &rng))
        return (try? FrameRate(numerator: n, denominator: d)) ?? (try! FrameRate(numerator: 30))
    }

    /// A node endpoint after the handshake with a coordinator played by a bare connection.
    private func handshaken(nonce: UInt64) -> (NodeEndpoint, ControlConnection) {
        var node = NodeEndpoint(key: Self.key)
        var coordinator = ControlConnection(role: .coordinator, key: Self.key, localNonce: nonce &+ 1 | 1)
        node.connectionOpened(nonce: nonce | 1, hello: .init(nodeName: "cam1", softwareVersion: "t", capabilities: [], ptp: .unknown, nonce: 0),
                              at: MonotonicInstant(nanoseconds: 0))
        let hello = node.received(coordinator.encode(.challenge(nonce: coordinator.localNonce), sessionID: 0).bytes, at: MonotonicInstant(nanoseconds: 0))
        for case .write(let bytes) in hello { _ = coordinator.receive(bytes) }
        _ = node.received(coordinator.encode(.ack(.init(sequence: 1)), sessionID: 9).bytes, at: MonotonicInstant(nanoseconds: 0))
        return (node, coordinator)
    }

    @Test func randomAndEdgeValuesThroughTheNodeNeverTrap() {
        var rng = SplitMix(state: 0x5EED_0013)
        var begun = 0, refused = 0, stopped = 0
        for i in 0..<3_000 {
            var (node, coordinator) = handshaken(nonce: UInt64(i) &* 7919)
            let kind = i % 4
            let message: ControlMessage
            switch kind {
            case 0, 1:
                let first = Bool.random(using: &rng) ? Int64.random(in: 0...1_000, using: &rng) : max(0, value(&rng))
                var stop: Int64? = Bool.random(using: &rng) ? value(&rng) : nil
                if let s = stop, s < first { stop = Bool.random(using: &rng) ? nil : first }
                message = .start(.init(t0Ns: value(&rng), rate: rate(&rng), firstIndex: first, stopIndex: stop))
            case 2:
                message = .heartbeat(sentAtNs: value(&rng))
            default:
                message = .status(.init(ptp: .init(locked: true, offsetNs: value(&rng), portState: "SLAVE"), framesCaptured: value(&rng),
                                        framesSkipped: value(&rng), lastIndex: value(&rng), finished: Bool.random(using: &rng),
                                        phaseLock: .init(state: .locked, phaseErrorNs: value(&rng))))
            }
            let outputs = node.received(coordinator.encode(message, sessionID: 9).bytes, at: MonotonicInstant(nanoseconds: 1_000))
            if case .close(.refusedMessage) = outputs.last { refused += 1 }
            guard let plan = outputs.lazy.compactMap({ if case .beginCapture(let p) = $0 { p } else { nil } }).first else { continue }
            begun += 1
            // The acknowledged plan through the lifecycle. The key holder chooses T0, not the node's
            // clock: it reads around T0 when T0 is near a real date, around 2030 otherwise.
            var lifecycle = NodeLifecycle(configuration: .init(coordinatorTimeout: .seconds(1)))
            let base = min(plan.schedule.start.nanosecondsSinceEpoch, 1_900_000_000_000_000_000)
            func sample(_ offset: Int64) -> ClockSample {
                ClockSample(realtime: RealtimeInstant(nanosecondsSinceEpoch: base + offset), monotonic: MonotonicInstant(nanoseconds: 10_000_000_000 + offset))
            }
            _ = lifecycle.handle(.scheduleReceived(plan, sample(-1_000)))
            _ = lifecycle.handle(.coordinatorHeard(sample(0), coordinatorTime: RealtimeInstant(nanosecondsSinceEpoch: value(&rng))))
            _ = lifecycle.handle(.tick(sample(500_000_000), lastCaptured: plan.firstIndex))
            let late = lifecycle.handle(.tick(sample(3_000_000_000), lastCaptured: plan.firstIndex))
            if late.contains(where: { if case .stopCapture = $0 { true } else { false } }) { stopped += 1 }
            _ = lifecycle.handle(.stopReceived(max(0, value(&rng))))
            _ = lifecycle.handle(.localStop(reason: "SIGTERM", sample(4_000_000_000), lastCaptured: plan.firstIndex))
            // And the recording's clock, whose epoch is T0.
            let clock = PresentationClock(epoch: plan.schedule.start)
            for index in [plan.firstIndex, plan.firstIndex &+ 1, plan.stopIndex ?? plan.firstIndex] {
                if let tn = try? plan.schedule.deadline(of: index) { _ = clock.instant(ofPTS: clock.pts(of: tn)) }
            }
            // A STOP of any value on the same connection.
            _ = node.received(coordinator.encode(.stop(stopIndex: max(0, value(&rng))), sessionID: 9).bytes, at: MonotonicInstant(nanoseconds: 2_000))
        }
        #expect(begun > 100, "enough STARTs were valid to exercise the lifecycle")
        #expect(refused > 100, "and enough were refused (START with unusable values, STATUS to a node)")
        #expect(stopped > 100, "the coordinator-loss timeout fired on the acknowledged runs")
    }
}
