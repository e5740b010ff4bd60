import CFFmpeg
import CFFmpegShim
import GenlockCore

/// A recorded video's encoded packets, undecoded, with the stream's parameters: what a camera's
/// stream carries, read back from its file (the ingest's back-fill, and the preview tests).
/// Each packet's index and `Tn` come from its PTS and the file's epoch tag (``PresentationClock``),
/// matched to the sidecar's rows.
public enum RecordedPackets {
    /// Reads every video packet of `path`; `records` (its sidecar's rows) give the indices.
    public static func read(path: String, records: [FrameRecord]) throws(MediaError) -> (StreamParameters, [EncodedPacket]) {
        FFmpeg.configureOnce()
        var format: UnsafeMutablePointer<AVFormatContext>?
        try FFmpeg.check(avformat_open_input(&format, path, nil, nil), "cannot open", path)
        defer { avformat_close_input(&format) }
        try FFmpeg.check(avformat_find_stream_info(format, nil), "cannot read the streams of", path)
        let streamIndex = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        try FFmpeg.check(streamIndex, "no video stream in", path)
        let stream = format!.pointee.streams[Int(streamIndex)]!
        let par = stream.pointee.codecpar.pointee
        let codecName = String(cString: avcodec_get_name(par.codec_id))
        let pixelFormat = av_get_pix_fmt_name(AVPixelFormat(rawValue: par.format)).map { String(cString: $0) } ?? "yuv420p"
        let extradata = par.extradata.map { Array(UnsafeBufferPointer(start: $0, count: Int(par.extradata_size))) } ?? []
        let parameters = StreamParameters(codec: codecName, width: Int(par.width), height: Int(par.height), pixelFormat: pixelFormat, extradata: extradata)

        var epoch: RealtimeInstant?
        if let entry = av_dict_get(format!.pointee.metadata, RecordingTags.epoch, nil, 0), let ns = Int64(String(cString: entry.pointee.value)) {
            epoch = RealtimeInstant(nanosecondsSinceEpoch: ns)
        }
        guard let epoch else { throw MediaError.invalidFrame("\(path) has no \(RecordingTags.epoch) tag: its packets cannot be given indices") }
        let clock = PresentationClock(epoch: epoch)
        var byPTS: [Int64: FrameRecord] = [:]
        for record in records where record.isRecorded { byPTS[clock.pts(of: record.scheduled)] = record }

        var packets: [EncodedPacket] = []
        var allocated = av_packet_alloc()
        defer { av_packet_free(&allocated) }
        guard let packet = allocated else { throw FFmpeg.error("cannot allocate a packet for", path, -12) }
        while av_read_frame(format, packet) >= 0 {
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            let pts = av_rescale_q(packet.pointee.pts, stream.pointee.time_base, FFmpeg.millisecondTimeBase)
            guard let record = byPTS[pts] else {
                throw MediaError.invalidFrame("\(path): a packet at PTS \(pts) ms has no sidecar row")
            }
            packets.append(EncodedPacket(
                data: Array(UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size))),
                isKeyframe: packet.pointee.flags & AV_PKT_FLAG_KEY != 0,
                index: record.index, scheduledNs: record.scheduled.nanosecondsSinceEpoch))
        }
        return (parameters, packets)
    }
}
