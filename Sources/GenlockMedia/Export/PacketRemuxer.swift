import CFFmpeg
import GenlockCore
import Glibc

/// Copies one camera's encoded packets, from every segment in recording order, into one MP4
/// without decoding or re-encoding them: the segments are demuxed by ``PacketReader`` and
/// written by ``VideoFileWriter`` in remux mode (the ingest's remuxer), with the PTS shifted.
///
/// Only frames of the session go out: a packet is kept when its PTS is the PTS of a sidecar row
/// that is in the session (recorded, not `after-stop`). Frames past the stop index are the last
/// packets of the last segment, so leaving them out never cuts a frame's references. PTS stay
/// on the session's millisecond clock, shifted so that `origin` (the session's first `Tn`) is 0
/// in every camera's file, keeping the cameras' files aligned by timestamp.
enum PacketRemuxer {
    /// Why a remux is not possible; the caller re-encodes instead.
    enum Refusal: Error, Equatable {
        case codecNotInContainer(String)
        case segmentsDiffer(String)
    }

    /// The stream all of `inputs` share, or why they cannot be copied into one MP4 (a codec the
    /// MP4 muxer does not take, or segments whose codec, size or codec header differ). Only the
    /// containers' headers are read.
    static func check(_ inputs: [String]) throws(MediaError) -> Result<EncodedStreamParameters, Refusal> {
        FFmpeg.configureOnce()
        var first: EncodedStreamParameters?
        for path in inputs {
            let reader = try PacketReader(path: path)
            guard let parameters = reader.streamParameters() else {
                return .failure(.codecNotInContainer("\(path): not a codec a recorder writes"))
            }
            guard let reference = first else {
                let mp4 = av_guess_format("mp4", nil, nil)
                let id = avcodec_find_decoder_by_name(parameters.codec.decoderName)?.pointee.id ?? AV_CODEC_ID_NONE
                if avformat_query_codec(mp4, id, FF_COMPLIANCE_NORMAL) != 1 {
                    return .failure(.codecNotInContainer("\(path): codec \(parameters.codec) is not stored in MP4"))
                }
                first = parameters
                continue
            }
            if parameters != reference {
                return .failure(.segmentsDiffer("\(path): codec, size or codec header differs from \(inputs[0])"))
            }
        }
        guard let first else { return .failure(.segmentsDiffer("no video file")) }
        return .success(first)
    }

    /// Remuxes `inputs` (sharing `parameters`, from ``check(_:)``) into `output` (created, never
    /// overwritten); returns the rows of the frames written, in file order.
    static func remux(
        _ inputs: [String], parameters: EncodedStreamParameters, records: [FrameRecord], frameRate: FrameRate?,
        epoch: RealtimeInstant, origin: RealtimeInstant, to output: String
    ) throws(MediaError) -> [FrameRecord] {
        let clock = PresentationClock(epoch: epoch)
        var byPTS: [Int64: FrameRecord] = [:]
        for record in records where record.isInSession { byPTS[clock.pts(of: record.scheduled)] = record }
        let shift = clock.pts(of: origin)
        let writer = try VideoFileWriter(path: output, settings: .init(
            codec: parameters.codec, width: parameters.width, height: parameters.height, layout: parameters.layout,
            frameRate: frameRate, keyframeInterval: 0, encoderThreads: 0, clusterTimeLimitMilliseconds: 1000,
            metadata: [(RecordingTags.epoch, String(origin.nanosecondsSinceEpoch))], container: "mp4", remux: parameters))
        var written: [FrameRecord] = []
        do throws(MediaError) {
            for path in inputs {
                let reader = try PacketReader(path: path)
                while var packet = reader.next() {
                    guard let record = byPTS[packet.pts] else { continue }
                    // No B-frames in recordings (x264 zerolatency, intra-only FFV1/raw): DTS = PTS.
                    packet.pts -= shift
                    packet.dts = packet.pts
                    try writer.write(packet)
                    written.append(record)
                }
            }
            try writer.finish()
        } catch {
            // A video cut short would be read as a shorter recording: remove what this call created.
            writer.abandon()
            unlink(output)
            throw error
        }
        return written
    }
}
