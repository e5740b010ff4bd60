import CFFmpeg
import CFFmpegShim
import GenlockCore
import Glibc

/// One video file: an FFmpeg encoder feeding the Matroska muxer. Not thread-safe; the
/// ``CameraRecorder`` owning it serializes calls.
///
/// Crash safety: libavformat's Matroska muxer keeps the open cluster in memory and writes it
/// whole when the cluster ends. ``flushCluster()`` ends it (a NULL packet to `av_write_frame`)
/// and flushes the AVIOContext, so after a SIGKILL the file holds every flushed cluster and
/// ffprobe and ``RecordingReader`` read it (the segment size stays "unknown"; there are no cues,
/// so seeking is slow, but every frame is there). `cluster_time_limit` bounds clusters as well.
final class VideoFileWriter {
    struct Settings {
        var codec: VideoCodec
        var width: Int
        var height: Int
        var layout: PixelLayout
        var frameRate: FrameRate?
        var keyframeInterval: Int
        var encoderThreads: Int
        var clusterTimeLimitMilliseconds: Int64
        var metadata: [(String, String)]
        /// libavformat's muxer: Matroska for recordings; `mp4` for exports to tools that read MP4.
        var container = "matroska"
        /// x264's constant rate factor (nil: libx264's default). Exports re-encoding lossless
        /// sources ask for a near-transparent quality.
        var x264CRF: Int? = nil
        /// x264's speed preset and tuning (``X264Tuning``): ultrafast + zerolatency by default.
        var x264 = X264Tuning.live
        /// Write packets encoded elsewhere (``write(_:)-EncodedPacket``) instead of encoding frames:
        /// the stream is declared from these parameters and no encoder is opened.
        var remux: EncodedStreamParameters? = nil
        /// Keep a copy of every packet written (``takeWrittenPackets()``), for a recording tee.
        var keepPackets = false
    }

    let path: String
    private let settings: Settings
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var encoder: UnsafeMutablePointer<AVCodecContext>?
    private var stream: UnsafeMutablePointer<AVStream>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var scaler: OpaquePointer?
    private var opened = false
    /// Packets written since the last ``takeWrittenPackets()`` (only with `keepPackets`).
    private var written: [EncodedPacket] = []

    init(path: String, settings: Settings) throws(MediaError) {
        self.path = path
        self.settings = settings
        FFmpeg.configureOnce()
        do {
            try open()
        } catch {
            release()
            throw error
        }
    }

    deinit { release() }

