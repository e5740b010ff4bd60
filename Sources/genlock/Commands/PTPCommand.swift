import ArgumentParser
import GenlockCore
import GenlockPTP
import GenlockPTPLinux
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension PTPConfigRequest.Role: ExpressibleByArgument {}
extension PTPConfigRequest.Transport: ExpressibleByArgument {}
extension PTPServoTuning: ExpressibleByArgument {}

/// `genlock ptp`: linuxptp configuration, live status, and the start gate.
struct PTPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ptp",
        abstract: "Configure linuxptp, show a node's PTP state, and wait until it is locked.",
        subcommands: [PTPConfigCommand.self, PTPStatusCommand.self, PTPWaitCommand.self]
    )
}

/// Options shared by `status` and `wait`: where ptp4l is and how to judge it.
struct PTPSourceOptions: ParsableArguments {
    @Option(name: .customLong("uds"), help: "ptp4l's management socket (uds_address).")
    var socketPath = "/var/run/ptp4l"

    @Option(help: "PTP domain number of ptp4l (management requests for another domain are ignored).")
    var domain = 0

    @Option(name: .customLong("iface"), help: "Also measure CLOCK_REALTIME against this interface's PTP clock (phc_ctl), proving phc2sys works.")
    var interface: String?

    @Option(name: .customLong("max-offset"), help: "Locked only while |offset from master| is below this (1us, 500ns).", transform: Parse.timeSpan)
    var maxOffset = TimeSpan.microseconds(1)

    @Option(name: .customLong("max-system-offset"), help: "Limit for |system clock - NIC clock| when --iface is given (default: --max-offset).", transform: Parse.timeSpan)
    var maxSystemOffset: TimeSpan?

    @Option(name: .customLong("query-timeout"), help: "Bound on one pmc/phc_ctl query.", transform: Parse.timeSpan)
    var queryTimeout = TimeSpan.seconds(2)

    func validate() throws {
        // ptp4l's domainNumber is 0-127 (128-255 are reserved), as `ptp config` writes it.
        guard (0...127).contains(domain) else { throw ValidationError("--domain must be 0-127, got \(domain)") }
        if let interface, !PTPConfigRequest.isInterfaceName(interface) {
            throw ValidationError("--iface '\(interface)' is not a Linux interface name (1-15 of a-z, 0-9, '.', '_', '-')")
        }
        guard maxOffset.nanoseconds > 0 else { throw ValidationError("--max-offset must be positive") }
        if let maxSystemOffset, maxSystemOffset.nanoseconds <= 0 { throw ValidationError("--max-system-offset must be positive") }
        guard queryTimeout.nanoseconds > 0 else { throw ValidationError("--query-timeout must be positive") }
    }

    var reader: PTPStatusReader {
        PTPStatusReader(
            pmc: PMCClient(socketPath: socketPath, domain: domain, timeout: queryTimeout),
            systemOffset: interface.map { SystemOffsetReader(interface: $0, timeout: queryTimeout) })
    }
}

/// `genlock ptp config`.
struct PTPConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Write ptp4l.conf, the phc2sys command line and systemd units for a grandmaster or a camera node."
    )

    @Option(help: "grandmaster or node.")
    var role: PTPConfigRequest.Role

    @Option(name: .customLong("iface"), help: "The interface carrying PTP (eth0 on a Pi 5).")
    var interface: String

    @Option(help: "udpv4 or l2.")
    var transport: PTPConfigRequest.Transport = .udpv4

    @Option(help: "PTP domain number (0-127).")
    var domain = 0

    @Option(name: .customLong("uds"), help: "ptp4l's management socket on the node.")
    var socketPath = "/var/run/ptp4l"

    @Option(name: .customLong("node-command"), help: "What genlock-node.service starts once PTP is locked (default: \(PTPConfigRequest.defaultNodeCommand)).")
    var nodeCommand = PTPConfigRequest.defaultNodeCommand

    @Option(name: .customLong("servo-tuning"), help: "genlock (gains that filter switch noise, the default) or linuxptp (linuxptp's own).")
    var servoTuning: PTPServoTuning = .genlock

    @Option(help: "Output directory (created if missing; files are replaced atomically).", transform: Parse.path)
    var out: String

    func run() throws {
        let request = PTPConfigRequest(
            role: role, interface: interface, transport: transport, domain: domain, managementSocket: socketPath, nodeCommand: nodeCommand,
            servoTuning: servoTuning)
        let files: [GeneratedFile]
        do {
            files = try PTPConfigGenerator.files(for: request)
        } catch {
            throw ValidationError(error.description)
        }
        do {
            try Files.makeDirectory(out)
            for file in files {
                let path = out.hasSuffix("/") ? out + file.name : out + "/" + file.name
                try Files.writeAtomically(file.contents, to: path)
                Console.out("wrote \(path)")
            }
        } catch {
            throw Invalid(error.description)
        }
    }
}

