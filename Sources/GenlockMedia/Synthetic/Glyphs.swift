/// A 5×7 pixel font for the digits, drawn white into a luma plane.
enum Glyphs {
    /// Rows top to bottom; bit 4 is the leftmost column.
    static let digits: [[UInt8]] = [
        [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],  // 0
        [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],  // 1
        [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],  // 2
        [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],  // 3
        [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],  // 4
        [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],  // 5
        [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],  // 6
        [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],  // 7
        [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],  // 8
        [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],  // 9
        [0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00],  // -
    ]

    /// Draws `text` (digits and `-`) with its top-left corner at (`left`, `top`), each font
    /// pixel `scale`×`scale`, on a black box so it reads over the moving pattern. Clipped.
    static func draw(
        _ text: String, left: Int, top: Int, scale: Int,
        _ y: UnsafeMutableBufferPointer<UInt8>, _ stride: Int, _ width: Int, _ height: Int
    ) {
        let advance = 6 * scale
        let boxRight = min(width, left + advance * text.count + scale)
        let boxBottom = min(height, top + 8 * scale)
        if top < boxBottom, left < boxRight {
            for row in top..<boxBottom { for column in left..<boxRight { y[row * stride + column] = TestPattern.black } }
        }
        for (position, character) in text.enumerated() {
            let glyph: [UInt8]
            if let digit = character.wholeNumberValue { glyph = digits[digit] } else if character == "-" { glyph = digits[10] } else { continue }
            let x0 = left + scale + position * advance
            for (row, bits) in glyph.enumerated() {
                for column in 0..<5 where (bits >> UInt8(4 - column)) & 1 == 1 {
                    for dy in 0..<scale {
                        let py = top + scale / 2 + row * scale + dy
                        guard py < height else { continue }
                        for dx in 0..<scale {
                            let px = x0 + column * scale + dx
                            if px < width { y[py * stride + px] = TestPattern.white }
                        }
                    }
                }
            }
        }
    }
}
