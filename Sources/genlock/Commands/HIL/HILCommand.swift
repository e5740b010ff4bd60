import ArgumentParser

/// `genlock hil`: hardware-in-the-loop tools for measuring true exposure skew on the physical
/// rig (hil/README.md): LED flashes at PTP instants, and the analysis of the recordings.
struct HILCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hil",
        abstract: "Hardware-in-the-loop: flash an LED at PTP instants to measure true cross-camera skew.",
        subcommands: [HILFlash.self]
    )
}
