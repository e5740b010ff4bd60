import ArgumentParser
import GenlockHAL
import GenlockPOSIX

/// The deadline-timer options every command on the real timing path takes (camera, record,
/// hil flash): which timer, and the real-time settings of its thread.
struct TimerOptions: ParsableArguments {
    @Option(help: "Deadline timer: nanosleep (clock_nanosleep thread) or timerfd.")
    var timer: DeadlineTimerKind = .nanosleep

    @Option(name: .customLong("rt-priority"), help: "Run the timer thread SCHED_FIFO at this priority (1-99).")
    var rtPriority: Int32?

    @Option(help: "Pin the timer thread to this CPU.")
    var cpu: Int32?

    @Flag(help: "Lock all memory (mlockall) so page faults cannot delay wake-ups.")
    var mlock = false

    @Flag(name: .customLong("ignore-realtime-steps"), help: "Do not watch for CLOCK_REALTIME steps while a capture deadline is armed (TFD_TIMER_CANCEL_ON_SET); for comparison only: a step then shows only at the next deadline.")
    var ignoreRealtimeSteps = false

    func validate() throws {
        if let rtPriority, !(1...99).contains(rtPriority) {
            throw ValidationError("--rt-priority must be 1-99, got \(rtPriority)")
        }
    }

    /// The timer, its thread set up as asked; a permission the process lacks is one clear line.
    /// `stepAware` (capture deadlines, unless `--ignore-realtime-steps`): the timer also fires when
    /// CLOCK_REALTIME is stepped while armed, through the kernel's cancel-on-set timerfd.
    func makeTimer(stepAware: Bool = false) throws -> any DeadlineTimer {
        let options = TimerThreadOptions(fifoPriority: rtPriority, cpu: cpu, lockMemory: mlock)
        do {
            if stepAware && !ignoreRealtimeSteps { return try timer.makeStepAware(options: options) }
            return try timer.make(options: options)
        } catch {
            throw ValidationError("timer: \(error)")
        }
    }
}
