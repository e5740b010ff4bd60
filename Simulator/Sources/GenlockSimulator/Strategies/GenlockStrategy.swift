import GenlockCore
import GenlockHAL
import GenlockNode

/// Genlock's strategy: the real ``CaptureScheduler`` inside the real ``CaptureDriver``, over
/// the simulated clock pair and deadline timer. Nothing here decides anything about timing;
/// it only forwards the driver's reports to the node, so what the simulator shows about this
/// strategy it shows about the code that runs on a Pi.
final class GenlockStrategy: SimStrategy {
    private let driver: CaptureDriver<SimClockPair, SimDeadlineTimer>
    private let timer: SimDeadlineTimer
    private unowned(unsafe) let node: SimNode

    init(node: SimNode, joinMarginNs: Int64) {
        self.node = node
        // `strategies.step-aware` (`genlock sim --steps`): the timer with or without the kernel's
        // cancel-on-set notice, as `genlock camera` runs it with or without --ignore-realtime-steps.
        timer = SimDeadlineTimer(node: node, stepAware: node.engine.scenario.strategies.stepAware)
        driver = CaptureDriver(
            clock: SimClockPair(node: node), timer: timer,
            configuration: .init(joinMargin: TimeSpan(nanoseconds: joinMarginNs))
        ) { [node = Borrowed(node)] report in
            node.borrow { Self.forward(report, to: $0) }
        }
    }

    /// Hands one of the driver's reports to the node (every frame passes here).
    private static func forward(_ report: CaptureDriver<SimClockPair, SimDeadlineTimer>.Report, to node: SimNode) {
        switch report {
        case .capture(let request):
            node.capture(index: request.index, scheduled: request.scheduled, reading: request.wake, wakeErrorNs: request.wakeError.nanoseconds)
        case .skip(let range):
            node.skipped(range)
        case .armFailed(let error):
            node.engine.violation("node \(node.id): arming a deadline failed: \(error)")
        case .finish(let summary):
            node.stats.earlyWakes += summary.earlyWakes
            // Frames captured before STOP arrived but at or after its index are counted where the
            // recording layer drops them (Simulation.record), not here, so nothing counts twice.
            if case .failed(let error) = summary.outcome {
                node.engine.violation("node \(node.id): schedule failed: \(error)")
            }
        }
    }

    func start(_ plan: StartPlan) {
        driver.start(plan)
        if case .armed(let d) = driver.state { node.stats.joinedAt.append(d.index) }
    }

    func stop(at stopIndex: Int64) { driver.stop(at: stopIndex) }

    func halt() { timer.shutdown() }

    var awaiting: (index: Int64, scheduled: RealtimeInstant)? {
        if case .armed(let d) = driver.state { return (d.index, d.scheduled) }
        return nil
    }

    var isFinished: Bool {
        if case .finished = driver.state { return true }
        return false
    }
}
