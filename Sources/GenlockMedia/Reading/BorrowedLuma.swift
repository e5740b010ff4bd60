/// A decoded frame's luma plane (8 bits per pixel), borrowed from the decoder for the length of
/// one call (``RecordingReader/nextLuma(_:)``): no copy is made, so it must not escape.
public struct BorrowedLuma {
    public let width: Int
    public let height: Int
    /// Bytes from one row to the next (at least `width`; the decoder pads rows).
    public let stride: Int
    /// Row `r` starts at `bytes[r * stride]`; the last row ends at `width` bytes.
    public let bytes: UnsafeBufferPointer<UInt8>
}
