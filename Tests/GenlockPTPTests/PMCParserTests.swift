import GenlockPTP
import Testing

@Suite("pmc output parser")
struct PMCParserTests {
    @Test("reads every response of a real pmc run, with source, sequence and fields")
    func parsesRealOutput() throws {
        let responses = try PMCOutputParser.parse(Fixtures.nodePMC)
        #expect(responses.map(\.managementID) == [
            "PORT_DATA_SET", "CURRENT_DATA_SET", "PARENT_DATA_SET", "DEFAULT_DATA_SET",
            "TIME_STATUS_NP", "TIME_PROPERTIES_DATA_SET",
        ])
        #expect(responses.map(\.sequence) == [0, 1, 2, 3, 4, 5])
        #expect(responses[0].source.description == "42f58e.fffe.51f04a-1")
        #expect(responses[0].fields["portState"] == "UNCALIBRATED")
        #expect(responses[2].fields["gm.ClockClass"] == "248")
    }

    @Test("builds a node snapshot: port state, offsets rounded to ns, grandmaster, not grandmaster itself")
    func nodeSnapshot() throws {
        let snapshot = try PTP4LSnapshot(responses: try PMCOutputParser.parse(Fixtures.nodePMC))
        #expect(snapshot.primaryPort?.state == .uncalibrated)
        #expect(snapshot.offsetFromMasterNanoseconds == -122)
        #expect(snapshot.meanPathDelayNanoseconds == 2076)  // 2075.5 rounds half away from zero
        #expect(snapshot.stepsRemoved == 1)
        #expect(snapshot.grandmasterIdentity == ClockIdentity(parsing: "4e26a5.fffe.a9926c"))
        #expect(snapshot.clockIdentity == ClockIdentity(parsing: "42f58e.fffe.51f04a"))
        #expect(snapshot.grandmasterPresent == true)
        #expect(snapshot.slaveOnly == true)
        #expect(snapshot.currentUtcOffsetSeconds == 37)
        #expect(snapshot.ptpTimescale == false)
        #expect(!snapshot.isGrandmaster)
    }

    @Test("a grandmaster names itself and serves time; its offset counts as 0")
    func grandmasterSnapshot() throws {
        let snapshot = try PTP4LSnapshot(responses: try PMCOutputParser.parse(Fixtures.grandmasterPMC))
        #expect(snapshot.isGrandmaster)
        #expect(snapshot.observation().offsetNanoseconds == 0)
        var gate = LockGate(maxOffset: .microseconds(1), requiredSamples: 1)
        #expect(gate.observe(snapshot.observation()) == .locked)
    }

    @Test("a node that chose itself while LISTENING is not a grandmaster")
    func listeningSelfIsNotGrandmaster() throws {
        let text = Fixtures.grandmasterPMC.replacingFirst("MASTER\n", with: "LISTENING\n")
        let snapshot = try PTP4LSnapshot(responses: try PMCOutputParser.parse(text))
        #expect(snapshot.primaryPort?.state == .listening)
        #expect(!snapshot.isGrandmaster)
    }

    @Test("no answers at all is an empty snapshot (a silent daemon)")
    func emptyOutput() throws {
        let snapshot = try PTP4LSnapshot(responses: try PMCOutputParser.parse("sending: GET PORT_DATA_SET\n"))
        #expect(snapshot.isEmpty)
        #expect(snapshot.primaryPort == nil)
    }

    @Test("a management error reply is kept as an error and ignored by the snapshot")
    func errorStatus() throws {
        let text = "\t4e26a5.fffe.a9926c-0 seq 0 RESPONSE MANAGEMENT_ERROR_STATUS TIME_STATUS_NP\n\t\terror   NOT_SUPPORTED\n"
        let responses = try PMCOutputParser.parse(text)
        #expect(responses.count == 1)
        #expect(responses[0].isError)
        #expect(try PTP4LSnapshot(responses: responses).isEmpty)
    }

    @Test("a malformed header or value is an error naming the line or the field")
    func malformed() throws {
        #expect(throws: PMCParseError.self) { try PMCOutputParser.parse("\tnot-an-identity seq 0 RESPONSE MANAGEMENT PORT_DATA_SET\n") }
        #expect(throws: PMCParseError.self) { try PMCOutputParser.parse("\t\tportState SLAVE\n") }
        let badState = Fixtures.grandmasterPMC.replacingFirst("MASTER\n", with: "BOSS\n")
        do {
            _ = try PTP4LSnapshot(responses: try PMCOutputParser.parse(badState))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "PORT_DATA_SET.portState: cannot read 'BOSS'")
        }
    }

    @Test("decimal nanosecond values round without floating point; junk is rejected")
    func numbers() {
        #expect(PMCNumbers.nanoseconds("-122.0") == -122)
        #expect(PMCNumbers.nanoseconds("2075.5") == 2076)
        #expect(PMCNumbers.nanoseconds("-2075.5") == -2076)
        #expect(PMCNumbers.nanoseconds("12") == 12)
        #expect(PMCNumbers.nanoseconds("9223372036854775807.9") == nil)
        #expect(PMCNumbers.nanoseconds("1e3") == nil)
        #expect(PMCNumbers.nanoseconds("") == nil)
        #expect(PMCNumbers.nanoseconds("-.5") == nil)
        #expect(PMCNumbers.flag("true") == true)
        #expect(PMCNumbers.flag("0") == false)
        #expect(PMCNumbers.flag("yes") == nil)
    }

    @Test("clock identities round-trip and reject malformed text")
    func identities() {
        let id = ClockIdentity(parsing: "4E26A5.FFFE.a9926c")
        #expect(id?.description == "4e26a5.fffe.a9926c")
        #expect(id?.bytes == [0x4e, 0x26, 0xa5, 0xff, 0xfe, 0xa9, 0x92, 0x6c])
        #expect(ClockIdentity(parsing: "4e26a5.fffe.a9926") == nil)
        #expect(ClockIdentity(parsing: "4e26a5-fffe-a9926c") == nil)
        #expect(ClockIdentity(parsing: "4e26g5.fffe.a9926c") == nil)
        #expect(PortIdentity(parsing: "4e26a5.fffe.a9926c-1")?.port == 1)
        #expect(PortIdentity(parsing: "4e26a5.fffe.a9926c-x") == nil)
    }

    @Test("phc_ctl cmp output gives realtime minus PHC; UTC correction only on the PTP timescale")
    func phcCtl() {
        #expect(SystemClockOffset.parsePHCCtl("phc_ctl[123.4]: offset from CLOCK_REALTIME is -37000000123ns\n") == -37_000_000_123)
        #expect(SystemClockOffset.parsePHCCtl("offset from CLOCK_REALTIME is approximately 42ns") == 42)
        #expect(SystemClockOffset.parsePHCCtl("phc_ctl: bad device") == nil)
        #expect(SystemClockOffset.corrected(rawNanoseconds: -37_000_000_123, utcOffsetSeconds: 37, ptpTimescale: true) == -123)
        #expect(SystemClockOffset.corrected(rawNanoseconds: -123, utcOffsetSeconds: 37, ptpTimescale: false) == -123)
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}
