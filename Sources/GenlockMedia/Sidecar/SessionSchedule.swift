import GenlockCore

/// Frame `n` is one instant `Tn = T0 + n·P` on every camera of a session. Sidecars whose rows
/// disagree on it are two sessions in one folder (a camera recorded into it later, under the same
/// session name): pairing their frames by index pairs frames taken minutes apart, so every reader
/// of the session (frameset table, export, verify, the recorder joining it) refuses them.
public enum SessionSchedule {
    /// Why the cameras' rows are not one schedule's, or nil when they are. Rows of the same index
    /// must say the same `Tn` (within 1 µs); cameras with no index in common must still lie on one line of
    /// `Tn` against `n` (the period taken from the camera with the longest span of rows).
    public static func conflict(cameras: [String], rows: [[FrameRecord]]) -> String? {
        var seen: [Int64: (camera: String, scheduled: RealtimeInstant)] = [:]
        for (camera, records) in zip(cameras, rows) {
            for record in records {
                if let first = seen[record.index] {
                    // Within 1 µs: a writer that rounded its period to whole ns is not another
                    // session (whose offset is anywhere in a period).
                    guard abs((first.scheduled - record.scheduled).nanoseconds) <= 1_000 else {
                        return "\(camera) says index \(record.index) is at \(record.scheduled.nanosecondsSinceEpoch) ns and \(first.camera) "
                            + "at \(first.scheduled.nanosecondsSinceEpoch) ns: frame n is one instant on every camera, so these are "
                            + "two sessions' recordings in one folder"
                    }
                } else {
                    seen[record.index] = (camera, record.scheduled)
                }
            }
        }
        // The reference: the camera whose rows span the most indices, for the period.
        let spans = zip(cameras, rows).compactMap { camera, records -> (camera: String, first: FrameRecord, last: FrameRecord)? in
            guard let first = records.first, let last = records.last, last.index > first.index else { return nil }
            return (camera, first, last)
        }
        guard let reference = spans.max(by: { $0.last.index - $0.first.index < $1.last.index - $1.first.index }) else { return nil }
        let periodNs = Double((reference.last.scheduled - reference.first.scheduled).nanoseconds)
            / Double(reference.last.index - reference.first.index)
        let spanFrames = Double(reference.last.index - reference.first.index)
        for (camera, records) in zip(cameras, rows) where camera != reference.camera {
            guard let first = records.first else { continue }
            let frames = Double(first.index - reference.first.index)
            let predicted = Double(reference.first.scheduled.nanosecondsSinceEpoch) + frames * periodNs
            // Tn is truncated to whole ns, so the period read off the rows is within 2 ns over
            // its span, and the prediction within that times the frames it is carried over.
            let toleranceNs = Self.toleranceNs(periodNs: periodNs) + 2 * abs(frames) / spanFrames
            if abs(Double(first.scheduled.nanosecondsSinceEpoch) - predicted) > toleranceNs {
                return "\(camera)'s index \(first.index) is at \(first.scheduled.nanosecondsSinceEpoch) ns, not on \(reference.camera)'s schedule "
                    + "(\(Int64(predicted.rounded())) ns): frame n is one instant on every camera, so these are two sessions' recordings in one folder"
            }
        }
        return nil
    }

    /// The first of `records`' first and last rows that is not on `schedule` (a recording about
    /// to join the session checks the cameras already there), or nil.
    public static func offSchedule(_ records: [FrameRecord], schedule: FrameSchedule) -> FrameRecord? {
        let toleranceNs = Self.toleranceNs(periodNs: Double(schedule.rate.nominalPeriod.nanoseconds))
        return [records.first, records.last].compactMap { $0 }.first { record in
            guard let expected = try? schedule.deadline(of: record.index) else { return true }
            return Double(abs((expected - record.scheduled).nanoseconds)) > toleranceNs
        }
    }

    /// How far two writers' `Tn` may differ and still be one schedule: a thousandth of a period, at
    /// least 1 µs. Far under another session's offset (anywhere in a period), and blind to how a
    /// writer rounded its instants.
    static func toleranceNs(periodNs: Double) -> Double { max(1_000, periodNs / 1000) }
}
