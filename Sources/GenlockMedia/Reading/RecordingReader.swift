import CFFmpeg
import CFFmpegShim
import GenlockCore

/// A frame decoded from a recording, joined with its sidecar row.
public struct DecodedFrame: Sendable {
    /// Presentation timestamp in ticks of 1/1000 s (``PresentationClock``).
    public var pts: Int64
    /// The instant the PTS stands for on the shared timeline, when the file names its epoch.
    public var instant: RealtimeInstant?
    /// The pixels, in the layout the decoder produced.
    public var frame: VideoFrame
    /// The sidecar row whose `Tn` has this PTS (nil without a sidecar, or when no row matches).
    public var record: FrameRecord?
    /// The frame index, from the sidecar row.
    public var index: Int64? { record?.index }
}

/// Reads one recorded video file: decodes its frames in order with their PTS, and joins each
/// with the sidecar row for its index.
///
/// The join is by timestamp: every row's `Tn` gives the PTS its frame was written with
/// (``PresentationClock`` with the epoch stored in the file), and that PTS identifies the index.
/// A file cut short by a crash reads up to its last whole cluster; ``endedEarly`` then says so.
///
/// `decoderThreads` is libavcodec's thread count: 1 (the default) decodes on the calling thread;
/// 0 lets FFmpeg choose one per core, as the ffmpeg CLI does. Frame threading applies to every
/// codec the recorder writes (x264 and FFV1 are both frame-threaded decoders in libavcodec), slice
/// threading where the stream has slices (FFV1 version 2 and later); frames still come out in order.
public final class RecordingReader {
    public let path: String
    /// The file's global tags (``RecordingTags``).
    public let tags: [String: String]
    /// `T0`, from the `GENLOCK_EPOCH_REALTIME_NS` tag.
    public let epoch: RealtimeInstant?
    /// The sidecar's rows, in index order (empty without a sidecar).
    public let records: [FrameRecord]
    /// Whether reading stopped at damaged or missing data rather than a clean end of file.
    public private(set) var endedEarly = false
    /// Whether the stream says its luma uses the full range (0…255); false for limited range
    /// (16…235) and for a stream that does not say.
    public private(set) var isFullRange = false

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var decoded: UnsafeMutablePointer<AVFrame>?
    private var streamIndex: Int32 = 0
    private var streamTimeBase = FFmpeg.millisecondTimeBase
    private var recordsByPTS: [Int64: FrameRecord] = [:]
    private var draining = false
    private var done = false

    /// The cores libavcodec counts when its thread count is 0 (the CPUs this process may run on),
    /// so that a caller splitting "one thread per core" between several readers means what FFmpeg means.
    public static var coreCount: Int { max(1, Int(av_cpu_count())) }

    /// Opens `path`; `sidecar` (a `<camera>.frames.csv`) is joined when given.
    public convenience init(path: String, sidecar: String? = nil, decoderThreads: Int = 1) throws(MediaError) {
        let records = try sidecar.map { path throws(MediaError) in try SidecarFormat.parse(try FileSystem.read(path), path: path) } ?? []
        try self.init(path: path, records: records, decoderThreads: decoderThreads)
    }

