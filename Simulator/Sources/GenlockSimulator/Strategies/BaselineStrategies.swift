import GenlockCore

/// Shared bookkeeping of the baseline strategies: the plan, the next index, the stop index.
class BaselineStrategy {
    unowned(unsafe) let node: SimNode
    var plan: StartPlan?
    var next: Int64 = 0
    var stopIndex: Int64?
    var finished = false
    var halted = false
    let joinMarginNs: Int64

    init(node: SimNode, joinMarginNs: Int64) {
        self.node = node
        self.joinMarginNs = joinMarginNs
    }

    /// Sets `next` to the join index; false when there is nothing to do.
    func begin(_ newPlan: StartPlan) -> Bool {
        guard plan == nil, !halted else { return false }
        var p = newPlan
        if let s = stopIndex { p.stopIndex = min(s, p.stopIndex ?? s) }
        plan = p
        stopIndex = p.stopIndex
        guard let first = joinIndex(p) else {
            node.engine.violation("node \(node.id): no joinable index")
            finished = true
            return false
        }
        next = first
        node.stats.joinedAt.append(first)
        return !reachedStop()
    }

    func joinIndex(_ p: StartPlan) -> Int64? {
        guard let reachable = try? p.schedule.firstIndex(after: node.realtimeNow, margin: TimeSpan(nanoseconds: joinMarginNs)) else { return nil }
        return max(p.firstIndex, reachable)
    }

    func reachedStop() -> Bool {
        if let s = stopIndex, next >= s {
            finished = true
            node.cancelTimer()
            return true
        }
        return false
    }

    func noteStop(_ index: Int64) {
        stopIndex = min(index, stopIndex ?? index)
        if plan != nil { _ = reachedStop() }
    }

    var deadline: RealtimeInstant? { try? plan?.schedule.deadline(of: next) }

    var awaiting: (index: Int64, scheduled: RealtimeInstant)? {
        guard plan != nil, !finished, !halted, let d = deadline else { return nil }
        return (next, d)
    }

    var isFinished: Bool { finished }

    func halt() {
        halted = true
        node.cancelTimer()
    }

    func sampleNow() -> ClockSample { ClockSample(realtime: node.realtimeNow, monotonic: node.monotonicNow) }
}

/// `naive`: polls realtime and captures when it reads one exact value (Tn rounded up to the
/// comparison granularity), as the classic field failure did. Any adjustment that makes
/// realtime skip that value leaves it waiting forever; the watchdog reports it.
final class NaiveStrategy: BaselineStrategy, SimStrategy {
    let pollNs: Int64
    let granularityNs: Int64
    private var nextPoll = MonotonicInstant(nanoseconds: 0)

    init(node: SimNode, joinMarginNs: Int64, pollNs: Int64, granularityNs: Int64) {
        self.pollNs = pollNs
        self.granularityNs = granularityNs
        super.init(node: node, joinMarginNs: joinMarginNs)
    }

    func start(_ plan: StartPlan) {
        guard begin(plan) else { return }
        nextPoll = node.monotonicNow
        poll()
    }

    func stop(at stopIndex: Int64) { noteStop(stopIndex) }

    private func poll() {
        guard !finished, !halted else { return }
        nextPoll = nextPoll + TimeSpan(nanoseconds: pollNs)
        let armedFor = nextPoll
        node.armTimer(.monotonic(armedFor)) { [unowned self] woke in
            guard let target = self.deadline else { return }
            let now = self.node.realtimeNow
            let wanted = (target.nanosecondsSinceEpoch + self.granularityNs - 1) / self.granularityNs
            if now.nanosecondsSinceEpoch / self.granularityNs == wanted {
                self.node.capture(index: self.next, scheduled: target, reading: self.sampleNow(), wakeErrorNs: (now - target).nanoseconds)
                self.next += 1
                if self.reachedStop() { return }
            }
            self.poll()
        }
    }
}

/// `realtime-timer`: an absolute CLOCK_REALTIME timer per frame, with the kernel's semantics:
/// it fires once realtime reads at least Tn, so a forward step makes every skipped deadline fire
/// at once (stale frames captured late) and a backward step delays it.
final class RealtimeTimerStrategy: BaselineStrategy, SimStrategy {
    func start(_ plan: StartPlan) {
        guard begin(plan) else { return }
        arm()
    }

    func stop(at stopIndex: Int64) { noteStop(stopIndex) }

    private func arm() {
        guard !finished, !halted, let target = deadline else { return }
        node.armTimer(.realtime(target)) { [unowned self] _ in
            let reading = self.sampleNow()
            self.node.capture(index: self.next, scheduled: target, reading: reading, wakeErrorNs: (reading.realtime - target).nanoseconds)
            self.next += 1
            if !self.reachedStop() { self.arm() }
        }
    }
}

/// `monotonic`: the classic re-anchored monotonic timer. START's clock sample maps the schedule
/// onto monotonic once; deadlines follow that mapping, re-sampled only every `reanchorNs`, so a
/// realtime step shifts every frame until the next re-anchoring (captured early or late, under
/// the wrong index's instant).
final class MonotonicStrategy: BaselineStrategy, SimStrategy {
    let reanchorNs: Int64
    private var anchor: ClockSample?

    init(node: SimNode, joinMarginNs: Int64, reanchorNs: Int64) {
        self.reanchorNs = reanchorNs
        super.init(node: node, joinMarginNs: joinMarginNs)
    }

    func start(_ plan: StartPlan) {
        guard begin(plan) else { return }
        anchor = node.sampleClockPair(ClockPairSampling())
        arm()
    }

    func stop(at stopIndex: Int64) { noteStop(stopIndex) }

    private func arm() {
        guard !finished, !halted, let target = deadline, var a = anchor else { return }
        if reanchorNs > 0 && (node.monotonicNow - a.monotonic).nanoseconds >= reanchorNs {
            a = node.sampleClockPair(ClockPairSampling())
            anchor = a
        }
        let d = a.monotonic(at: target)
        node.armTimer(.monotonic(d)) { [unowned self] woke in
            self.node.capture(index: self.next, scheduled: target, reading: self.sampleNow(), wakeErrorNs: (woke - d).nanoseconds)
            self.next += 1
            if !self.reachedStop() { self.arm() }
        }
    }
}
