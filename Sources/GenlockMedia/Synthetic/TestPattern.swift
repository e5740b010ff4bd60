/// The synthetic camera's picture: a moving pattern, plus the frame index and `Tn` drawn so a
/// person (or ``decode(_:)``) can read them off any camera's frame and check alignment by eye.
///
/// Layout of the luma plane, top to bottom:
/// - two bar codes of 64 cells each, most significant bit first, white = 1: the frame index,
///   then `Tn` in realtime ns since the epoch; a black-white-black guard frames each code;
/// - the index in large digits, then `Tn` in smaller digits;
/// - behind everything, a diagonal ramp that slides 8 pixels per frame and a white bar that
///   sweeps across, so a frozen or repeated frame is obvious in playback.
public enum TestPattern {
    /// Guard cells on each side of a 64-bit code.
    static let guardCells = 2
    static let cells = 64 + 2 * guardCells
    static let white: UInt8 = 235
    static let black: UInt8 = 16

    /// The geometry of the codes for a frame size.
    struct Geometry {
        var cellWidth: Int
        var codeHeight: Int
        var margin: Int
        init(width: Int, height: Int) {
            cellWidth = max(1, width / (Self.cellsAcross + 2))
            codeHeight = max(2, height / 24)
            margin = max(1, cellWidth)
        }
        static let cellsAcross = TestPattern.cells
        func codeTop(_ row: Int) -> Int { margin + row * (codeHeight + margin) }
    }

    /// Renders frame `index` scheduled at `scheduledNs` into a fresh frame.
    public static func render(index: Int64, scheduledNs: Int64, width: Int, height: Int, layout: PixelLayout) -> VideoFrame {
        var frame = VideoFrame(width: width, height: height, layout: layout, luma: black)
        let stride = frame.planes[0].stride
        frame.planes[0].bytes.withUnsafeMutableBufferPointer { y in
            let shift = Int(truncatingIfNeeded: index &* 8)
            let barX = Int(truncatingIfNeeded: (index &* 16) % Int64(max(width, 1)))
            let barWidth = max(2, width / 40)
            for row in 0..<height {
                let base = row * stride
                for column in 0..<width {
                    y[base + column] = UInt8(truncatingIfNeeded: 40 + ((column + row + shift) & 127))
                }
                let end = min(width, barX + barWidth)
                if barX < end { for column in barX..<end { y[base + column] = white } }
            }
            let g = Geometry(width: width, height: height)
            drawCode(UInt64(bitPattern: index), top: g.codeTop(0), g, y, stride, width, height)
            drawCode(UInt64(bitPattern: scheduledNs), top: g.codeTop(1), g, y, stride, width, height)
            let big = max(1, height / 48)
            var top = g.codeTop(2) + g.margin
            Glyphs.draw(String(index), left: g.margin, top: top, scale: big, y, stride, width, height)
            top += 9 * big
            Glyphs.draw(String(scheduledNs), left: g.margin, top: top, scale: max(1, big / 3), y, stride, width, height)
        }
        return frame
    }

    private static func drawCode(
        _ value: UInt64, top: Int, _ g: Geometry, _ y: UnsafeMutableBufferPointer<UInt8>, _ stride: Int, _ width: Int, _ height: Int
    ) {
        for cell in 0..<cells {
            let bit: Bool
            if cell < guardCells || cell >= cells - guardCells {
                bit = cell == 1 || cell == cells - 2
            } else {
                bit = (value >> UInt64(63 - (cell - guardCells))) & 1 == 1
            }
            // Clipped: a frame too small for the whole code shows what fits.
            let left = g.margin + cell * g.cellWidth
            let right = min(width, left + g.cellWidth), bottom = min(height, top + g.codeHeight)
            guard left < right, top < bottom else { continue }
            for row in top..<bottom {
                for column in left..<right { y[row * stride + column] = bit ? white : black }
            }
        }
    }

    /// Reads the index and `Tn` back from a frame's bar codes (sampling each cell's centre),
    /// or nil when the guards are not where they should be. Survives lossy compression.
    public static func decode(_ frame: VideoFrame) -> (index: Int64, scheduledNs: Int64)? {
        let g = Geometry(width: frame.width, height: frame.height)
        let plane = frame.planes[0]
        func read(_ row: Int) -> UInt64? {
            let y = g.codeTop(row) + g.codeHeight / 2
            guard y < frame.height, g.margin + cells * g.cellWidth <= frame.width else { return nil }
            func bit(_ cell: Int) -> Bool {
                let x = g.margin + cell * g.cellWidth + g.cellWidth / 2
                return plane.bytes[y * plane.stride + min(x, frame.width - 1)] >= 128
            }
            guard !bit(0), bit(1), bit(cells - 2), !bit(cells - 1) else { return nil }
            var value: UInt64 = 0
            for cell in guardCells..<(cells - guardCells) { value = value << 1 | (bit(cell) ? 1 : 0) }
            return value
        }
        guard let index = read(0), let scheduled = read(1) else { return nil }
        return (Int64(bitPattern: index), Int64(bitPattern: scheduled))
    }
}
