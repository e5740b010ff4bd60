import GenlockCore
import GenlockHAL
import Synchronization

/// Why a flash run was aborted.
public enum FlashRunnerFailure: Error, Equatable, Sendable, CustomStringConvertible {
    case line(GPIOError)
    case timer(DeadlineTimerError)

    public var description: String {
        switch self {
        case .line(let e): "\(e)"
        case .timer(let e): "deadline timer: \(e)"
        }
    }
}

/// Runs a ``FlashSequencer`` against a GPIO line through the same clock pair and deadline timer
/// as captures: each edge's realtime instant is converted to an absolute monotonic deadline
/// through a pair sampled just before arming (so PTP steps and slews are followed edge by edge),
/// and every wake-up is judged against a fresh realtime read.
///
/// The sequencer is pure; this adapter is all the I/O. Wake-ups come from the timer's thread and
/// a stop from any other thread, so deciding and acting happen under one lock: a stop can never
/// interleave between "LED on" and "arm the off edge" and leave the LED lit. The timer's
/// ``DeadlineTimer/cancel()`` never waits for a running handler, so holding the lock is safe.
public final class FlashRunner<Clock: ClockPair, Timer: DeadlineTimer>: Sendable {
    /// What the runner reports (on the timer's context, or the caller's for start and stop).
    public enum Report: Sendable {
        /// A flash went on and off.
        case flash(FlashRecord)
        /// Flashes not fired: their on-instants had passed by more than the late tolerance.
        case skip(Range<Int>)
        /// The line or the timer failed; the run is aborted (a ``finish(_:)`` follows).
        case failed(FlashRunnerFailure)
        case finish(FlashSummary)
    }

    private struct State {
        var sequencer: FlashSequencer
        /// When the LED of the current flash went on (realtime read after driving the line).
        var litAt: RealtimeInstant?
    }

    private let clock: Clock
    private let timer: Timer
    private let line: any GPIOLine
    private let state: Mutex<State>
    private let onReport: @Sendable (Report) -> Void

    public init(
        plan: FlashPlan, clock: Clock, timer: Timer, line: any GPIOLine,
        configuration: FlashSequencer.Configuration = .init(),
        onReport: @escaping @Sendable (Report) -> Void
    ) {
        self.clock = clock
        self.timer = timer
        self.line = line
        self.state = Mutex(State(sequencer: FlashSequencer(plan: plan, configuration: configuration)))
        self.onReport = onReport
    }

    /// Begins the plan (flashes already past by more than the tolerance are skipped).
    public func start() {
        let now = clock.sample().realtime
        feed(.start(now: now))
    }

    /// Ends early; a lit LED is turned off first.
    public func stop() { feed(.stop) }

    /// The deadline armed for `edge` fired (the timer calls this; a host in virtual time may too).
    public func handle(_ edge: FlashEdge) {
        let now = clock.sample().realtime
        feed(.woke(edge, now: now))
    }

    private func feed(_ event: FlashSequencer.Event) {
        // Reports are collected and delivered after the lock is released and every action (the
        // next edge's arming included) is done: what a report does (write the log, print) never
        // delays an edge or runs under the runner's lock.
        var reports: [Report] = []
        state.withLock { s in
            var actions = s.sequencer.handle(event)
            while !actions.isEmpty {
                if let failure = perform(actions, &s, &reports) {
                    reports.append(.failed(failure))
                    // The line may be lit (the failure came after the on edge); best effort off.
                    try? line.set(false)
                    actions = s.sequencer.handle(.abort)
                } else {
                    actions = []
                }
            }
        }
        for report in reports { onReport(report) }
    }

    /// Performs `actions` in order, appending what to report; stops at the first failure and returns it.
    private func perform(_ actions: [FlashSequencer.Action], _ s: inout State, _ reports: inout [Report]) -> FlashRunnerFailure? {
        // The sample read right after driving an edge also maps the edge armed next (an on edge is
        // always followed by arming its off edge): one clock-pair read fewer per flash.
        var fresh: ClockSample?
        for action in actions {
            switch action {
            case .arm(let edge):
                // A fresh sample per edge: a step since the last one moves this deadline with it.
                let deadline = fresh?.monotonic(at: edge.due) ?? clock.deadline(for: edge.due)
                fresh = nil
                do {
                    try timer.arm(at: deadline) { _ in self.handle(edge) }
                } catch {
                    return .timer(error)
                }
            case .drive(let edge):
                do {
                    try line.set(edge.level == .on)
                } catch {
                    return .line(error)
                }
                // Read after the change returned: the LED is known to be in its new state by then.
                let sample = clock.sample()
                fresh = sample
                let at = sample.realtime
                switch edge.level {
                case .on:
                    s.litAt = at
                case .off:
                    let plannedOn = s.sequencer.plan.onInstant(edge.flash)
                    reports.append(.flash(FlashRecord(index: edge.flash, plannedOn: plannedOn, on: s.litAt ?? at, off: at)))
                    s.litAt = nil
                }
            case .skip(let range):
                reports.append(.skip(range))
            case .cancel:
                timer.cancel()
            case .finish(let summary):
                reports.append(.finish(summary))
            }
        }
        return nil
    }
}
