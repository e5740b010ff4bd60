import GenlockDoctor
import Testing

@Suite("doctor: governor and limits")
struct HostCheckTests {
    @Test func performanceOnEveryCPUPasses() {
        let result = CPUGovernorCheck.check(governors: Fixtures.governorsPerformance)
        #expect(result.status == .pass)
        #expect(result.detail == "performance on 4 CPUs")
    }

    @Test func ondemandWarnsNamingTheCPUsAndTheFix() {
        let result = CPUGovernorCheck.check(governors: Fixtures.governorsOndemand)
        #expect(result.status == .warn)
        #expect(result.detail.hasPrefix("governor ondemand on cpu0,cpu1,cpu2,cpu3, not performance"), "\(result.detail)")
        #expect(result.detail.contains("scaling_governor"))
    }

    @Test func oneSlowCPUAmongManyIsNamedInNumericOrder() {
        var governors = Fixtures.governorsPerformance
        governors["cpu10"] = "performance\n"
        governors["cpu2"] = "powersave\n"
        let result = CPUGovernorCheck.check(governors: governors)
        #expect(result.status == .warn)
        #expect(result.detail.hasPrefix("governor powersave on cpu2,"), "\(result.detail)")
    }

    @Test func noGovernorFilesSaySo() {
        let result = CPUGovernorCheck.check(governors: [:])
        #expect(result.status == .warn)
        #expect(result.detail.contains("the governor is unknown"))
    }

    @Test func rootPassesWhateverTheLimits() {
        let limits = RealtimeLimitsCheck.Limits(realtimePriority: 0, lockedMemoryBytes: 8 << 20, isRoot: true)
        #expect(RealtimeLimitsCheck.check(.success(limits)).status == .pass)
    }

    @Test func aUserWithRtprioAndUnlimitedMemlockPasses() {
        let result = RealtimeLimitsCheck.check(.success(.init(realtimePriority: 95, lockedMemoryBytes: nil, isRoot: false)))
        #expect(result.status == .pass)
        #expect(result.detail == "RLIMIT_RTPRIO 95, RLIMIT_MEMLOCK unlimited: --rt-priority up to 95 and --mlock allowed")
    }

    @Test func debiansDefaultsFailNamingBothLimitsAndTheFix() {
        // Debian 12's defaults for a user: no real-time priority, 8 MiB of locked memory.
        let result = RealtimeLimitsCheck.check(.success(.init(realtimePriority: 0, lockedMemoryBytes: 8 << 20, isRoot: false)))
        #expect(result.status == .fail)
        #expect(result.detail.hasPrefix("RLIMIT_RTPRIO 0: no SCHED_FIFO thread (--rt-priority) allowed; RLIMIT_MEMLOCK 8 MiB: --mlock (mlockall) would fail; fix: "), "\(result.detail)")
        #expect(result.detail.contains("limits.d"))
    }

    @Test func unreadableLimitsFail() {
        #expect(RealtimeLimitsCheck.check(.failure(ProbeError("getrlimit: Bad address"))).status == .fail)
    }
}