    /// Opens `path` and joins the sidecar rows `records` (already read).
    public init(path: String, records: [FrameRecord], decoderThreads: Int = 1) throws(MediaError) {
        guard decoderThreads >= 0 else { throw MediaError.invalidFrame("decoder threads must not be negative (0: one per core), not \(decoderThreads)") }
        FFmpeg.configureOnce()
        self.path = path
        var context: UnsafeMutablePointer<AVFormatContext>?
        try FileSystem.requireRegularFile(path)
        try FFmpeg.check(avformat_open_input(&context, path, nil, nil), "cannot open", path)
        format = context
        var tags: [String: String] = [:]
        var entry: UnsafeMutablePointer<AVDictionaryEntry>?
        while let next = av_dict_get(context!.pointee.metadata, "", entry, AV_DICT_IGNORE_SUFFIX) {
            tags[String(cString: next.pointee.key)] = String(cString: next.pointee.value)
            entry = next
        }
        self.tags = tags
        epoch = tags[RecordingTags.epoch].flatMap(Int64.init).map { RealtimeInstant(nanosecondsSinceEpoch: $0) }
        self.records = records
        if let epoch {
            let clock = PresentationClock(epoch: epoch)
            for record in records where record.isRecorded { recordsByPTS[clock.pts(of: record.scheduled)] = record }
        }
        do {
            try openDecoder(threads: decoderThreads)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    private func openDecoder(threads: Int) throws(MediaError) {
        guard let format else { return }
        try FFmpeg.check(avformat_find_stream_info(format, nil), "cannot read the streams of", path)
        var codec: UnsafePointer<AVCodec>?
        let index = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0)
        try FFmpeg.check(index, "no video stream in", path)
        streamIndex = index
        let stream = format.pointee.streams[Int(index)]!
        streamTimeBase = stream.pointee.time_base
        guard let codec, let decoder = avcodec_alloc_context3(codec) else { throw FFmpeg.error("no decoder for", path, -22) }
        self.decoder = decoder
        try FFmpeg.check(avcodec_parameters_to_context(decoder, stream.pointee.codecpar), "cannot configure the decoder for", path)
        decoder.pointee.thread_count = Int32(clamping: threads)
        decoder.pointee.thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE
        try FFmpeg.check(avcodec_open2(decoder, codec, nil), "cannot open the decoder for", path)
        isFullRange = stream.pointee.codecpar.pointee.color_range == AVCOL_RANGE_JPEG
            || [AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P].contains(AVPixelFormat(rawValue: stream.pointee.codecpar.pointee.format))
        packet = av_packet_alloc()
        decoded = av_frame_alloc()
    }

    /// The next frame, or nil at the end of the file (or of its readable part).
    public func next() throws(MediaError) -> DecodedFrame? {
        guard let decoded, try receive() else { return nil }
        defer { av_frame_unref(decoded) }
        return try convert(decoded)
    }

    /// The next frame's luma plane and sidecar row (nil when none has its PTS), lent to `body`
    /// without a copy: the analyzer reads nothing else, and copying every plane of every frame
    /// cost about as much as its own work. Nil at the end of the file. The plane is valid only
    /// during the call.
    public func nextLuma<Result>(_ body: (BorrowedLuma, FrameRecord?) -> Result) throws(MediaError) -> Result? {
        guard let decoded, try receive() else { return nil }
        defer { av_frame_unref(decoded) }
        guard PixelLayout(AVPixelFormat(rawValue: decoded.pointee.format)) != nil else {
            throw MediaError.invalidFrame("\(path): decoded pixel format \(decoded.pointee.format) is not yuv420p, nv12 or gray8")
        }
        let width = Int(decoded.pointee.width), height = Int(decoded.pointee.height), stride = Int(decoded.pointee.linesize.0)
        guard let base = decoded.pointee.data.0, stride >= width, width > 0, height > 0 else {
            throw MediaError.invalidFrame("\(path): decoded luma plane \(width)x\(height) with line size \(stride)")
        }
        let luma = BorrowedLuma(width: width, height: height, stride: stride,
                                bytes: UnsafeBufferPointer(start: base, count: (height - 1) * stride + width))
        return body(luma, recordsByPTS[presentationTime(decoded)])
    }

    /// Decodes until a frame is in `decoded` (true) or the readable part of the file ends (false).
    private func receive() throws(MediaError) -> Bool {
        guard let format, let decoder, let packet, let decoded else { return false }
        while !done {
            let status = avcodec_receive_frame(decoder, decoded)
            if status == 0 { return true }
            if status == FFmpeg.eof { done = true; break }
            if status != FFmpeg.again { try FFmpeg.check(status, "cannot decode", path) }
            if draining { done = true; break }
            let read = av_read_frame(format, packet)
            if read < 0 {
                if read != FFmpeg.eof { endedEarly = true }
                draining = true
                _ = avcodec_send_packet(decoder, nil)
                continue
            }
            defer { av_packet_unref(packet) }
            if packet.pointee.stream_index != streamIndex { continue }
            let sent = avcodec_send_packet(decoder, packet)
            if sent < 0, sent != FFmpeg.again {
                // A damaged last packet (the file was cut mid-write): keep what decoded so far.
                endedEarly = true
                draining = true
                _ = avcodec_send_packet(decoder, nil)
            }
        }
        return false
    }

    /// A decoded frame's PTS in ticks of ``PresentationClock``.
    private func presentationTime(_ source: UnsafeMutablePointer<AVFrame>) -> Int64 {
        let raw = source.pointee.best_effort_timestamp != genlock_nopts_value() ? source.pointee.best_effort_timestamp : source.pointee.pts
        return av_rescale_q(raw, streamTimeBase, FFmpeg.millisecondTimeBase)
    }

    /// Every remaining frame.
    public func readAll() throws(MediaError) -> [DecodedFrame] {
        var frames: [DecodedFrame] = []
        while let frame = try next() { frames.append(frame) }
        return frames
    }

    private func convert(_ source: UnsafeMutablePointer<AVFrame>) throws(MediaError) -> DecodedFrame {
        let pts = presentationTime(source)
        return DecodedFrame(
            pts: pts, instant: epoch.map { PresentationClock(epoch: $0).instant(ofPTS: pts) },
            frame: try VideoFrame(copying: source, source: path),
            record: recordsByPTS[pts])
    }

    /// Releases FFmpeg's resources (also done on deinit).
    public func close() {
        if decoder != nil { avcodec_free_context(&decoder) }
        if packet != nil { av_packet_free(&packet) }
        if decoded != nil { av_frame_free(&decoded) }
        if format != nil { avformat_close_input(&format) }
    }
}
