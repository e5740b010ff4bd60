/// What `genlock ptp config` is asked to generate.
public struct PTPConfigRequest: Hashable, Sendable {
    /// The node's role in the rig.
    public enum Role: String, Hashable, Sendable, CaseIterable {
        /// The one clock every camera follows.
        case grandmaster
        /// A camera node: follows the grandmaster, never serves time.
        case node
    }

    /// The PTP network transport.
    public enum Transport: String, Hashable, Sendable, CaseIterable {
        case udpv4
        case l2

        /// The value of ptp4l's `network_transport`.
        public var ptp4lValue: String { self == .udpv4 ? "UDPv4" : "L2" }
    }

    public var role: Role
    /// The network interface carrying PTP (`eth0` on a Pi 5).
    public var interface: String
    public var transport: Transport
    /// PTP domain number (0-127 usable with linuxptp's defaults).
    public var domain: Int
    /// ptp4l's management socket; `genlock ptp status` and phc2sys talk to it.
    public var managementSocket: String
    /// Where the generated ptp4l.conf will live on the node (for the units' command lines).
    public var configDirectory: String
    /// The camera node program the node unit starts once PTP is locked.
    public var nodeCommand: String
    /// The node as a service runs it: every setting in its node file (name, coordinator, key, out).
    public static let defaultNodeCommand = "/usr/local/bin/genlock camera --config /etc/genlock/node.yaml"
    /// The `genlock` binary the units call for `ptp wait`.
    public var genlockPath: String
    /// The gate the node unit waits for before starting the camera node.
    public var waitMaxOffset: String
    public var waitTimeout: String
    /// How far CLOCK_REALTIME may be from the NIC clock for the node unit's gate.
    public var waitMaxSystemOffset: String
    /// The gains ptp4l's clock servo runs with.
    public var servoTuning: PTPServoTuning

    public init(
        role: Role, interface: String, transport: Transport = .udpv4, domain: Int = 0,
        managementSocket: String = "/var/run/ptp4l", configDirectory: String = "/etc/genlock",
        nodeCommand: String = PTPConfigRequest.defaultNodeCommand, genlockPath: String = "/usr/local/bin/genlock",
        waitMaxOffset: String = "1us", waitTimeout: String = "120s", waitMaxSystemOffset: String = "10us",
        servoTuning: PTPServoTuning = .genlock
    ) {
        self.role = role
        self.interface = interface
        self.transport = transport
        self.domain = domain
        self.managementSocket = managementSocket
        self.configDirectory = configDirectory
        self.nodeCommand = nodeCommand
        self.genlockPath = genlockPath
        self.waitMaxOffset = waitMaxOffset
        self.waitTimeout = waitTimeout
        self.waitMaxSystemOffset = waitMaxSystemOffset
        self.servoTuning = servoTuning
    }

    /// Whether `name` can be a Linux network interface's name (1-15 of a-z, 0-9, '.', '_', '-').
    public static func isInterfaceName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 15 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    /// Rejects values that would produce a broken configuration, naming the value.
    public func validate() throws(PTPConfigError) {
        if !Self.isInterfaceName(interface) {
            throw PTPConfigError("interface '\(interface)' is not a Linux interface name (1-15 of a-z, 0-9, '.', '_', '-')")
        }
        guard (0...127).contains(domain) else {
            throw PTPConfigError("domain \(domain) is out of range (0-127)")
        }
        for (name, path) in [("management socket", managementSocket), ("config directory", configDirectory)] {
            guard path.hasPrefix("/"), !path.contains(where: { $0.isWhitespace }) else {
                throw PTPConfigError("\(name) '\(path)' must be an absolute path without spaces")
            }
        }
        // The command becomes a unit's `ExecStart=` line: a newline would end it and start a
        // directive of its own, and an empty one leaves the unit with nothing to run.
        let control = nodeCommand.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0.properties.isWhitespace && $0.value > 0x7F }
        guard nodeCommand.contains(where: { !$0.isWhitespace }), !control else {
            throw PTPConfigError("node command \(nodeCommand.debugDescription) must be one non-empty line without control characters")
        }
    }
}

/// A configuration request that cannot be generated.
public struct PTPConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One generated file: a name relative to the output directory and its text.
public struct GeneratedFile: Hashable, Sendable {
    public var name: String
    public var contents: String
}
