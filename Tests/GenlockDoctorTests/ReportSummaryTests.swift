import GenlockDoctor
import GenlockDoctorLinux
import Testing

/// The one-line verdict a node sends in STATUS for the coordinator's log.
@Suite("doctor: summary line")
struct ReportSummaryTests {
    @Test("counts every verdict and names the checks that did not pass")
    func summaryNamesFailures() {
        let report = DoctorReport(results: [
            CheckResult(check: "ptp4l", status: .pass, detail: "SLAVE"),
            CheckResult(check: "phc2sys", status: .fail, detail: "not running"),
            CheckResult(check: "CPU governor", status: .warn, detail: "ondemand"),
            CheckResult(check: "time services", status: .fail, detail: "chrony active"),
        ])
        #expect(report.summary == "4 checks: 1 pass, 1 warn, 2 fail (warn: CPU governor; fail: phc2sys, time services)")
        #expect(DoctorReport(results: [CheckResult(check: "ptp4l", status: .pass, detail: "")]).summary == "1 checks: 1 pass, 0 warn, 0 fail")
    }

    @Test("the quick checks a node runs at launch: six, in order, each with a verdict, without ptp4l here")
    func quickChecksRunBounded() {
        let results = Doctor.quickChecks(interface: "genlock-no-such-if0", socketPath: "/nonexistent/ptp4l-socket", maxOffset: .microseconds(1), commandTimeout: .seconds(2))
        #expect(results.count == 6)
        // No ptp4l listens on that socket: its check fails with a reason rather than hanging.
        #expect(results.first?.status == .fail)
        #expect(results.allSatisfy { !$0.detail.isEmpty })
    }
}
