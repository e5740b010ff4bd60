import GenlockCore

extension SimulationReport {
    /// Every step a node took while waiting for a frame, from the per-node logs.
    public var allSteps: [(node: Int, step: StepLateness)] {
        perNode.flatMap { n in n.steps.map { (n.node, $0) } }
    }

    /// The worst realtime lateness of the next frame after a step, over every step followed by a
    /// capture (nil when there was none).
    public var worstLatenessAfterStepNs: Int64? {
        allSteps.compactMap(\.step.nextLatenessNs).max()
    }

    /// The report's step section: realtime lateness per node, and per step the next frame's.
    func stepLines() -> [String] {
        guard capture == Scenario.CaptureMode.requestTimed.rawValue else { return [] }
        var lines = [""]
        lines.append(pad("node", 5) + pad("late p50", 11) + pad("late p99", 11) + "late max   (realtime at capture − Tn, every frame)")
        for n in perNode {
            lines.append(
                pad("\(n.node)", 5) + pad(n.realtimeLatenessNs.map { TimeSpanFormat.text($0.p50) } ?? "-", 11)
                    + pad(n.realtimeLatenessNs.map { TimeSpanFormat.text($0.p99) } ?? "-", 11)
                    + (n.realtimeLatenessNs.map { TimeSpanFormat.text($0.max) } ?? "-"))
        }
        let steps = allSteps
        guard !steps.isEmpty else { return lines }
        lines.append("")
        let awareness = strategy == StrategyKind.genlock.rawValue ? (stepAware ? " (timer step-aware)" : " (timer not step-aware)") : ""
        lines.append("realtime steps while waiting for a frame\(awareness):")
        lines.append(pad("node", 5) + pad("at", 11) + pad("step", 11) + pad("next frame", 11) + pad("skipped", 9) + "its realtime lateness")
        for (node, s) in steps {
            lines.append(
                pad("\(node)", 5) + pad(TimeSpanFormat.text(s.atNs), 11) + pad((s.byNs > 0 ? "+" : "") + TimeSpanFormat.text(s.byNs), 11)
                    + pad(s.nextIndex.map(String.init) ?? "none", 11) + pad("\(s.skipped)", 9)
                    + (s.nextLatenessNs.map { TimeSpanFormat.text($0) } ?? "n/a (no frame after it)"))
        }
        if let worst = worstLatenessAfterStepNs {
            lines.append("worst realtime lateness of the next frame after a step: \(TimeSpanFormat.text(worst))")
        }
        return lines
    }
}