/// `genlock ptp status`.
struct PTPStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print this node's PTP state (port state, offsets, grandmaster) and whether it counts as locked.",
        discussion: "Exit status: 0 when ptp4l answered (locked or not), 1 when it could not be read."
    )

    @OptionGroup var source: PTPSourceOptions

    @Flag(help: "Print the status as JSON.")
    var json = false

    @Option(help: "Read the state from a ptp4l/phc2sys log file instead of the management socket.")
    var log: String?

    func run() throws {
        let status: PTPStatus
        let origin: String
        if let log {
            origin = "log \(log)"
            let text: String
            do { text = try Files.readTail(log) } catch { throw Invalid(error.description) }
            var summary = PTPLogSummary()
            for line in text.split(separator: "\n") { summary.read(line) }
            var gate = LockGate(maxOffset: source.maxOffset, requiredSamples: 1, maxSystemOffset: source.maxSystemOffset)
            let verdict = summary.linesRead == 0 ? gate.observeUnavailable("\(log) is empty") : gate.observe(summary.observation)
            status = PTPStatus(
                locked: verdict == .locked, reason: verdict.reason.map { "\($0)" }, portState: summary.portState,
                offsetNanoseconds: summary.observation.offsetNanoseconds, meanPathDelayNanoseconds: summary.lastPathDelayNanoseconds,
                systemOffsetNanoseconds: summary.lastSystemOffsetNanoseconds, grandmasterIdentity: summary.bestMaster,
                isGrandmaster: summary.observation.isGrandmaster)
            if summary.txTimestampTimeouts > 0 && !json {
                Console.err("warning: \(summary.txTimestampTimeouts) 'timed out while polling for tx timestamp' lines: raise tx_timestamp_timeout (see Sources/GenlockPTP/README.md)")
            }
        } else {
            origin = "ptp4l at \(source.socketPath)"
            status = source.reader.status(maxOffset: source.maxOffset, maxSystemOffset: source.maxSystemOffset)
        }
        if json {
            Console.out(try PTPJSON.encode(status))
        } else {
            for line in status.textLines(source: origin) { Console.out(line) }
        }
        // No port state means ptp4l (or the log) told nothing: that is a failure for scripts.
        if status.portState == nil { throw Invalid(status.reason ?? "no PTP state found") }
    }
}

/// `genlock ptp wait`.
struct PTPWaitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Exit 0 once this node is PTP-locked; exit 1 with the reason when the timeout passes.",
        discussion: "Locked: port SLAVE (or grandmaster) and |offset| below --max-offset for --samples consecutive readings."
    )

    @OptionGroup var source: PTPSourceOptions

    @Option(help: "Give up after this long (60s, 2m).", transform: Parse.timeSpan)
    var timeout = TimeSpan.seconds(60)

    @Option(help: "Consecutive good readings required; the default spans 2 s at the default interval.")
    var samples = LockGate.settlingReadings

    @Option(help: "Time between readings.", transform: Parse.timeSpan)
    var interval = LockGate.settlingInterval

    @Flag(help: "Print every reading.")
    var verbose = false

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1, got \(samples)") }
        guard timeout.nanoseconds >= 0 else { throw ValidationError("--timeout must not be negative") }
        guard interval.nanoseconds > 0 else { throw ValidationError("--interval must be positive") }
    }

    func run() throws {
        let waiter = LockWaiter(reader: source.reader, maxOffset: source.maxOffset, maxSystemOffset: source.maxSystemOffset, requiredSamples: samples, interval: interval)
        let verbose = self.verbose
        let outcome = waiter.wait(timeout: timeout) { status in
            if verbose { Console.err(status.locked ? "locked" : "waiting: \(status.reason ?? "")") }
        }
        switch outcome {
        case .locked(let status):
            Console.out("locked: \(status.portState.map { "port \($0)" } ?? "")\(status.offsetNanoseconds.map { ", offset \(TimeSpanFormat.text($0))" } ?? "")")
        case .timedOut(let status):
            throw Invalid("not locked after \(timeout): \(status.reason ?? "unknown")")
        }
    }
}

enum PTPJSON {
    static func encode(_ status: PTPStatus) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(status), as: UTF8.self)
    }
}
