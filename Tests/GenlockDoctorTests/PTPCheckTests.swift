import GenlockCore
import GenlockDoctor
import GenlockPTP
import Testing

@Suite("doctor: ptp4l and phc2sys")
struct PTPCheckTests {
    static func snapshot(_ text: String) throws -> PTP4LSnapshot {
        try PTP4LSnapshot(responses: try PMCOutputParser.parse(text))
    }

    @Test func aSlaveWellWithinTheLimitPassesNamingPortOffsetAndGrandmaster() throws {
        let result = PTPChecks.ptp4l(.success(try Self.snapshot(PMCFixtures.node())), maxOffset: .microseconds(1))
        #expect(result.status == .pass, "\(result.detail)")
        #expect(result.detail.contains("port SLAVE"))
        #expect(result.detail.contains("offset from master -38 ns"))
        #expect(result.detail.contains("grandmaster d83add.fffe.7b0e11"))
    }

    @Test func anOffsetAtTheLimitFailsWithTheGatesReasonAndAFix() throws {
        let result = PTPChecks.ptp4l(.success(try Self.snapshot(PMCFixtures.node(offset: "1000.0"))), maxOffset: .microseconds(1))
        #expect(result.status == .fail)
        #expect(result.detail.contains("offset from master 1 µs is not below 1 µs"), "\(result.detail)")
        #expect(result.detail.contains("fix: "))
    }

    @Test func anUncalibratedPortFailsSayingTheServoHasNotLocked() throws {
        let result = PTPChecks.ptp4l(.success(try Self.snapshot(PMCFixtures.node(portState: "UNCALIBRATED"))), maxOffset: .microseconds(1))
        #expect(result.status == .fail)
        #expect(result.detail.contains("port is UNCALIBRATED: a master was chosen but the servo has not locked yet"), "\(result.detail)")
    }

    @Test func anUnreadablePtp4lFailsWithTheReadersReasonAndHowToStartIt() {
        let result = PTPChecks.ptp4l(.failure(ProbeError("ptp4l not running at /var/run/ptp4l (no socket there)")), maxOffset: .microseconds(1))
        #expect(result.status == .fail)
        #expect(result.detail.hasPrefix("ptp4l not running at /var/run/ptp4l (no socket there); fix: start ptp4l"))
    }

    @Test func aRunningPtp4lThatCannotBeReadPointsAtItsSocket() {
        let result = PTPChecks.ptp4l(
            .failure(ProbeError("ptp4l not running at /var/run/ptp4l (no socket there)")), processRunning: true, maxOffset: .microseconds(1))
        #expect(result.status == .fail)
        #expect(result.detail.contains("although a ptp4l process runs; fix: give that ptp4l's uds_address with --uds"), "\(result.detail)")
    }

    @Test func phc2sysRunningWithTheSystemClockCloseToTheNICClockPasses() {
        let result = PTPChecks.phc2sys(running: true, interface: "eth0", systemOffset: .success(-212), maxOffset: .microseconds(1))
        #expect(result.status == .pass)
        #expect(result.detail == "phc2sys running; system clock - NIC clock of eth0: -212 ns (below 1 µs)")
    }

    @Test func phc2sysNotRunningFailsEvenWhenTheClocksHappenToAgree() {
        let result = PTPChecks.phc2sys(running: false, interface: "eth0", systemOffset: .success(40), maxOffset: .microseconds(1))
        #expect(result.status == .fail)
        #expect(result.detail.hasPrefix("phc2sys not running"))
        #expect(result.detail.contains("fix: run phc2sys -a -r"))
    }

    @Test func aSystemClockFarFromTheNICClockFailsWithTheOffset() {
        // 37 s: the system clock on UTC while the PHC runs on TAI and nobody corrects it.
        let result = PTPChecks.phc2sys(running: true, interface: "eth0", systemOffset: .success(-37_000_000_000), maxOffset: .microseconds(1))
        #expect(result.status == .fail)
        #expect(result.detail.contains("system clock is -37 s from the NIC clock, not below 1 µs"), "\(result.detail)")
    }

    @Test func anUnmeasuredSystemOffsetFailsNamingWhy() {
        let result = PTPChecks.phc2sys(running: true, interface: "eth0", systemOffset: .failure(ProbeError("phc_ctl not found")), maxOffset: .microseconds(1))
        #expect(result.status == .fail)
        #expect(result.detail.contains("unknown: phc_ctl not found"))
    }
}
