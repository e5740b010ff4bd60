import GenlockHAL

/// The POSIX deadline timer variants, chosen at run time (`--timer nanosleep|timerfd`).
public enum DeadlineTimerKind: String, CaseIterable, Sendable {
    /// ``NanosleepDeadlineTimer``.
    case nanosleep
    /// ``TimerfdDeadlineTimer``.
    case timerfd

    /// Starts a timer of this kind.
    public func make(options: TimerThreadOptions = .init()) throws(DeadlineTimerError) -> any DeadlineTimer {
        switch self {
        case .nanosleep: try NanosleepDeadlineTimer(options: options)
        case .timerfd: try TimerfdDeadlineTimer(options: options)
        }
    }
}
