import GenlockCore

/// START→ACK of the session's START fan-out, per camera, measured by the coordinator on the
/// monotonic clock: from the tick that decided START (its clock sample, taken before any START was
/// framed) to the instant the coordinator handled the camera's ACK. So the figure is the whole round
/// trip as the coordinator lives it: framing and writing every START of the fan-out, the network both
/// ways, the node, and the ACK waiting behind whatever else the event loop had to read (a flood, say).
///
/// One line sums it up, once: when every camera of the fan-out has acknowledged, or at T0 with those
/// that had not (the core names them as late). A late joiner's or an adopted session's START is not
/// timed: the line is about the START the coordinator decided.
struct StartAcknowledgements: Sendable {
    private var sentAt: [String: MonotonicInstant] = [:]
    private var roundTripNs: [String: Int64] = [:]
    private(set) var isReported = false

    /// START was framed for camera `name` at `now`.
    mutating func sent(to name: String, at now: MonotonicInstant) {
        guard !isReported else { return }
        sentAt[name] = now
        roundTripNs[name] = nil
    }

    /// Camera `name` acknowledged its START at `now`: the summary line when it was the last.
    mutating func acknowledged(by name: String, at now: MonotonicInstant) -> String? {
        guard !isReported, let sent = sentAt[name], roundTripNs[name] == nil else { return nil }
        roundTripNs[name] = (now - sent).nanoseconds
        return roundTripNs.count == sentAt.count ? report() : nil
    }

    /// T0 has come: the summary line, whoever has acknowledged (nothing when START went nowhere).
    mutating func t0Reached() -> String? {
        guard !isReported, !sentAt.isEmpty else { return nil }
        return report()
    }

    private mutating func report() -> String {
        isReported = true
        let missing = sentAt.count - roundTripNs.count
        let of = missing == 0 ? "\(sentAt.count) cameras" : "\(roundTripNs.count) of \(sentAt.count) cameras (\(missing) not acknowledged by T0)"
        guard let stats = Percentiles(Array(roundTripNs.values)) else { return "START→ACK: none of \(sentAt.count) cameras acknowledged START by T0" }
        return "START→ACK of \(of), from framing START to reading the ACK (monotonic): \(stats)"
    }
}
