/// One realtime step a node took while its capture code waited for a frame, and what the next
/// captured frame made of it: the `step-storm` figure of issue 14.
public struct StepLateness: Hashable, Sendable, Codable {
    /// True time of the step (ns since the run began).
    public var atNs: Int64
    /// The step (realtime after minus before), either sign; a servo step too.
    public var byNs: Int64
    /// The first frame captured after the step (nil: none before the run ended).
    public var nextIndex: Int64?
    /// That frame's realtime lateness as the node measured it: realtime read on waking minus `Tn`.
    public var nextLatenessNs: Int64?
    /// Frames skipped between the step and that capture.
    public var skipped: Int64 = 0
}

/// A node's steps while waiting, filled in as its next frames are captured.
struct StepLatenessLog: Sendable {
    private(set) var steps: [StepLateness] = []
    /// Steps not yet followed by a capture (several steps may share one next frame).
    private var open = 0
    /// The node's skipped count at the first open step.
    private var skippedAtOpen: Int64 = 0

    /// A step of `byNs` at true time `atNs`; `skippedSoFar` is the node's skip count now.
    mutating func stepped(atNs: Int64, byNs: Int64, skippedSoFar: Int64) {
        if open == 0 { skippedAtOpen = skippedSoFar }
        steps.append(StepLateness(atNs: atNs, byNs: byNs))
        open += 1
    }

    /// A frame was captured: it is the next frame of every open step.
    @inline(__always)
    mutating func captured(index: Int64, latenessNs: Int64, skippedSoFar: Int64) {
        guard open > 0 else { return }
        for i in (steps.count - open)..<steps.count {
            steps[i].nextIndex = index
            steps[i].nextLatenessNs = latenessNs
            steps[i].skipped = skippedSoFar - skippedAtOpen
        }
        open = 0
    }
}
