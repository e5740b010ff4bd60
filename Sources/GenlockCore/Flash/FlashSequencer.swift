/// One edge of a flash: the LED goes on or off at a realtime instant of the plan.
public struct FlashEdge: Hashable, Sendable {
    public enum Level: Hashable, Sendable {
        case on, off
    }
    /// The flash index `k` of the plan.
    public var flash: Int
    public var level: Level
    /// When the edge is due on the shared timeline.
    public var due: RealtimeInstant

    public init(flash: Int, level: Level, due: RealtimeInstant) {
        self.flash = flash
        self.level = level
        self.due = due
    }
}

/// How a flash run ended, and what it did.
public struct FlashSummary: Hashable, Sendable {
    public enum Outcome: Hashable, Sendable {
        /// Every flash of the plan was fired or skipped.
        case completed
        /// A stop request ended the run early (the LED was turned off first).
        case stopped
        /// The runner could not go on (the line or the timer failed); it reports why.
        case aborted
    }
    public var outcome: Outcome
    /// Flashes turned on and then off.
    public var fired: Int
    /// Flashes not fired because their on-instant had passed by more than the late tolerance.
    public var skipped: Int
    /// Wake-ups where realtime had not reached the edge yet (a backward step): re-armed, never early.
    public var earlyWakes: Int

    public init(outcome: Outcome, fired: Int, skipped: Int, earlyWakes: Int) {
        self.outcome = outcome
        self.fired = fired
        self.skipped = skipped
        self.earlyWakes = earlyWakes
    }
}

/// The LED flash state machine: a pure counterpart of ``CaptureScheduler`` for a ``FlashPlan``.
///
/// Events in (start, a wake-up for an edge with the realtime read on waking, stop, abort),
/// actions out (arm the next edge, drive the line, skip late flashes, finish). It never waits for
/// realtime to reach a value: the runner arms each edge as an absolute monotonic deadline, and
/// every wake-up is judged against realtime anew. A flash whose on-instant has passed by more
/// than the late tolerance is skipped and reported rather than fired late, because a late flash
/// would light the wrong rows and mislead the analyzer. An off edge is never skipped: the LED
/// must not stay lit.
public struct FlashSequencer: Sendable {
    /// Tunables.
    public struct Configuration: Hashable, Sendable {
        /// How late (realtime past the on-instant) a flash may still be fired. The actual on
        /// instant is logged, so a slightly late flash still measures correctly; 1 ms (less than a
        /// typical HIL exposure) keeps a stalled flash from landing in a different part of the frame.
        public var lateTolerance: TimeSpan
        public init(lateTolerance: TimeSpan = .milliseconds(1)) { self.lateTolerance = lateTolerance }
    }

    public enum Event: Hashable, Sendable {
        /// Begin the plan; `now` is realtime read just before.
        case start(now: RealtimeInstant)
        /// The deadline armed for `edge` fired; `now` is realtime read on waking.
        case woke(FlashEdge, now: RealtimeInstant)
        /// End early: turn the LED off if it is lit, then finish.
        case stop
        /// The runner cannot drive the line or arm the timer any more: finish without further edges.
        case abort
    }

    public enum Action: Hashable, Sendable {
        /// Arm (replacing any armed deadline) the timer for this edge's due instant.
        case arm(FlashEdge)
        /// Drive the line to this edge's level now.
        case drive(FlashEdge)
        /// These flashes are not fired: their on-instants passed more than the tolerance ago.
        case skip(Range<Int>)
        /// Disarm the timer.
        case cancel
        /// The run is over.
        case finish(FlashSummary)
    }

    public enum State: Hashable, Sendable {
        case idle
        case armed(FlashEdge)
        case finished(FlashSummary)
    }

    public let plan: FlashPlan
    public let configuration: Configuration
    public private(set) var state: State = .idle
    private var fired = 0
    private var skipped = 0
    private var earlyWakes = 0

    public init(plan: FlashPlan, configuration: Configuration = .init()) {
        self.plan = plan
        self.configuration = configuration
    }

    /// Feeds one event and returns what to do, in order.
    public mutating func handle(_ event: Event) -> [Action] {
        switch (event, state) {
        case (.abort, .finished(var summary)) where summary.outcome != .aborted:
            // The actions that finished the run failed before their `.finish` was carried out (the
            // last off edge, or the off edge of a stop): the run ends aborted instead.
            summary.outcome = .aborted
            state = .finished(summary)
            return [.finish(summary)]
        case (_, .finished):
            return []
        case (.start(let now), .idle):
            return armNextFlash(from: 0, now: now)
        case (.start, _):
            return []  // a second start changes nothing
        case (.woke(let edge, let now), .armed(let armed)) where edge == armed:
            return woke(edge, now: now)
        case (.woke, _):
            return []  // a stale wake-up for an edge no longer armed
        case (.stop, .armed(let armed)) where armed.level == .off:
            // Lit: turn off now rather than at the planned instant; the flash still counts.
            fired += 1
            return [.cancel, .drive(armed), finish(.stopped)]
        case (.stop, .armed):
            return [.cancel, finish(.stopped)]
        case (.stop, .idle):
            return [finish(.stopped)]
        case (.abort, _):
            return [.cancel, finish(.aborted)]
        }
    }

    private mutating func woke(_ edge: FlashEdge, now: RealtimeInstant) -> [Action] {
        if now < edge.due {
            // The monotonic deadline passed but realtime has not reached the edge: realtime was
            // stepped back (or slewed) after arming. Re-arm through a fresh mapping; never early.
            earlyWakes += 1
            return [.arm(edge)]
        }
        switch edge.level {
        case .on:
            if now - edge.due > configuration.lateTolerance {
                return armNextFlash(from: edge.flash, now: now)
            }
            let off = FlashEdge(flash: edge.flash, level: .off, due: plan.offInstant(edge.flash))
            state = .armed(off)
            return [.drive(edge), .arm(off)]
        case .off:
            fired += 1
            return [.drive(edge)] + armNextFlash(from: edge.flash + 1, now: now)
        }
    }

    /// Arms the first flash at or after `k` that can still be fired on time, skipping the others.
    private mutating func armNextFlash(from k: Int, now: RealtimeInstant) -> [Action] {
        let next = firstOnTimeFlash(from: k, now: now)
        var actions: [Action] = []
        if next > k {
            skipped += next - k
            actions.append(.skip(k..<next))
        }
        guard next < plan.count else {
            actions.append(finish(.completed))
            return actions
        }
        let on = FlashEdge(flash: next, level: .on, due: plan.onInstant(next))
        state = .armed(on)
        actions.append(.arm(on))
        return actions
    }

    /// The first flash `j ≥ k` whose on-instant is no more than the tolerance before `now`
    /// (`plan.count` if none). On-instants strictly increase, so a binary search finds it.
    private func firstOnTimeFlash(from k: Int, now: RealtimeInstant) -> Int {
        let earliest = now - configuration.lateTolerance
        var lo = k
        var hi = plan.count
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if plan.onInstant(mid) < earliest { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    private mutating func finish(_ outcome: FlashSummary.Outcome) -> Action {
        let summary = FlashSummary(outcome: outcome, fired: fired, skipped: skipped, earlyWakes: earlyWakes)
        state = .finished(summary)
        return .finish(summary)
    }
}
