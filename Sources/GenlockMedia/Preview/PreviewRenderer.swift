import CFFmpeg
import CFFmpegShim
import GenlockCore

/// Turns a camera's stream into preview JPEGs: decodes its packets through libavcodec, scales the
/// picture with libswscale to at most `maximumWidth` wide, and encodes it with libavcodec's MJPEG
/// encoder. Every packet must be decoded (H.264 pictures depend on earlier ones), but scaling
/// and encoding happen only when ``PreviewThrottle`` says a preview is due (about once a second).
///
/// One renderer per camera stream; not thread-safe (the ingest's per-camera task owns it).
public final class PreviewRenderer {
    public let parameters: EncodedStreamParameters
    public let maximumWidth: Int
    private var throttle: PreviewThrottle
    private let decoder: PacketDecoder
    private let encoder: JPEGEncoder
    /// Indices of packets sent and not yet out of the decoder (B-frames reorder; x264 as the
    /// recorder configures it does not, but a stream may).
    private var pending: [(index: Int64, scheduledNs: Int64)] = []

    /// Opens a decoder for `parameters`. `quality`: the MJPEG quantiser, 2 (best) … 31.
    public init(parameters: EncodedStreamParameters, maximumWidth: Int = 640, quality: Int = 5, interval: TimeSpan = .seconds(1)) throws(MediaError) {
        self.parameters = parameters
        self.maximumWidth = max(16, maximumWidth)
        throttle = PreviewThrottle(interval: interval)
        encoder = JPEGEncoder(quality: quality)
        guard parameters.width > 0, parameters.height > 0 else {
            throw MediaError.invalidFrame("a preview of a \(parameters.width)x\(parameters.height) stream")
        }
        decoder = try PacketDecoder(parameters: parameters)
    }

    /// Decodes `input`, the packet of frame `index` (`Tn` = `scheduledNs`), packets in stream
    /// order; returns a preview when one is due at `now` and the decoder produced a picture, nil
    /// otherwise. A damaged packet throws, naming it.
    public func consume(_ input: EncodedPacket, index: Int64, scheduledNs: Int64, now: MonotonicInstant) throws(MediaError) -> PreviewImage? {
        pending.append((index, scheduledNs))
        var image: PreviewImage?
        try decoder.decode(input, index: index) { (decoded, decodedIndex) throws(MediaError) in
            let scheduled = pending.first { $0.index == decodedIndex }?.scheduledNs ?? scheduledNs
            pending.removeAll { $0.index <= decodedIndex }
            if throttle.due(at: now) {
                image = try render(decoded, index: decodedIndex, scheduledNs: scheduled)
            }
        }
        return image
    }

    /// A preview of an already decoded picture (a raw stream, or the node's own frame), now.
    public func render(_ frame: VideoFrame, index: Int64, scheduledNs: Int64) throws(MediaError) -> PreviewImage {
        try frame.validate()
        guard let picture = av_frame_alloc() else { throw FFmpeg.error("cannot allocate a frame for", "preview", -12) }
        var p: UnsafeMutablePointer<AVFrame>? = picture
        defer { av_frame_free(&p) }
        picture.pointee.width = Int32(frame.width)
        picture.pointee.height = Int32(frame.height)
        picture.pointee.format = frame.layout.avPixelFormat.rawValue
        // One contiguous copy, so a single pointer stays valid while FFmpeg reads every plane.
        var offsets: [Int] = []
        var bytes: [UInt8] = []
        for plane in frame.planes {
            offsets.append(bytes.count)
            bytes += plane.bytes
        }
        return try bytes.withUnsafeMutableBufferPointer { (buffer) throws(MediaError) -> PreviewImage in
            withUnsafeMutablePointer(to: &picture.pointee.data) { data in
                withUnsafeMutablePointer(to: &picture.pointee.linesize) { lines in
                    data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { data in
                        lines.withMemoryRebound(to: Int32.self, capacity: 8) { lines in
                            for (i, plane) in frame.planes.enumerated() {
                                data[i] = buffer.baseAddress! + offsets[i]
                                lines[i] = Int32(plane.stride)
                            }
                        }
                    }
                }
            }
            return try render(picture, index: index, scheduledNs: scheduledNs)
        }
    }

    private func render(_ source: UnsafeMutablePointer<AVFrame>, index: Int64, scheduledNs: Int64) throws(MediaError) -> PreviewImage {
        let width = Int(source.pointee.width), height = Int(source.pointee.height)
        let scale = min(1.0, Double(maximumWidth) / Double(max(1, width)))
        // Even sizes: the JPEG's chroma is subsampled 2×2.
        let outWidth = max(2, Int(Double(width) * scale) & ~1), outHeight = max(2, Int(Double(height) * scale) & ~1)
        let jpeg = try encoder.encode(source, width: outWidth, height: outHeight)
        return PreviewImage(jpeg: jpeg, index: index, scheduledNs: scheduledNs, width: outWidth, height: outHeight)
    }

    /// Releases the decoder (also done on deinit).
    public func close() { decoder.close() }
}
