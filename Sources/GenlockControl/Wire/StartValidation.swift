import GenlockCore

extension ControlMessage.Start {
    /// Why a node must refuse this START before acknowledging it, or nil when every field is
    /// usable. The decoder already checked each field alone (a valid rate, indices not negative,
    /// the stop index not before the first); this checks what the node will compute from them, so
    /// no value a key holder sends can make the node trap or accept a run it cannot carry out.
    public var problem: String? {
        guard t0Ns >= 0 else { return "START T0 \(t0Ns) ns is before 1970" }
        let schedule = plan.schedule
        // The node computes the deadline of every index it captures, up to the stop index: the
        // first and the last must fit in 64-bit nanoseconds, and without a stop index so must the
        // frame after the first (the node looks one frame ahead).
        guard firstIndex < .max else { return "START first index \(firstIndex) leaves no room for a frame" }
        let checks = [(firstIndex, "first index"), stopIndex.map { ($0, "stop index") } ?? (firstIndex + 1, "frame after the first index")]
        for (index, what) in checks {
            do { _ = try schedule.deadline(of: index) } catch {
                return "START \(what) \(index) has no deadline in 64-bit time: \(error)"
            }
        }
        return nil
    }
}
