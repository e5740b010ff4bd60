import CFFmpeg
import CFFmpegShim
import GenlockCore
import Glibc

/// Copies one camera's encoded packets, from every segment in recording order, into one MP4
/// without decoding or re-encoding them (libavformat stream copy).
///
/// Only frames of the session go out: a packet is kept when its PTS is the PTS of a sidecar row
/// that is in the session (recorded, not `after-stop`). Frames past the stop index are the last
/// packets of the last segment, so leaving them out never cuts a frame's references. PTS stay
/// on the session's millisecond clock, shifted so that `origin` (the session's first `Tn`) is 0
/// in every camera's file, keeping the cameras' files aligned by timestamp.
enum PacketRemuxer {
    /// Why a remux is not possible; the caller re-encodes instead.
    enum Refusal: Error {
        case codecNotInContainer(String)
        case segmentsDiffer(String)
    }

    /// Checks that `inputs` can be copied into one MP4: same codec, size and codec header in
    /// every segment, and a codec the MP4 muxer takes. Nothing is written.
    static func check(_ inputs: [String]) throws(MediaError) -> Refusal? {
        FFmpeg.configureOnce()
        var first: StreamParameters?
        for path in inputs {
            let input = try InputFile(path: path)
            defer { input.close() }
            let parameters = input.parameters
            guard let reference = first else {
                first = parameters
                let mp4 = av_guess_format("mp4", nil, nil)
                if avformat_query_codec(mp4, parameters.codec, FF_COMPLIANCE_NORMAL) != 1 {
                    return .codecNotInContainer("\(path): codec \(String(cString: avcodec_get_name(parameters.codec))) is not stored in MP4")
                }
                continue
            }
            if parameters != reference {
                return .segmentsDiffer("\(path): codec, size or codec header differs from \(inputs[0])")
            }
        }
        return nil
    }

    /// Remuxes `inputs` into `output` (created, never overwritten); returns the rows of the
    /// frames written, in file order.
    static func remux(
        _ inputs: [String], records: [FrameRecord], epoch: RealtimeInstant, origin: RealtimeInstant, to output: String
    ) throws(MediaError) -> [FrameRecord] {
        FFmpeg.configureOnce()
        let clock = PresentationClock(epoch: epoch)
        var byPTS: [Int64: FrameRecord] = [:]
        for record in records where record.isInSession { byPTS[clock.pts(of: record.scheduled)] = record }
        let shift = clock.pts(of: origin)

        var format: UnsafeMutablePointer<AVFormatContext>?
        try FFmpeg.check(avformat_alloc_output_context2(&format, nil, "mp4", output), "cannot set up the MP4 muxer for", output)
        guard let format else { throw FFmpeg.error("cannot set up the MP4 muxer for", output, -12) }
        var opened = false
        var finished = false
        defer {
            if opened { avio_closep(&format.pointee.pb) }
            avformat_free_context(format)
            // A video cut short would be read as a shorter recording: remove what this call created.
            if opened, !finished { unlink(output) }
        }
        guard let stream = avformat_new_stream(format, nil) else { throw FFmpeg.error("cannot add a video stream to", output, -12) }
        let millisecond = FFmpeg.millisecondTimeBase
        var written: [FrameRecord] = []
        guard let packet = av_packet_alloc() else { throw FFmpeg.error("cannot allocate a packet for", output, -12) }
        var packetRef: UnsafeMutablePointer<AVPacket>? = packet
        defer { av_packet_free(&packetRef) }

        for (number, path) in inputs.enumerated() {
            let input = try InputFile(path: path)
            defer { input.close() }
            if number == 0 {
                try FFmpeg.check(avcodec_parameters_copy(stream.pointee.codecpar, input.stream.pointee.codecpar), "cannot copy the stream of", path)
                stream.pointee.codecpar.pointee.codec_tag = 0
                stream.pointee.time_base = millisecond
                stream.pointee.avg_frame_rate = input.stream.pointee.avg_frame_rate
                try create(output, format)
                opened = true
                try FFmpeg.check(avformat_write_header(format, nil), "cannot write the MP4 header of", output)
            }
            let inputBase = input.stream.pointee.time_base
            while av_read_frame(input.format, packet) >= 0 {
                defer { av_packet_unref(packet) }
                guard packet.pointee.stream_index == input.stream.pointee.index, packet.pointee.pts != genlock_nopts_value() else { continue }
                let pts = av_rescale_q(packet.pointee.pts, inputBase, millisecond)
                guard let record = byPTS[pts] else { continue }
                written.append(record)
                // No B-frames in recordings (x264 zerolatency, intra-only FFV1/raw): DTS = PTS.
                packet.pointee.pts = av_rescale_q(pts - shift, millisecond, stream.pointee.time_base)
                packet.pointee.dts = packet.pointee.pts
                packet.pointee.duration = 0
                packet.pointee.pos = -1
                packet.pointee.stream_index = stream.pointee.index
                try FFmpeg.check(av_interleaved_write_frame(format, packet), "cannot write to", output)
            }
        }
        try FFmpeg.check(av_write_trailer(format), "cannot finish", output)
        try FFmpeg.check(format.pointee.pb.pointee.error, "cannot write to", output)
        finished = true
        return written
    }

    /// Creates `path` exclusively (an existing file is never replaced), then opens it for libavformat.
    private static func create(_ path: String, _ format: UnsafeMutablePointer<AVFormatContext>) throws(MediaError) {
        let claimed = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard claimed >= 0 else {
            if errno == EEXIST { throw MediaError.refusingToOverwrite(path: path, reason: "already exists") }
            throw FileSystem.error("cannot create", path)
        }
        Glibc.close(claimed)
        let status = avio_open(&format.pointee.pb, path, AVIO_FLAG_WRITE)
        if status < 0 {
            unlink(path)
            throw FFmpeg.error("cannot create", path, status)
        }
    }

    /// What must match between segments for their packets to share one stream.
    struct StreamParameters: Equatable {
        var codec: AVCodecID
        var width: Int32
        var height: Int32
        var header: [UInt8]
    }

    /// One input file, opened with its best video stream.
    final class InputFile {
        var format: UnsafeMutablePointer<AVFormatContext>!
        let stream: UnsafeMutablePointer<AVStream>

        init(path: String) throws(MediaError) {
            var context: UnsafeMutablePointer<AVFormatContext>?
            try FFmpeg.check(avformat_open_input(&context, path, nil, nil), "cannot open", path)
            format = context
            let found = avformat_find_stream_info(context, nil)
            let index = found < 0 ? found : av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
            if index < 0 {
                avformat_close_input(&context)
                throw FFmpeg.error("no video stream in", path, index)
            }
            stream = context!.pointee.streams[Int(index)]!
        }

        var parameters: StreamParameters {
            let p = stream.pointee.codecpar.pointee
            let header = p.extradata.map { [UInt8](UnsafeBufferPointer(start: $0, count: Int(p.extradata_size))) } ?? []
            return StreamParameters(codec: p.codec_id, width: p.width, height: p.height, header: header)
        }

        func close() {
            var context: UnsafeMutablePointer<AVFormatContext>? = format
            if context != nil { avformat_close_input(&context) }
            format = nil
        }
    }
}
