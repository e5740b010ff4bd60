import GenlockCore
import GenlockPTP
import Testing

@Suite("lock gate")
struct LockGateTests {
    static let slaveGood = PTPObservation(portState: .slave, offsetNanoseconds: 300, grandmasterPresent: true)

    @Test("locks only after K consecutive good samples, reporting progress before")
    func needsKInARow() {
        var gate = LockGate(maxOffset: .microseconds(1), requiredSamples: 3)
        #expect(gate.observe(Self.slaveGood) == .waiting(.settling(good: 1, required: 3)))
        #expect(gate.observe(Self.slaveGood) == .waiting(.settling(good: 2, required: 3)))
        #expect(gate.observe(Self.slaveGood) == .locked)
        #expect(gate.observe(Self.slaveGood) == .locked)
    }

    @Test("the settling window is 2 s whatever the reading interval; isLocked follows the verdict")
    func settlingWindow() {
        #expect(LockGate.settlingReadings == 8)  // `ptp wait` and the camera node: every 250 ms
        #expect(LockGate.settlingReadings(every: .milliseconds(125)) == 16)  // one per sync at 8/s
        #expect(LockGate.settlingReadings(every: .seconds(5)) == 1)
        var gate = LockGate(maxOffset: .microseconds(1), requiredSamples: 2)
        _ = gate.observe(Self.slaveGood)
        #expect(!gate.isLocked)
        #expect(gate.observe(Self.slaveGood) == .locked && gate.isLocked)
        _ = gate.observeUnavailable("gone")
        #expect(!gate.isLocked)
    }

    @Test("one bad sample restarts the count")
    func badSampleResets() {
        var gate = LockGate(maxOffset: .microseconds(1), requiredSamples: 2)
        _ = gate.observe(Self.slaveGood)
        var bad = Self.slaveGood
        bad.offsetNanoseconds = -1500
        #expect(gate.observe(bad) == .waiting(.offsetTooLarge(offsetNanoseconds: -1500, maxNanoseconds: 1000)))
        #expect(gate.consecutiveGood == 0)
        #expect(gate.observe(Self.slaveGood) == .waiting(.settling(good: 1, required: 2)))
        #expect(gate.observe(Self.slaveGood) == .locked)
        // Losing the daemon after a lock unlocks at once.
        #expect(gate.observeUnavailable("ptp4l not running at /x") == .waiting(.unavailable("ptp4l not running at /x")))
        #expect(gate.observe(Self.slaveGood) == .waiting(.settling(good: 1, required: 2)))
    }

    @Test("the threshold is strict and symmetric")
    func strictThreshold() {
        var gate = LockGate(maxOffset: .nanoseconds(1000), requiredSamples: 1)
        for (offset, locked) in [(999, true), (-999, true), (1000, false), (-1000, false), (Int64.min, false)] as [(Int64, Bool)] {
            var o = Self.slaveGood
            o.offsetNanoseconds = offset
            #expect((gate.observe(o) == .locked) == locked, "offset \(offset)")
        }
    }

    @Test("port states other than SLAVE never lock a node, whatever the offset", arguments: PortState.allCases.filter { $0 != .slave })
    func otherStates(state: PortState) {
        var gate = LockGate(maxOffset: .microseconds(1), requiredSamples: 1)
        let o = PTPObservation(portState: state, offsetNanoseconds: 0, grandmasterPresent: true)
        #expect(gate.observe(o) == .waiting(.portState(state)))
    }

    @Test("the grandmaster locks as MASTER; missing data is named")
    func grandmasterAndMissing() {
        var gate = LockGate(maxOffset: .microseconds(1), requiredSamples: 1)
        #expect(gate.observe(PTPObservation(portState: .master, offsetNanoseconds: 0, isGrandmaster: true)) == .locked)
        #expect(gate.observe(PTPObservation(portState: nil, offsetNanoseconds: 0)) == .waiting(.noPort))
        #expect(gate.observe(PTPObservation(portState: .slave, offsetNanoseconds: nil, grandmasterPresent: true)) == .waiting(.noOffset))
        #expect(gate.observe(PTPObservation(portState: .slave, offsetNanoseconds: 5, grandmasterPresent: false)) == .waiting(.noGrandmaster))
    }

    @Test("a system clock far from the NIC clock (no phc2sys) blocks the lock")
    func systemOffset() {
        var gate = LockGate(maxOffset: .microseconds(1), requiredSamples: 1, maxSystemOffset: .microseconds(10))
        var o = Self.slaveGood
        o.systemOffsetNanoseconds = 9_000
        #expect(gate.observe(o) == .locked)
        o.systemOffsetNanoseconds = -37_000_000_000
        let verdict = gate.observe(o)
        #expect(verdict == .waiting(.systemOffsetTooLarge(offsetNanoseconds: -37_000_000_000, maxNanoseconds: 10_000)))
        #expect(verdict.reason?.description.contains("phc2sys") == true)
    }

    @Test("a system offset that was asked for but could not be measured keeps the gate closed")
    func systemOffsetUnknown() {
        var gate = LockGate(maxOffset: .microseconds(1), requiredSamples: 1)
        var o = Self.slaveGood
        o.systemOffsetError = "interface eth0 does not have a PHC"
        let verdict = gate.observe(o)
        #expect(verdict == .waiting(.systemOffsetUnavailable("interface eth0 does not have a PHC")))
        #expect(verdict.reason?.description == "system clock offset unknown: interface eth0 does not have a PHC")
    }

    @Test("reasons read as sentences naming the state and values")
    func reasonText() {
        #expect(LockGate.Reason.portState(.uncalibrated).description == "port is UNCALIBRATED: a master was chosen but the servo has not locked yet")
        #expect(LockGate.Reason.offsetTooLarge(offsetNanoseconds: 1500, maxNanoseconds: 1000).description == "offset from master 1.5 µs is not below 1 µs")
    }

    @Test("a snapshot turns into the status the node reports")
    func statusFromSnapshot() throws {
        let snapshot = try PTP4LSnapshot(responses: try PMCOutputParser.parse(Fixtures.nodePMC))
        var gate = LockGate(maxOffset: .microseconds(1), requiredSamples: 1)
        let status = snapshot.status(verdict: gate.observe(snapshot.observation()))
        #expect(!status.locked)
        #expect(status.portState == .uncalibrated)
        #expect(status.offsetNanoseconds == -122)
        #expect(status.grandmasterIdentity?.description == "4e26a5.fffe.a9926c")
        #expect(status.reason?.hasPrefix("port is UNCALIBRATED") == true)
        #expect(status.textLines(source: "ptp4l at /var/run/ptp4l").last == "locked: no (\(status.reason!))")
    }
}
