import GenlockHAL

/// The POSIX deadline timer variants, chosen at run time (`--timer nanosleep|timerfd`).
public enum DeadlineTimerKind: String, CaseIterable, Sendable {
    /// ``NanosleepDeadlineTimer``.
    case nanosleep
    /// ``TimerfdDeadlineTimer``.
    case timerfd

    /// Starts a timer of this kind, fed by `stepSource` when given (see ``RealtimeStepSource``).
    public func make(options: TimerThreadOptions = .init(), stepSource: (any RealtimeStepSource)? = nil) throws(DeadlineTimerError) -> any DeadlineTimer {
        switch self {
        case .nanosleep: try NanosleepDeadlineTimer(options: options, stepSource: stepSource)
        case .timerfd: try TimerfdDeadlineTimer(options: options, stepSource: stepSource)
        }
    }

    /// Starts a timer of this kind that notices realtime steps through the kernel
    /// (``CancelOnSetStepSource``, its watcher thread under the same `options`).
    public func makeStepAware(options: TimerThreadOptions = .init()) throws(DeadlineTimerError) -> any DeadlineTimer {
        try make(options: options, stepSource: try CancelOnSetStepSource(options: options))
    }
}
