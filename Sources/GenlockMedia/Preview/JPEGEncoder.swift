import CFFmpeg
import CFFmpegShim

/// Scales a decoded picture (libswscale) and encodes it as a baseline JPEG (libavcodec's MJPEG
/// encoder, full-range 4:2:0). Keeps its scaler and encoder between calls; reopens the encoder
/// only when the output size changes.
final class JPEGEncoder {
    let quality: Int
    private var scaler: OpaquePointer?
    private var encoder: UnsafeMutablePointer<AVCodecContext>?
    private var encoderSize = (width: 0, height: 0)
    private var scaled: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var encoded: Int64 = 0

    init(quality: Int) { self.quality = min(31, max(2, quality)) }

    deinit {
        sws_freeContext(scaler)
        if encoder != nil { avcodec_free_context(&encoder) }
        if scaled != nil { av_frame_free(&scaled) }
        if packet != nil { av_packet_free(&packet) }
    }

    func encode(_ source: UnsafeMutablePointer<AVFrame>, width: Int, height: Int) throws(MediaError) -> [UInt8] {
        let encoder = try openEncoder(width: width, height: height)
        scaler = sws_getCachedContext(
            scaler, source.pointee.width, source.pointee.height, AVPixelFormat(rawValue: source.pointee.format),
            Int32(width), Int32(height), AV_PIX_FMT_YUVJ420P, Int32(SWS_BILINEAR), nil, nil, nil)
        guard let scaler else { throw MediaError.invalidFrame("libswscale cannot convert pixel format \(source.pointee.format) to a \(width)x\(height) JPEG") }
        if scaled == nil { scaled = av_frame_alloc() }
        guard let scaled else { throw FFmpeg.error("cannot allocate a frame for", "preview", -12) }
        av_frame_unref(scaled)
        scaled.pointee.width = Int32(width)
        scaled.pointee.height = Int32(height)
        scaled.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        try FFmpeg.check(av_frame_get_buffer(scaled, 0), "cannot allocate the scaled picture for", "preview")
        let rows = withUnsafePointer(to: source.pointee.data) { src in
            withUnsafePointer(to: source.pointee.linesize) { srcLines in
                withUnsafeMutablePointer(to: &scaled.pointee.data) { dst in
                    withUnsafeMutablePointer(to: &scaled.pointee.linesize) { dstLines in
                        src.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { src in
                            srcLines.withMemoryRebound(to: Int32.self, capacity: 8) { srcLines in
                                dst.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { dst in
                                    dstLines.withMemoryRebound(to: Int32.self, capacity: 8) { dstLines in
                                        sws_scale(scaler, src, srcLines, 0, source.pointee.height, dst, dstLines)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard rows == Int32(height) else { throw MediaError.invalidFrame("libswscale produced \(rows) of \(height) rows") }
        scaled.pointee.quality = Int32(quality) * FF_QP2LAMBDA
        // Increasing, as every encoder expects of the frames it is sent.
        scaled.pointee.pts = encoded
        encoded += 1
        try FFmpeg.check(avcodec_send_frame(encoder, scaled), "cannot encode the JPEG of", "preview")
        if packet == nil { packet = av_packet_alloc() }
        guard let packet else { throw FFmpeg.error("cannot allocate a packet for", "preview", -12) }
        try FFmpeg.check(avcodec_receive_packet(encoder, packet), "cannot encode the JPEG of", "preview")
        defer { av_packet_unref(packet) }
        return Array(UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size)))
    }

    private func openEncoder(width: Int, height: Int) throws(MediaError) -> UnsafeMutablePointer<AVCodecContext> {
        if let encoder, encoderSize == (width, height) { return encoder }
        if encoder != nil { avcodec_free_context(&encoder) }
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else { throw MediaError.unknownCodec("mjpeg (libavcodec has no MJPEG encoder)") }
        guard let context = avcodec_alloc_context3(codec) else { throw FFmpeg.error("cannot allocate the JPEG encoder for", "preview", -12) }
        context.pointee.width = Int32(width)
        context.pointee.height = Int32(height)
        context.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        context.pointee.time_base = AVRational(num: 1, den: 1)
        context.pointee.flags |= AV_CODEC_FLAG_QSCALE
        context.pointee.thread_count = 1
        let opened = avcodec_open2(context, codec, nil)
        guard opened >= 0 else {
            var c: UnsafeMutablePointer<AVCodecContext>? = context
            avcodec_free_context(&c)
            throw FFmpeg.error("cannot open the JPEG encoder for", "preview", opened)
        }
        encoder = context
        encoderSize = (width, height)
        return context
    }
}
