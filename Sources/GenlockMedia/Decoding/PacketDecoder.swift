import CFFmpeg
import CFFmpegShim
import GenlockCore

/// A libavcodec decoder for one camera's stream of encoded packets (no container): opened from
/// the stream's codec parameters (``EncodedStreamParameters``: codec, size, layout, extradata),
/// fed packets in stream order, giving decoded pictures tagged with the frame index they were
/// sent with. What the preview renderer and the ingest's frameset decoding both use.
///
/// Not thread-safe: one owner feeds it.
public final class PacketDecoder {
    public let parameters: EncodedStreamParameters
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var decoded: UnsafeMutablePointer<AVFrame>?

    /// Opens a decoder for `parameters` (one thread: frames come out as soon as their packet went in).
    public init(parameters: EncodedStreamParameters) throws(MediaError) {
        FFmpeg.configureOnce()
        self.parameters = parameters
        guard parameters.width > 0, parameters.height > 0 else {
            throw MediaError.invalidFrame("a decoder for a \(parameters.width)x\(parameters.height) stream")
        }
        guard let codec = avcodec_find_decoder_by_name(parameters.codec.decoderName) else { throw MediaError.unknownCodec(parameters.codec.decoderName) }
        guard let context = avcodec_alloc_context3(codec) else { throw FFmpeg.error("cannot allocate a decoder for", "\(parameters.codec)", -12) }
        decoder = context
        context.pointee.width = Int32(parameters.width)
        context.pointee.height = Int32(parameters.height)
        // What the encoder was fed (FFV1 stores NV12 as YUV 4:2:0); a raw stream needs it to decode.
        context.pointee.pix_fmt = parameters.codec.encoderLayout(for: parameters.layout).avPixelFormat
        if !parameters.extradata.isEmpty {
            let padded = parameters.extradata.count + Int(AV_INPUT_BUFFER_PADDING_SIZE)
            guard let buffer = av_mallocz(padded)?.assumingMemoryBound(to: UInt8.self) else {
                close()
                throw FFmpeg.error("cannot allocate extradata for", "\(parameters.codec)", -12)
            }
            parameters.extradata.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: $0.count) }
            context.pointee.extradata = buffer
            context.pointee.extradata_size = Int32(parameters.extradata.count)
        }
        context.pointee.thread_count = 1
        let opened = avcodec_open2(context, codec, nil)
        guard opened >= 0 else {
            close()
            throw FFmpeg.error("cannot open the \(parameters.codec) decoder for", "\(parameters.width)x\(parameters.height)", opened)
        }
        packet = av_packet_alloc()
        decoded = av_frame_alloc()
    }

    deinit { close() }

    /// Sends `input`, the packet of frame `index`; returns the pictures the decoder gave back
    /// (copied), each with the index its packet was sent with. A damaged packet throws, naming it.
    public func decode(_ input: EncodedPacket, index: Int64) throws(MediaError) -> [(index: Int64, frame: VideoFrame)] {
        var out: [(index: Int64, frame: VideoFrame)] = []
        let source = "\(parameters.codec) frame \(index)"
        try decode(input, index: index) { (picture, decodedIndex) throws(MediaError) in
            out.append((decodedIndex, try VideoFrame(copying: picture, source: source)))
        }
        return out
    }

    /// Sends `input`, the packet of frame `index`, and hands every picture the decoder gives back
    /// to `body` with the index its packet was sent with (the picture is valid only during the
    /// call). A damaged packet throws, naming it.
    func decode(_ input: EncodedPacket, index: Int64, _ body: (UnsafeMutablePointer<AVFrame>, Int64) throws(MediaError) -> Void) throws(MediaError) {
        guard let decoder, let packet, let decoded else { throw MediaError.closed(path: "\(parameters.codec) decoder") }
        guard !input.data.isEmpty else { throw MediaError.invalidFrame("the packet of frame \(index) is empty") }
        try FFmpeg.check(av_new_packet(packet, Int32(input.data.count)), "cannot allocate a packet for", "frame \(index)")
        input.data.withUnsafeBufferPointer { packet.pointee.data.update(from: $0.baseAddress!, count: $0.count) }
        if input.isKeyframe { packet.pointee.flags |= AV_PKT_FLAG_KEY }
        packet.pointee.pts = index
        packet.pointee.dts = index
        defer { av_packet_unref(packet) }
        let sent = avcodec_send_packet(decoder, packet)
        if sent < 0, sent != FFmpeg.again { throw FFmpeg.error("cannot decode packet of frame \(index) in", parameters.codec.description, sent) }
        while true {
            let status = avcodec_receive_frame(decoder, decoded)
            if status == FFmpeg.again || status == FFmpeg.eof { break }
            try FFmpeg.check(status, "cannot decode frame \(index) of", parameters.codec.description)
            defer { av_frame_unref(decoded) }
            try body(decoded, decoded.pointee.pts)
        }
    }

    /// Forgets every reference picture (before starting again at a keyframe after a gap).
    public func reset() {
        if let decoder { avcodec_flush_buffers(decoder) }
    }

    /// Releases the decoder (also done on deinit).
    public func close() {
        if decoder != nil { avcodec_free_context(&decoder) }
        if packet != nil { av_packet_free(&packet) }
        if decoded != nil { av_frame_free(&decoded) }
    }
}

extension VideoFrame {
    /// A copy of a decoded picture's planes, tightly packed. Throws when its pixel format is not
    /// one of ``PixelLayout``'s; `source` names the stream in the error.
    init(copying picture: UnsafeMutablePointer<AVFrame>, source: String) throws(MediaError) {
        guard let layout = PixelLayout(AVPixelFormat(rawValue: picture.pointee.format)) else {
            throw MediaError.invalidFrame("\(source): decoded pixel format \(picture.pointee.format) is not yuv420p, nv12 or gray8")
        }
        let width = Int(picture.pointee.width), height = Int(picture.pointee.height)
        var planes: [VideoFrame.Plane] = []
        withUnsafePointer(to: picture.pointee.data) { data in
            withUnsafePointer(to: picture.pointee.linesize) { lines in
                data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { data in
                    lines.withMemoryRebound(to: Int32.self, capacity: 8) { lines in
                        for plane in 0..<layout.planeCount {
                            let size = layout.planeSize(plane, width: width, height: height)
                            var bytes = [UInt8](repeating: 0, count: size.rowBytes * size.rows)
                            bytes.withUnsafeMutableBufferPointer { out in
                                av_image_copy_plane(out.baseAddress, Int32(size.rowBytes), data[plane], lines[plane], Int32(size.rowBytes), Int32(size.rows))
                            }
                            planes.append(.init(bytes: bytes, stride: size.rowBytes))
                        }
                    }
                }
            }
        }
        self.init(width: width, height: height, layout: layout, planes: planes)
    }
}
