import GenlockCore

/// Command outputs as the tools print them, kept verbatim (tabs included): what the doctor's
/// verdicts are judged against.
enum Fixtures {
    /// `ethtool -T eth0` on a Raspberry Pi 5 (macb driver, ethtool 6.1 on Bookworm): hardware
    /// time stamping and PTP hardware clock 0.
    static let ethtoolPi5 = """
        Time stamping parameters for eth0:
        Capabilities:
        \thardware-transmit
        \tsoftware-transmit
        \thardware-receive
        \tsoftware-receive
        \tsoftware-system-clock
        \thardware-raw-clock
        PTP Hardware Clock: 0
        Hardware Transmit Timestamp Modes:
        \toff
        \ton
        \tonestep-sync
        Hardware Receive Filter Modes:
        \tnone
        \tall

        """

    /// The same NIC through an older ethtool (5.x), which names the SOF_TIMESTAMPING flags.
    static let ethtoolPi5Old = """
        Time stamping parameters for eth0:
        Capabilities:
        \thardware-transmit     (SOF_TIMESTAMPING_TX_HARDWARE)
        \tsoftware-transmit     (SOF_TIMESTAMPING_TX_SOFTWARE)
        \thardware-receive      (SOF_TIMESTAMPING_RX_HARDWARE)
        \tsoftware-receive      (SOF_TIMESTAMPING_RX_SOFTWARE)
        \tsoftware-system-clock (SOF_TIMESTAMPING_SOFTWARE)
        \thardware-raw-clock    (SOF_TIMESTAMPING_RAW_HARDWARE)
        PTP Hardware Clock: 0
        Hardware Transmit Timestamp Modes:
        \toff                   (HWTSTAMP_TX_OFF)
        \ton                    (HWTSTAMP_TX_ON)
        Hardware Receive Filter Modes:
        \tnone                  (HWTSTAMP_FILTER_NONE)
        \tall                   (HWTSTAMP_FILTER_ALL)

        """

    /// `ethtool -T eth0` on a virtio NIC (a VM, this build machine): software time stamps only.
    static let ethtoolSoftwareOnly = """
        Time stamping parameters for eth0:
        Capabilities:
        \tsoftware-transmit
        \tsoftware-receive
        \tsoftware-system-clock
        PTP Hardware Clock: none
        Hardware Transmit Timestamp Modes: none
        Hardware Receive Filter Modes: none

        """

    /// `ethtool -T wlan0` on a Pi 5 (brcmfmac): transmit stamps in hardware but no PHC.
    static let ethtoolNoClock = """
        Time stamping parameters for wlan0:
        Capabilities:
        \thardware-transmit
        \thardware-receive
        \tsoftware-transmit
        \tsoftware-receive
        \tsoftware-system-clock
        PTP Hardware Clock: none
        Hardware Transmit Timestamp Modes: none
        Hardware Receive Filter Modes: none

        """

    /// `systemctl is-active chrony systemd-timesyncd ntp ntpsec openntpd` on a fresh Raspberry Pi
    /// OS: timesyncd runs, the others are not installed ("inactive"), exit status 0.
    static let systemctlTimesyncdActive = "inactive\nactive\ninactive\ninactive\ninactive\n"

    /// The same with chrony installed and running (and timesyncd disabled by its package).
    static let systemctlChronyActive = "active\ninactive\ninactive\ninactive\ninactive\n"

    /// A node prepared for PTP: every time service off (exit status 3).
    static let systemctlAllInactive = "inactive\ninactive\ninactive\ninactive\ninactive\n"

    /// A Pi 5's cpufreq governor files: Raspberry Pi OS boots with ondemand.
    static let governorsOndemand = ["cpu0": "ondemand\n", "cpu1": "ondemand\n", "cpu2": "ondemand\n", "cpu3": "ondemand\n"]
    static let governorsPerformance = ["cpu0": "performance\n", "cpu1": "performance\n", "cpu2": "performance\n", "cpu3": "performance\n"]

    /// libcamera's listing on a Pi 5 with a Camera Module 3 on CAM1 (`genlock cameras`, one
    /// camera per line: id, tab, model).
    static let camerasListing = "/base/axi/pcie@1000120000/rp1/i2c@88000/imx708@1a\timx708\n"
    /// Two Camera Module 3s, one on each connector.
    static let camerasListingTwo = """
        /base/axi/pcie@1000120000/rp1/i2c@88000/imx708@1a\timx708
        /base/axi/pcie@1000120000/rp1/i2c@80000/imx708@1a\timx708

        """
    /// A sensor without a known mode (the HQ camera).
    static let camerasListingHQ = "/base/axi/pcie@1000120000/rp1/i2c@88000/imx477@1a\timx477\n"

    /// The cameras of a listing, as ``CameraIdentity`` values.
    static func cameras(_ listing: String) -> [CameraIdentity] {
        listing.split(separator: "\n").map { line in
            let fields = line.split(separator: "\t")
            return CameraIdentity(id: String(fields[0]), model: fields.count > 1 ? String(fields[1]) : "")
        }
    }
}
