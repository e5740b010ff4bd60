import ArgumentParser

/// `genlock hil`: hardware-in-the-loop tools for measuring true exposure skew (hil/README.md):
/// LED flashes at PTP instants, synthetic sessions with known truth, and the analyzer.
struct HILCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hil",
        abstract: "Hardware-in-the-loop: LED flashes at PTP instants, synthetic sessions, and the analyzer that measures true skew.",
        subcommands: [HILFlash.self, HILSynth.self, HILAnalyze.self]
    )
}
