import ArgumentParser
import GenlockCore
import GenlockDoctor
import GenlockDoctorLinux
import Glibc
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `genlock doctor`: the preflight a user runs on each Pi before a session.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check this node before a session: PTP, time services, NIC time stamping, camera (and the planned rate), governor, limits, disk (and a GPIO line).",
        discussion: "One line per check (PASS, WARN or FAIL with what was found, and for a failure why and how to fix it). "
            + "Exit status 0 only when every check passed, 1 otherwise. Every helper program is bounded by a timeout; nothing is changed."
    )

    @Option(name: .customLong("iface"), help: "The PTP interface.")
    var interface = "eth0"

    @Option(name: .customLong("uds"), help: "ptp4l's management socket (uds_address).")
    var socketPath = "/var/run/ptp4l"

    @Option(name: .customLong("max-offset"), help: "Lock limit for the offset from master and for system clock - NIC clock (1us, 500ns).", transform: Parse.timeSpan)
    var maxOffset = TimeSpan.microseconds(1)

    @Option(name: .customLong("out"), help: "The folder the session records to (free space and a timed 64 MiB write).", transform: Parse.path)
    var outputDirectory = "."

    @Option(help: "Planned bitrate of the recording (20Mbps, 800kbps).", transform: { try Bitrate(parsing: $0) })
    var bitrate = Bitrate(bitsPerSecond: 20_000_000)

    @Option(help: "Planned length of the session (1h, 90m).", transform: Parse.timeSpan)
    var duration = TimeSpan.seconds(3600)

    @Option(help: "Also request this HIL LED line as an output and release it (CHIP:LINE, like gpiochip0:17).", transform: { try GPIOLineAddress(parsing: $0) })
    var gpio: GPIOLineAddress?

    @Option(help: "The camera the node will drive, by id or model (default: the only one).")
    var camera: String?

    @Option(help: "The planned frame rate (30, 120, 30000/1001): checked against the camera's sensor mode (at its maximum rate frames cannot be shortened).", transform: Parse.frameRate)
    var fps: FrameRate?

    @Flag(help: "Print the checks as a JSON array of {check, status, detail}.")
    var json = false

    func validate() throws {
        guard maxOffset.nanoseconds > 0 else { throw ValidationError("--max-offset must be positive") }
        guard duration.nanoseconds > 0 else { throw ValidationError("--duration must be positive") }
    }

    func run() throws {
        let report = Doctor.run(DoctorOptions(
            interface: interface, socketPath: socketPath, maxOffset: maxOffset, outputDirectory: outputDirectory,
            plan: DiskCheck.Plan(bitrate: bitrate, duration: duration), gpio: gpio, camera: camera, rate: fps))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            Console.out(String(decoding: try encoder.encode(report.results), as: UTF8.self))
        } else {
            for result in report.results { Console.out(result.textLine) }
        }
        // The lines already say what failed; the status is for scripts.
        if report.exitStatus != 0 { Glibc.exit(report.exitStatus) }
    }
}
