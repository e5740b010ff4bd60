import GenlockDoctor
import Testing

@Suite("doctor: NIC time stamping")
struct NICTimestampingTests {
    @Test(arguments: [Fixtures.ethtoolPi5, Fixtures.ethtoolPi5Old])
    func thePi5sEthernetHasHardwareStampsAndPHCZero(output: String) throws {
        let found = try #require(NICTimestamping(ethtoolOutput: output))
        #expect(found.phcIndex == 0)
        #expect(found.capabilities.isSuperset(of: NICTimestamping.requiredCapabilities))
        #expect(!found.capabilities.contains("(SOF_TIMESTAMPING_TX_HARDWARE)"))
        let result = NICTimestamping.check(interface: "eth0", ethtool: .success(output))
        #expect(result.status == .pass)
        #expect(result.detail == "eth0: hardware-transmit, hardware-receive, hardware-raw-clock, PTP hardware clock 0 (/dev/ptp0)")
    }

    @Test func aSoftwareOnlyNICFailsNamingWhatItLacks() {
        let result = NICTimestamping.check(interface: "eth0", ethtool: .success(Fixtures.ethtoolSoftwareOnly))
        #expect(result.status == .fail)
        #expect(result.detail.hasPrefix("eth0 lacks hardware-transmit, hardware-receive, hardware-raw-clock; no PTP hardware clock"), "\(result.detail)")
        #expect(result.detail.contains("fix: "))
    }

    @Test func hardwareStampsWithoutAClockStillFail() {
        #expect(NICTimestamping(ethtoolOutput: Fixtures.ethtoolNoClock)?.phcIndex == nil)
        let result = NICTimestamping.check(interface: "wlan0", ethtool: .success(Fixtures.ethtoolNoClock))
        #expect(result.status == .fail)
        #expect(result.detail.hasPrefix("wlan0 lacks hardware-raw-clock; no PTP hardware clock"), "\(result.detail)")
    }

    @Test func textThatIsNotEthtoolsAndAMissingEthtoolFail() {
        #expect(NICTimestamping(ethtoolOutput: "netlink error: No such device\n") == nil)
        let garbled = NICTimestamping.check(interface: "eth9", ethtool: .success("netlink error: No such device\n"))
        #expect(garbled.status == .fail)
        #expect(garbled.detail.contains("(netlink error: No such device)"))
        let missing = NICTimestamping.check(interface: "eth0", ethtool: .failure(ProbeError("ethtool not found (apt install ethtool)")))
        #expect(missing.status == .fail)
        #expect(missing.detail.contains("ethtool not found"))
    }
}

@Suite("doctor: other time services")
struct TimeServiceCheckTests {
    @Test func allInactiveAndNoDaemonPasses() {
        let result = TimeServiceCheck.check(systemctl: .success(Fixtures.systemctlAllInactive), processes: ["systemd", "ptp4l", "phc2sys"])
        #expect(result.status == .pass, "\(result.detail)")
    }

    @Test func timesyncdActiveFailsOnceEvenThoughItsProcessRunsToo() {
        let result = TimeServiceCheck.check(systemctl: .success(Fixtures.systemctlTimesyncdActive), processes: ["systemd-timesyn", "phc2sys"])
        #expect(result.status == .fail)
        #expect(result.detail.hasPrefix("also disciplining CLOCK_REALTIME besides phc2sys: systemd-timesyncd (systemd: active); fix: "), "\(result.detail)")
    }

    @Test func chronyActiveFails() {
        let result = TimeServiceCheck.check(systemctl: .success(Fixtures.systemctlChronyActive), processes: [])
        #expect(result.status == .fail)
        #expect(result.detail.contains("chrony (systemd: active)"))
        #expect(result.detail.contains("systemctl disable --now chrony"))
    }

    @Test func onTheGrandmasterAnNTPServiceIsWhereTimeComesFrom() {
        let result = TimeServiceCheck.check(systemctl: .success(Fixtures.systemctlChronyActive), processes: ["chronyd"], isGrandmaster: true)
        #expect(result.status == .pass)
        #expect(result.detail == "this node is the grandmaster: chrony (systemd: active) may steer CLOCK_REALTIME, which the NIC clock follows")
    }

    @Test func withoutSystemdTheProcessListDecidesAndSaysSo() {
        let noSystemd = ProbeError("System has not been booted with systemd as init system (PID 1). Can't operate.")
        let clean = TimeServiceCheck.check(systemctl: .failure(noSystemd), processes: ["bash"])
        #expect(clean.status == .pass)
        #expect(clean.detail.contains("judged from the process list"))
        let chronyd = TimeServiceCheck.check(systemctl: .failure(noSystemd), processes: ["bash", "chronyd"])
        #expect(chronyd.status == .fail)
        #expect(chronyd.detail.contains("chronyd (running)"))
    }
}
