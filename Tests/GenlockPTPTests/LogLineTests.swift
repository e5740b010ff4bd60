import GenlockPTP
import Testing

@Suite("ptp4l / phc2sys log lines")
struct LogLineTests {
    @Test("ptp4l master offset line, stdout and journald forms")
    func masterOffset() {
        let expected = PTPLogLine.masterOffset(offsetNanoseconds: -12, servoState: 2, frequencyPPB: 1234, pathDelayNanoseconds: 567)
        #expect(PTPLogLine(parsing: "ptp4l[2366.012]: master offset        -12 s2 freq   +1234 path delay       567") == expected)
        #expect(PTPLogLine(parsing: "Nov 24 18:21:07 cam1 ptp4l[812]: [2366.012] master offset -12 s2 freq +1234 path delay 567") == expected)
        #expect(PTPLogLine(parsing: "ptp4l[2366.012]: [ptp4l.0.config] master offset -12 s2 freq +1234 path delay 567") == expected)
        #expect(PTPLogLine(parsing: "master offset 40 s0 freq -7 path delay 2000")
            == .masterOffset(offsetNanoseconds: 40, servoState: 0, frequencyPPB: -7, pathDelayNanoseconds: 2000))
    }

    @Test("phc2sys offset lines name the clock and the source")
    func phc2sys() {
        #expect(PTPLogLine(parsing: "phc2sys[2400.100]: CLOCK_REALTIME phc offset       -31 s2 freq   -2150 delay    412")
            == .clockOffset(clock: "CLOCK_REALTIME", source: "phc", offsetNanoseconds: -31, servoState: 2, frequencyPPB: -2150, delayNanoseconds: 412))
        #expect(PTPLogLine(parsing: "phc2sys[2400.100]: eth0 sys offset 8 s1 freq +20")
            == .clockOffset(clock: "eth0", source: "sys", offsetNanoseconds: 8, servoState: 1, frequencyPPB: 20, delayNanoseconds: nil))
    }

    @Test("summary lines from ptp4l and phc2sys")
    func summaries() {
        #expect(PTPLogLine(parsing: "ptp4l[2393.473]: rms  501 max  975 freq    +21 +/- 266 delay  2182 +/-  86")
            == .summary(clock: nil, rmsNanoseconds: 501, maxNanoseconds: 975, frequencyPPB: 21, delayNanoseconds: 2182))
        #expect(PTPLogLine(parsing: "phc2sys[2393.473]: CLOCK_REALTIME rms   12 max   30 freq  -2150 +/-   4 delay   400 +/-   2")
            == .summary(clock: "CLOCK_REALTIME", rmsNanoseconds: 12, maxNanoseconds: 30, frequencyPPB: -2150, delayNanoseconds: 400))
        #expect(PTPLogLine(parsing: "ptp4l[1.0]: rms 3 max 4 freq -5 +/- 6")
            == .summary(clock: nil, rmsNanoseconds: 3, maxNanoseconds: 4, frequencyPPB: -5, delayNanoseconds: nil))
    }

    @Test("port state changes in the 3.x and 4.x forms")
    func stateChanges() {
        #expect(PTPLogLine(parsing: "ptp4l[2377.458]: port 1: LISTENING to UNCALIBRATED on RS_SLAVE")
            == .portStateChange(port: 1, interface: nil, from: .listening, to: .uncalibrated, event: "RS_SLAVE"))
        #expect(PTPLogLine(parsing: "ptp4l[2377.458]: port 1 (eth0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED")
            == .portStateChange(port: 1, interface: "eth0", from: .uncalibrated, to: .slave, event: "MASTER_CLOCK_SELECTED"))
        #expect(PTPLogLine(parsing: "ptp4l[1.0]: port 1: NOWHERE to SLAVE on X") == .other("port 1: NOWHERE to SLAVE on X"))
    }

    @Test("best master selection and the Pi 5 tx timestamp timeout")
    func bestMasterAndTimeout() {
        let gm = ClockIdentity(parsing: "4e26a5.fffe.a9926c")!
        #expect(PTPLogLine(parsing: "ptp4l[2377.458]: selected best master clock 4e26a5.fffe.a9926c") == .bestMaster(gm, isLocal: false))
        #expect(PTPLogLine(parsing: "ptp4l[2373.457]: selected local clock 4e26a5.fffe.a9926c as best master") == .bestMaster(gm, isLocal: true))
        #expect(PTPLogLine(parsing: "ptp4l[12.3]: timed out while polling for tx timestamp") == .txTimestampTimeout)
        #expect(PTPLogLine(parsing: "ptp4l[12.3]: increasing tx_timestamp_timeout may correct this issue, but it is likely caused by a driver bug")
            == .other("increasing tx_timestamp_timeout may correct this issue, but it is likely caused by a driver bug"))
    }

    @Test("garbage is kept as other, never a crash")
    func garbage() {
        for line in ["", "ptp4l[", "]:", "master offset", "master offset x s2 freq +1 path delay 3", "port", "rms", "[[[["] {
            if case .masterOffset = PTPLogLine(parsing: line) { Issue.record("\(line) read as an offset") }
        }
    }

    @Test("folding a log gives the node's latest state, and the gate judges it")
    func summaryFold() {
        let log = """
            ptp4l[2366.028]: port 1: INITIALIZING to LISTENING on INIT_COMPLETE
            ptp4l[2373.458]: port 1: new foreign master 4e26a5.fffe.a9926c-1
            ptp4l[2377.458]: selected best master clock 4e26a5.fffe.a9926c
            ptp4l[2377.458]: port 1: LISTENING to UNCALIBRATED on RS_SLAVE
            ptp4l[2378.000]: master offset       5000 s0 freq      +0 path delay      2000
            ptp4l[2379.000]: port 1: UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED
            ptp4l[2379.125]: master offset       -300 s2 freq     -12 path delay      2010
            phc2sys[2379.200]: CLOCK_REALTIME phc offset  -20 s2 freq -2000 delay 400
            ptp4l[2379.300]: timed out while polling for tx timestamp
            """
        var summary = PTPLogSummary()
        for line in log.split(separator: "\n") { summary.read(line) }
        #expect(summary.portState == .slave)
        #expect(summary.lastMasterOffsetNanoseconds == -300)
        #expect(summary.lastSystemOffsetNanoseconds == -20)
        #expect(summary.bestMaster?.description == "4e26a5.fffe.a9926c")
        #expect(summary.txTimestampTimeouts == 1)
        var gate = LockGate(maxOffset: .microseconds(1), requiredSamples: 1)
        #expect(gate.observe(summary.observation) == .locked)
    }

    @Test("summary-only logs (summary_interval) judge the worst offset of the interval")
    func summaryOnlyLog() {
        var summary = PTPLogSummary()
        summary.read("ptp4l[1.0]: port 1 (eth0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED")
        summary.read("ptp4l[2.0]: rms  120 max  450 freq    +21 +/- 26 delay  2182 +/-  8")
        summary.read("phc2sys[2.1]: CLOCK_REALTIME rms 30 max 2500 freq -2150 +/- 4 delay 400 +/- 2")
        #expect(summary.lastMasterOffsetNanoseconds == 450)
        #expect(summary.lastPathDelayNanoseconds == 2182)
        #expect(summary.lastSystemOffsetNanoseconds == 2500)
        var gate = LockGate(maxOffset: .microseconds(1), requiredSamples: 1, maxSystemOffset: .microseconds(2))
        #expect(gate.observe(summary.observation) == .waiting(.systemOffsetTooLarge(offsetNanoseconds: 2500, maxNanoseconds: 2000)))
    }
}
