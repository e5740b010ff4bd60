/// Whether a camera said to have a global shutter lights its rows as one.
///
/// A global shutter exposes every row over the same window, so a flash scales the whole region's
/// light profile: every lit frame has the same shape (the diffuser's), only brighter or dimmer. A
/// rolling shutter lights a band of rows, and the band moves with the flash's instant. A session
/// whose `sensors.csv` says `global` for a rolling-shutter camera was read as a sweep and gave a
/// skew of the wrong sign, three times too large, with no diagnostic; this check sees the bands.
enum ShutterShapeCheck {
    /// How far a frame's normalised profile may stray from the camera's common shape (as a share
    /// of its plateau) before its lit rows count as a band of their own.
    static let bandShare: Float = 0.5

    /// The lit frames whose row profile (each row's light over the background, over the frame's
    /// plateau, smoothed over three rows) differs from the median profile of the bright frames
    /// by more than ``bandShare`` at some row. Frames whose plateau is under twice `threshold`
    /// are too dim for their shape to be read and are left out.
    static func bandedFrames(_ lit: [(index: Int64, excess: [Float], plateau: Float)], threshold: Float) -> (banded: [Int64], checked: Int) {
        let bright = lit.filter { $0.plateau >= 2 * threshold && !$0.excess.isEmpty }
        guard let rows = bright.first?.excess.count, bright.count >= 2, bright.allSatisfy({ $0.excess.count == rows }) else { return ([], 0) }
        let shapes = bright.map { frame in
            (0..<rows).map { row in
                let lo = max(row - 1, 0), hi = min(row + 1, rows - 1)
                return (frame.excess[lo] + frame.excess[row] + frame.excess[hi]) / (3 * frame.plateau)
            }
        }
        let common = (0..<rows).map { row in
            let column = shapes.map { $0[row] }.sorted()
            return column[column.count / 2]
        }
        var banded: [Int64] = []
        for (frame, shape) in zip(bright, shapes) where zip(shape, common).contains(where: { abs($0 - $1) > bandShare }) {
            banded.append(frame.index)
        }
        return (banded, bright.count)
    }
}
