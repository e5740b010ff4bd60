import GenlockCore
import Glibc

/// Re-encodes one camera's frames, from every segment in recording order, into one H.264 MP4
/// (libx264 through ``VideoFileWriter``), decoding them with ``RecordingReader``.
///
/// With `fill`, the video has exactly one frame per index of the range (with `fillerSize`, even
/// when `inputs` is empty): an index the camera has
/// no frame for (dropped, skipped, absent: before it joined or after it left) becomes a black
/// frame. Black rather than a copy of the previous frame: a pose estimator finds nothing in a
/// black frame and reports the point as missing for that camera, whereas a repeated frame would
/// report the old position as if it were seen at the new instant, a silent error in 3-D.
/// Without `fill` only the camera's own frames are written.
///
/// PTS are the frames' `Tn` on the session's millisecond clock, shifted so that `origin` is 0.
enum FrameTranscoder {
    struct Output {
        /// Per frame written, in order: its index and, for a frame of the camera, its sidecar row
        /// (nil for a filler frame).
        var frames: [(index: Int64, record: FrameRecord?)]
        var filled: Int { frames.count { $0.record == nil } }
    }

    /// x264's quality for exports: near-transparent, since the source may be lossless.
    static let crf = 17

    /// `scheduled` gives `Tn` for any index of `fill` (the session's, not only this camera's rows).
    static func transcode(
        _ inputs: [String], records: [FrameRecord], frameRate: FrameRate?, fill: ClosedRange<Int64>?,
        scheduled: (Int64) -> RealtimeInstant, origin: RealtimeInstant, to output: String,
        fillerSize: (width: Int, height: Int)? = nil
    ) throws(MediaError) -> Output {
        let clock = PresentationClock(epoch: origin)
        var writer: VideoFileWriter?
        var out = Output(frames: [])
        var filler: VideoFrame?
        // Indices of the range still to write before the next decoded frame.
        var next = fill?.lowerBound

        func open(width: Int, height: Int) throws(MediaError) -> VideoFileWriter {
            if let writer { return writer }
            let made = try VideoFileWriter(path: output, settings: .init(
                codec: .x264, width: width, height: height, layout: .yuv420p, frameRate: frameRate,
                keyframeInterval: 30, encoderThreads: 0, clusterTimeLimitMilliseconds: 1000,
                metadata: [(RecordingTags.epoch, String(origin.nanosecondsSinceEpoch))], container: "mp4", x264CRF: crf))
            writer = made
            filler = VideoFrame(width: width, height: height, layout: .yuv420p, luma: 16)
            return made
        }
        func fillUpTo(_ end: Int64, _ writer: VideoFileWriter, scheduled: (Int64) -> RealtimeInstant) throws(MediaError) {
            guard var n = next else { return }
            while n < end {
                try writer.write(filler!, pts: clock.pts(of: scheduled(n)))
                out.frames.append((n, nil))
                n += 1
            }
            next = n
        }

        do throws(MediaError) {
            // Sized up front when the inputs may hold no frame (a camera that recorded nothing).
            if let fillerSize { _ = try open(width: fillerSize.width, height: fillerSize.height) }
            for path in inputs {
                let reader = try RecordingReader(path: path, records: records)
                defer { reader.close() }
                while let decoded = try reader.next() {
                    guard let record = decoded.record, record.isInSession else { continue }
                    if let fill, !fill.contains(record.index) { continue }
                    let frame = yuv420p(decoded.frame)
                    let writer = try open(width: frame.width, height: frame.height)
                    if fill != nil {
                        guard let n = next, record.index >= n else { continue }
                        try fillUpTo(record.index, writer, scheduled: scheduled)
                        next = record.index + 1
                    }
                    try writer.write(frame, pts: clock.pts(of: record.scheduled))
                    out.frames.append((record.index, record))
                }
            }
            if let fill {
                guard let writer else {
                    throw MediaError.export("\(inputs.first ?? output): no frame of the session decodes: cannot size the filler frames of \(output)")
                }
                try fillUpTo(fill.upperBound + 1, writer, scheduled: scheduled)
            }
            guard let writer else { throw MediaError.export("\(inputs.first ?? output): no frame of the session to export") }
            try writer.finish()
        } catch {
            // A video cut short would be read as a shorter recording: remove what this call created.
            if let writer {
                writer.abandon()
                unlink(output)
            }
            throw error
        }
        return out
    }

    /// `frame` as yuv420p: x264 in MP4 is read everywhere as 4:2:0; gray frames get neutral
    /// chroma, NV12 is de-interleaved.
    static func yuv420p(_ frame: VideoFrame) -> VideoFrame {
        switch frame.layout {
        case .yuv420p: return frame
        case .gray8:
            var out = VideoFrame(width: frame.width, height: frame.height, layout: .yuv420p)
            out.planes[0] = frame.planes[0]
            return out
        case .nv12:
            var out = VideoFrame(width: frame.width, height: frame.height, layout: .yuv420p)
            out.planes[0] = frame.planes[0]
            let uv = frame.planes[1], chroma = out.planes[1].stride
            let rows = out.planes[1].bytes.count / max(chroma, 1)
            for row in 0..<rows {
                for column in 0..<chroma {
                    out.planes[1].bytes[row * chroma + column] = uv.bytes[row * uv.stride + 2 * column]
                    out.planes[2].bytes[row * chroma + column] = uv.bytes[row * uv.stride + 2 * column + 1]
                }
            }
            return out
        }
    }
}
