import GenlockPTP
import Testing

@Suite("linuxptp configuration generator")
struct ConfigGeneratorTests {
    static func settings(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("[") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { result[String(parts[0])] = String(parts[1]) }
        }
        return result
    }

    @Test("a node is slaveOnly with hardware stamps, the Pi 5 tx timeout, and the interface section")
    func node() throws {
        let files = try PTPConfigGenerator.files(for: PTPConfigRequest(role: .node, interface: "eth0", transport: .l2, domain: 7))
        #expect(files.map(\.name) == ["ptp4l.conf", "phc2sys.cmdline", "genlock-ptp4l.service", "genlock-phc2sys.service", "genlock-node.service"])
        let conf = files[0].contents
        let s = Self.settings(conf)
        #expect(s["slaveOnly"] == "1")
        #expect(s["domainNumber"] == "7")
        #expect(s["network_transport"] == "L2")
        #expect(s["time_stamping"] == "hardware")
        #expect(s["tx_timestamp_timeout"] == "100")
        #expect(s["step_threshold"] == "0.0")
        #expect(s["free_running"] == "0")
        #expect(conf.hasSuffix("[eth0]\n"))
        // Every setting has a comment right above it (possibly with other settings of its group).
        let lines = conf.split(separator: "\n", omittingEmptySubsequences: false)
        for (i, line) in lines.enumerated() where !line.isEmpty && !line.hasPrefix("#") && !line.hasPrefix("[") {
            var j = i - 1
            while j >= 0, !lines[j].isEmpty, !lines[j].hasPrefix("#") { j -= 1 }
            #expect(j >= 0 && lines[j].hasPrefix("#"), "no comment for '\(line)'")
        }
    }

    @Test("the servo's gains are Genlock's constants unless linuxptp's are asked for")
    func servoTuning() throws {
        let genlock = Self.settings(try PTPConfigGenerator.files(for: PTPConfigRequest(role: .node, interface: "eth0"))[0].contents)
        #expect(genlock["clock_servo"] == "pi")
        #expect(genlock["pi_proportional_const"] == "0.8")
        #expect(genlock["pi_integral_const"] == "0.06")
        let constants = try #require(PTPServoTuning.genlock.constants)
        #expect(genlock["pi_proportional_const"] == "\(constants.proportional)" && genlock["pi_integral_const"] == "\(constants.integral)")
        let linuxptp = Self.settings(
            try PTPConfigGenerator.files(for: PTPConfigRequest(role: .node, interface: "eth0", servoTuning: .linuxptp))[0].contents)
        #expect(linuxptp["clock_servo"] == "pi")
        #expect(linuxptp["pi_proportional_const"] == nil && linuxptp["pi_integral_const"] == nil)
    }

    @Test("a grandmaster wins the election and is not slaveOnly")
    func grandmaster() throws {
        let files = try PTPConfigGenerator.files(for: PTPConfigRequest(role: .grandmaster, interface: "eth0"))
        let s = Self.settings(files[0].contents)
        #expect(s["priority1"] == "10")
        #expect(s["slaveOnly"] == "0")
        #expect(s["network_transport"] == "UDPv4")
        #expect(files[1].contents.contains("-a -r -r"))
        #expect(!files[3].contents.contains("Conflicts=systemd-timesyncd"))
    }

    @Test("every generated file carries the Pi 5 pitfalls where they apply")
    func pitfalls() throws {
        let files = try PTPConfigGenerator.files(for: PTPConfigRequest(role: .node, interface: "eth0"))
        let conf = files[0].contents
        #expect(conf.contains("timed out while polling for tx timestamp"))
        #expect(conf.contains("twoStepFlag 0"))
        #expect(conf.contains("Compute Module 5"))
        #expect(conf.contains("Without phc2sys"))
        let phc2sysUnit = files[3].contents
        #expect(phc2sysUnit.contains("Conflicts=systemd-timesyncd.service"))
        #expect(phc2sysUnit.contains("ExecStart=/usr/sbin/phc2sys -a -r -n 0 -z /var/run/ptp4l"))
        let nodeUnit = files[4].contents
        #expect(nodeUnit.contains("After=genlock-ptp4l.service genlock-phc2sys.service"))
        #expect(nodeUnit.contains("ExecStartPre=/usr/local/bin/genlock ptp wait --uds /var/run/ptp4l --domain 0 --max-offset 1us"))
    }

    @Test("bad requests are refused with the value named")
    func invalid() {
        #expect(throws: PTPConfigError("interface 'eth 0' is not a Linux interface name (1-15 of a-z, 0-9, '.', '_', '-')")) {
            try PTPConfigGenerator.files(for: PTPConfigRequest(role: .node, interface: "eth 0"))
        }
        #expect(throws: PTPConfigError("domain 128 is out of range (0-127)")) {
            try PTPConfigGenerator.files(for: PTPConfigRequest(role: .node, interface: "eth0", domain: 128))
        }
        #expect(throws: PTPConfigError.self) {
            try PTPConfigGenerator.files(for: PTPConfigRequest(role: .node, interface: "eth0", managementSocket: "relative/sock"))
        }
        // The node command is a unit's ExecStart= line: a newline would inject a directive.
        #expect(throws: PTPConfigError(#"node command "a\nUser=root" must be one non-empty line without control characters"#)) {
            try PTPConfigGenerator.files(for: PTPConfigRequest(role: .node, interface: "eth0", nodeCommand: "a\nUser=root"))
        }
        for command in ["", "   ", "a\rb", "a\u{85}b"] {
            #expect(throws: PTPConfigError.self, "\(command.debugDescription)") {
                try PTPConfigGenerator.files(for: PTPConfigRequest(role: .node, interface: "eth0", nodeCommand: command))
            }
        }
        #expect(throws: Never.self) {
            try PTPConfigGenerator.files(for: PTPConfigRequest(role: .node, interface: "eth0", nodeCommand: "/usr/bin/genlock camera --name 'cam 1'"))
        }
    }
}