    private func open() throws(MediaError) {
        try FFmpeg.check(avformat_alloc_output_context2(&format, nil, settings.container, path), "cannot set up the \(settings.container) muxer for", path)
        guard let format else { throw FFmpeg.error("cannot set up the \(settings.container) muxer for", path, -12) }
        if let remux = settings.remux {
            try openRemux(format, remux)
            return
        }
        guard let codec = avcodec_find_encoder_by_name(settings.codec.encoderName) else {
            throw MediaError.ffmpeg(operation: "FFmpeg has no encoder \(settings.codec.encoderName) for", path: path, code: -1, message: "encoder not found")
        }
        guard let stream = avformat_new_stream(format, nil) else { throw FFmpeg.error("cannot add a video stream to", path, -12) }
        self.stream = stream
        guard let encoder = avcodec_alloc_context3(codec) else { throw FFmpeg.error("cannot allocate an encoder for", path, -12) }
        self.encoder = encoder

        let encodedLayout = settings.codec.encoderLayout(for: settings.layout)
        encoder.pointee.width = Int32(settings.width)
        encoder.pointee.height = Int32(settings.height)
        encoder.pointee.pix_fmt = encodedLayout.avPixelFormat
        encoder.pointee.time_base = FFmpeg.millisecondTimeBase
        if let rate = settings.frameRate {
            encoder.pointee.framerate = AVRational(num: Int32(clamping: rate.numerator), den: Int32(clamping: rate.denominator))
        }
        encoder.pointee.gop_size = Int32(settings.keyframeInterval)
        encoder.pointee.max_b_frames = 0
        encoder.pointee.thread_count = Int32(settings.encoderThreads)
        if (format.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER) != 0 {
            encoder.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        if settings.codec == .x264 {
            av_opt_set(encoder.pointee.priv_data, "preset", settings.x264.preset, 0)
            if let tune = settings.x264.tune { av_opt_set(encoder.pointee.priv_data, "tune", tune, 0) }
            if let crf = settings.x264CRF { av_opt_set(encoder.pointee.priv_data, "crf", String(crf), 0) }
        }
        try FFmpeg.check(avcodec_open2(encoder, codec, nil), "cannot open the \(settings.codec) encoder for", path)
        try FFmpeg.check(avcodec_parameters_from_context(stream.pointee.codecpar, encoder), "cannot configure the stream of", path)
        stream.pointee.time_base = FFmpeg.millisecondTimeBase
        if let rate = settings.frameRate {
            stream.pointee.avg_frame_rate = encoder.pointee.framerate
            stream.pointee.r_frame_rate = AVRational(num: Int32(clamping: rate.numerator), den: Int32(clamping: rate.denominator))
        }
        try openFile(format)

        guard let frame = av_frame_alloc(), let packet = av_packet_alloc() else { throw FFmpeg.error("cannot allocate frames for", path, -12) }
        self.frame = frame
        self.packet = packet
        frame.pointee.format = encodedLayout.avPixelFormat.rawValue
        frame.pointee.width = Int32(settings.width)
        frame.pointee.height = Int32(settings.height)
        try FFmpeg.check(av_frame_get_buffer(frame, 0), "cannot allocate a frame buffer for", path)
        if encodedLayout != settings.layout {
            scaler = sws_getContext(
                Int32(settings.width), Int32(settings.height), settings.layout.avPixelFormat,
                Int32(settings.width), Int32(settings.height), encodedLayout.avPixelFormat,
                SWS_POINT, nil, nil, nil)
            guard scaler != nil else { throw FFmpeg.error("cannot convert \(settings.layout) to \(encodedLayout) for", path, -22) }
        }
    }

    /// Declares the stream from `remux` (no encoder): packets are copied in as they are.
    private func openRemux(_ format: UnsafeMutablePointer<AVFormatContext>, _ remux: EncodedStreamParameters) throws(MediaError) {
        guard let codec = avcodec_find_encoder_by_name(remux.codec.encoderName) ?? avcodec_find_decoder_by_name(remux.codec.encoderName) else {
            throw MediaError.ffmpeg(operation: "FFmpeg does not know the codec \(remux.codec) for", path: path, code: -1, message: "codec not found")
        }
        guard let stream = avformat_new_stream(format, nil) else { throw FFmpeg.error("cannot add a video stream to", path, -12) }
        self.stream = stream
        let parameters = stream.pointee.codecpar!
        parameters.pointee.codec_type = AVMEDIA_TYPE_VIDEO
        parameters.pointee.codec_id = codec.pointee.id
        parameters.pointee.width = Int32(remux.width)
        parameters.pointee.height = Int32(remux.height)
        parameters.pointee.format = remux.codec.encoderLayout(for: remux.layout).avPixelFormat.rawValue
        if !remux.extradata.isEmpty {
            guard let extra = av_mallocz(remux.extradata.count + Int(AV_INPUT_BUFFER_PADDING_SIZE)) else { throw FFmpeg.error("cannot allocate the codec header for", path, -12) }
            remux.extradata.withUnsafeBytes { extra.copyMemory(from: $0.baseAddress!, byteCount: remux.extradata.count) }
            parameters.pointee.extradata = extra.assumingMemoryBound(to: UInt8.self)
            parameters.pointee.extradata_size = Int32(remux.extradata.count)
        }
        stream.pointee.time_base = FFmpeg.millisecondTimeBase
        if let rate = settings.frameRate {
            let r = AVRational(num: Int32(clamping: rate.numerator), den: Int32(clamping: rate.denominator))
            stream.pointee.avg_frame_rate = r
            stream.pointee.r_frame_rate = r
        }
        try openFile(format)
        guard let packet = av_packet_alloc() else { throw FFmpeg.error("cannot allocate packets for", path, -12) }
        self.packet = packet
    }

    /// What a muxer elsewhere needs to hold this writer's packets (after the encoder opened).
    var streamParameters: EncodedStreamParameters? {
        if let remux = settings.remux { return remux }
        guard let encoder else { return nil }
        let extradata = encoder.pointee.extradata.map { Array(UnsafeBufferPointer(start: $0, count: Int(encoder.pointee.extradata_size))) } ?? []
        return EncodedStreamParameters(codec: settings.codec, width: settings.width, height: settings.height, layout: settings.layout, extradata: extradata)
    }

    /// The packets written since the last call (with `keepPackets`), oldest first.
    func takeWrittenPackets() -> [EncodedPacket] {
        defer { written.removeAll(keepingCapacity: true) }
        return written
    }

    /// Writes a packet encoded elsewhere, byte for byte (remux writers only).
    func write(_ encoded: EncodedPacket) throws(MediaError) {
        guard settings.remux != nil, let packet else { throw MediaError.closed(path: path) }
        try FFmpeg.check(av_new_packet(packet, Int32(encoded.data.count)), "cannot allocate a packet for", path)
        encoded.data.withUnsafeBytes { packet.pointee.data.update(from: $0.bindMemory(to: UInt8.self).baseAddress!, count: encoded.data.count) }
        packet.pointee.pts = encoded.pts
        packet.pointee.dts = encoded.dts
        if encoded.isKeyframe { packet.pointee.flags |= AV_PKT_FLAG_KEY }
        try writePacket(packet)
    }

    /// Tags the file, claims its name and writes the Matroska header.
    private func openFile(_ format: UnsafeMutablePointer<AVFormatContext>) throws(MediaError) {
        for (key, value) in settings.metadata { av_dict_set(&format.pointee.metadata, key, value, 0) }

        // Claim the name before libavformat opens it (with truncation): a file already there is
        // an earlier run's video, and is never overwritten.
        let claimed = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard claimed >= 0 else {
            if errno == EEXIST { throw MediaError.refusingToOverwrite(path: path, reason: "already exists") }
            throw FileSystem.error("cannot create", path)
        }
        Glibc.close(claimed)
        try FFmpeg.check(avio_open(&format.pointee.pb, path, AVIO_FLAG_WRITE), "cannot create", path)
        var options: OpaquePointer?
        defer { av_dict_free(&options) }
        if settings.container == "matroska" {
            av_dict_set(&options, "cluster_time_limit", String(settings.clusterTimeLimitMilliseconds), 0)
        }
        try FFmpeg.check(avformat_write_header(format, &options), "cannot write the \(settings.container) header of", path)
        opened = true
        avio_flush(format.pointee.pb)
    }

    /// Encodes `video` with presentation timestamp `pts` (milliseconds, ``PresentationClock``)
    /// and writes whatever packets the encoder returns.
    func write(_ video: VideoFrame, pts: Int64) throws(MediaError) {
        guard let frame, let encoder else { throw MediaError.closed(path: path) }
        if settings.codec == .raw, scaler == nil {
            try writeRaw(video, pts: pts)
            return
        }
        try FFmpeg.check(av_frame_make_writable(frame), "cannot reuse the frame buffer of", path)
        try copy(video, into: frame)
        frame.pointee.pts = pts
        try FFmpeg.check(avcodec_send_frame(encoder, frame), "cannot encode a frame for", path)
        try drainPackets()
    }

    /// Raw frames skip the encoder: the planes are packed straight into the packet, exactly as
    /// the rawvideo encoder would pack them, saving a copy of every frame.
    private func writeRaw(_ video: VideoFrame, pts: Int64) throws(MediaError) {
        guard let packet else { throw MediaError.closed(path: path) }
        let layout = video.layout
        let size = av_image_get_buffer_size(layout.avPixelFormat, Int32(video.width), Int32(video.height), 1)
        try FFmpeg.check(size, "cannot size a raw frame for", path)
        try FFmpeg.check(av_new_packet(packet, size), "cannot allocate a packet for", path)
        withPlanePointers(video) { sources, strides in
            var offset = 0
            for plane in 0..<layout.planeCount {
                let rows = layout.planeSize(plane, width: video.width, height: video.height)
                av_image_copy_plane(packet.pointee.data + offset, Int32(rows.rowBytes), sources[plane], strides[plane], Int32(rows.rowBytes), Int32(rows.rows))
                offset += rows.rowBytes * rows.rows
            }
        }
        packet.pointee.pts = pts
        packet.pointee.dts = pts
        packet.pointee.flags |= AV_PKT_FLAG_KEY
        try writePacket(packet)
    }

    private func copy(_ video: VideoFrame, into frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
        let layout = video.layout
        withPlanePointers(video) { sources, strides in
            if let scaler {
                var src: [UnsafePointer<UInt8>?] = sources.map { UnsafePointer($0) }
                var srcStride = strides
                while src.count < 4 { src.append(nil); srcStride.append(0) }
                withUnsafeMutablePointer(to: &frame.pointee.data) { data in
                    withUnsafeMutablePointer(to: &frame.pointee.linesize) { lines in
                        data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { dst in
                            lines.withMemoryRebound(to: Int32.self, capacity: 8) { dstStride in
                                _ = sws_scale(scaler, src, srcStride, 0, Int32(video.height), dst, dstStride)
                            }
                        }
                    }
                }
                return
            }
            withUnsafeMutablePointer(to: &frame.pointee.data) { data in
                withUnsafeMutablePointer(to: &frame.pointee.linesize) { lines in
                    data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { dst in
                        lines.withMemoryRebound(to: Int32.self, capacity: 8) { dstStride in
                            for plane in 0..<layout.planeCount {
                                let size = layout.planeSize(plane, width: video.width, height: video.height)
                                av_image_copy_plane(dst[plane], dstStride[plane], sources[plane], strides[plane], Int32(size.rowBytes), Int32(size.rows))
                            }
                        }
                    }
                }
            }
        }
    }

    private func drainPackets() throws(MediaError) {
        guard let encoder, let packet else { return }
        while true {
            let status = avcodec_receive_packet(encoder, packet)
            if status == FFmpeg.again || status == FFmpeg.eof { return }
            try FFmpeg.check(status, "cannot encode a frame for", path)
            try writePacket(packet)
        }
    }

    /// Writes one packet whose timestamps are in the encoder's time base (1/1000 s).
    private func writePacket(_ packet: UnsafeMutablePointer<AVPacket>) throws(MediaError) {
        guard let format, let stream else { throw MediaError.closed(path: path) }
        if settings.keepPackets {
            let size = Int(packet.pointee.size)
            written.append(EncodedPacket(
                pts: packet.pointee.pts, dts: packet.pointee.dts, isKeyframe: (packet.pointee.flags & AV_PKT_FLAG_KEY) != 0,
                data: size > 0 ? Array(UnsafeBufferPointer(start: packet.pointee.data, count: size)) : []))
        }
        av_packet_rescale_ts(packet, FFmpeg.millisecondTimeBase, stream.pointee.time_base)
        packet.pointee.stream_index = stream.pointee.index
        let written = av_write_frame(format, packet)
        av_packet_unref(packet)
        try FFmpeg.check(written, "cannot write to", path)
        try FFmpeg.check(format.pointee.pb.pointee.error, "cannot write to", path)
    }

    /// Ends the open cluster and pushes it to the file, so a crash cannot lose it.
    func flushCluster() throws(MediaError) {
        guard let format, opened else { return }
        try FFmpeg.check(av_write_frame(format, nil), "cannot flush", path)
        avio_flush(format.pointee.pb)
        try FFmpeg.check(format.pointee.pb.pointee.error, "cannot write to", path)
    }

    /// Drains the encoder, writes the cues and trailer, and closes the file. After a write
    /// error it still closes the file, keeping every cluster already written.
    func finish() throws(MediaError) {
        defer { release() }
        guard opened, let format else { return }
        var firstError: MediaError?
        if let encoder {
            do {
                try FFmpeg.check(avcodec_send_frame(encoder, nil), "cannot drain the encoder of", path)
                try drainPackets()
            } catch { firstError = error }
        }
        let trailer = av_write_trailer(format)
        opened = false
        if firstError == nil, trailer < 0 { firstError = FFmpeg.error("cannot finish", path, trailer) }
        let pbError = format.pointee.pb?.pointee.error ?? 0
        if firstError == nil, pbError < 0 { firstError = FFmpeg.error("cannot write to", path, pbError) }
        if let firstError { throw firstError }
    }

    /// Closes the file without a trailer (after a failure): what was flushed stays readable.
    func abandon() {
        if let format, opened {
            avio_flush(format.pointee.pb)
        }
        opened = false
        release()
    }

    private func release() {
        if let format {
            if opened { _ = av_write_trailer(format) }
            opened = false
            if format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
            avformat_free_context(format)
            self.format = nil
        }
        if encoder != nil { avcodec_free_context(&encoder) }
        if frame != nil { av_frame_free(&frame) }
        if packet != nil { av_packet_free(&packet) }
        if let scaler { sws_freeContext(scaler); self.scaler = nil }
        stream = nil
    }
}

/// Calls `body` with each plane's base address and stride.
private func withPlanePointers<R>(
    _ video: VideoFrame, _ body: ([UnsafePointer<UInt8>], [Int32]) -> R
) -> R {
    let strides = video.planes.map { Int32($0.stride) }
    func nest(_ index: Int, _ collected: [UnsafePointer<UInt8>]) -> R {
        if index == video.planes.count { return body(collected, strides) }
        return video.planes[index].bytes.withUnsafeBufferPointer { buffer in
            nest(index + 1, collected + [buffer.baseAddress!])
        }
    }
    return nest(0, [])
}
