import ArgumentParser
import GenlockCore

/// `genlock schedule`: the schedule arithmetic every node uses, for reasoning about recordings.
struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Print Tn for an index, or the first index whose deadline is at or after an instant.",
        discussion: "Tn = T0 + floor(n * 1e9 * D / N) ns for a rate of N/D frames per second."
    )

    @Option(name: .customLong("t0"), help: "T0: the deadline of frame 0, realtime nanoseconds since the epoch.", transform: Parse.nanoseconds)
    var t0: Int64

    @Option(help: "Frame rate: 30, 120, 30000/1001 or an exact decimal such as 29.97.", transform: Parse.frameRate)
    var fps: FrameRate

    @Option(help: "Print Tn (nanoseconds) for this frame index.", transform: Parse.index)
    var index: Int64?

    @Option(help: "Print the first index whose deadline is at or after this realtime instant (ns).", transform: Parse.nanoseconds)
    var at: Int64?

    func validate() throws {
        if (index == nil) == (at == nil) {
            throw ValidationError("give exactly one of --index N or --at NS")
        }
    }

    func run() throws {
        let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: t0), rate: fps)
        do {
            if let index {
                print(try schedule.deadline(of: index).nanosecondsSinceEpoch)
            } else if let at {
                print(try schedule.firstIndex(atOrAfter: RealtimeInstant(nanosecondsSinceEpoch: at)))
            }
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
