import CFFmpeg
import CFFmpegShim

/// Reads a recording's packets back without decoding them (libavformat demux only): what the
/// node back-fills the ingest from. Reads a file still being written up to its last flushed
/// cluster.
public final class PacketReader {
    public let path: String
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var streamIndex: Int32 = 0
    private var timeBase = FFmpeg.millisecondTimeBase
    /// The stream's codec header as the file stores it (H.264 in Matroska: avcC), and frame size.
    /// Read from the container's header alone (no `avformat_find_stream_info`, which decodes
    /// frames): Matroska stores all three (CodecPrivate, PixelWidth, PixelHeight).
    public private(set) var extradata: [UInt8] = []
    public private(set) var width = 0
    public private(set) var height = 0
    /// The encoder that made the stream (nil: a codec no recorder writes).
    public private(set) var codec: VideoCodec?

    public init(path: String) throws(MediaError) {
        FFmpeg.configureOnce()
        self.path = path
        var context: UnsafeMutablePointer<AVFormatContext>?
        try FileSystem.requireRegularFile(path)
        try FFmpeg.check(avformat_open_input(&context, path, nil, nil), "cannot open", path)
        format = context
        let index = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard index >= 0 else {
            close()
            throw FFmpeg.error("no video stream in", path, index)
        }
        streamIndex = index
        let stream = context!.pointee.streams[Int(index)]!
        timeBase = stream.pointee.time_base
        let parameters = stream.pointee.codecpar.pointee
        width = Int(parameters.width)
        height = Int(parameters.height)
        if let extra = parameters.extradata, parameters.extradata_size > 0 {
            extradata = Array(UnsafeBufferPointer(start: extra, count: Int(parameters.extradata_size)))
        }
        codec = VideoCodec.allCases.first { avcodec_find_decoder_by_name($0.decoderName)?.pointee.id == parameters.codec_id }
        packet = av_packet_alloc()
    }

    deinit { close() }

    /// What a muxer needs to copy these packets (nil for a codec no recorder writes). Matroska's
    /// header does not say the pixel layout (without decoding, libavformat leaves it unset), so
    /// it is `layout` as given: a muxer copying packets does not read it.
    public func streamParameters(layout: PixelLayout = .yuv420p) -> EncodedStreamParameters? {
        guard let codec else { return nil }
        return EncodedStreamParameters(codec: codec, width: width, height: height, layout: layout, extradata: extradata)
    }

    /// The next packet (timestamps in 1/1000 s), or nil at the end of what is readable.
    public func next() -> EncodedPacket? {
        guard let format, let packet else { return nil }
        while av_read_frame(format, packet) >= 0 {
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            av_packet_rescale_ts(packet, timeBase, FFmpeg.millisecondTimeBase)
            let size = Int(packet.pointee.size)
            return EncodedPacket(
                pts: packet.pointee.pts, dts: packet.pointee.dts == Int64.min ? packet.pointee.pts : packet.pointee.dts,
                isKeyframe: (packet.pointee.flags & AV_PKT_FLAG_KEY) != 0,
                data: size > 0 ? Array(UnsafeBufferPointer(start: packet.pointee.data, count: size)) : [])
        }
        return nil
    }

    /// Moves to the keyframe at or before `pts` (1/1000 s; libavformat's seek, which in a file
    /// without cues yet reads clusters forward to find it); the next packets follow from there.
    /// Returns false when the file cannot seek (the caller reads from the start instead).
    public func seek(toPTS pts: Int64) -> Bool {
        guard let format else { return false }
        let target = av_rescale_q(pts, FFmpeg.millisecondTimeBase, timeBase)
        return av_seek_frame(format, streamIndex, target, AVSEEK_FLAG_BACKWARD) >= 0
    }

    /// Every readable packet, in file order.
    public func all() -> [EncodedPacket] {
        var out: [EncodedPacket] = []
        while let p = next() { out.append(p) }
        return out
    }

    private func close() {
        if packet != nil { av_packet_free(&packet) }
        if format != nil { avformat_close_input(&format) }
    }
}
