import ArgumentParser

/// `genlock hil`: hardware-in-the-loop tools, measuring true exposure skew with an LED.
struct HILCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hil",
        abstract: "Hardware-in-the-loop: LED flashes at PTP instants, recordings, and the analyzer that measures true skew.",
        subcommands: [HILSynth.self, HILAnalyze.self]
    )
}
