import GenlockCore

/// A camera's own recording read back for the ingest: the sidecar's rows in wanted ranges, each
/// with the row before it and, for a frame in the video, its packet demuxed from the local file
/// (joined by PTS, no decoding). The local file is the durable copy; this is how a cut stream is
/// made whole.
///
/// It keeps its place between requests, because the ingest asks oldest first and a back-fill
/// arrives as many requests: the sidecar is read on from where it was ( ``SidecarTail``), and each
/// video segment's reader stays positioned after the last packet it gave, so the next request
/// continues from there; a request for an earlier packet seeks back (``PacketReader/seek(toPTS:)``).
/// A reader that reached the end of what is on disk is reopened next time (the file grows).
/// Not thread-safe: one owner calls it.
///
/// H.264 is stored in Matroska with 4-byte NAL lengths, while x264 (and so the live stream) gives
/// Annex B start codes; the muxer converts one to the other. A packet read back is turned into
/// Annex B with 4-byte start codes, which the ingest's muxer converts back to exactly the bytes of
/// the node's file (the NALs are the same; only the start codes' length, which no file keeps,
/// can differ from the encoder's).
public final class LocalBackfill {
    public let files: CameraFiles
    private let clock: PresentationClock
    private let codec: VideoCodec
    private var tail: SidecarTail
    /// The sidecar's rows so far, in index order.
    private var records: [FrameRecord] = []
    private var segments: [Segment] = []

    /// One video file: its first packet's PTS once known, and a reader kept positioned.
    private struct Segment {
        var path: String
        var firstPTS: Int64?
        var reader: PacketReader?
        /// The packet read past while looking for an earlier one (the reader is beyond it).
        var ahead: EncodedPacket?
        /// The PTS of the last packet the reader gave (nil: at the start).
        var lastPTS: Int64?
    }

    /// Packets demuxed so far (a measure of the work: a back-fill reads each packet about once).
    public private(set) var packetsRead = 0

    public init(files: CameraFiles, epoch: RealtimeInstant, codec: VideoCodec) {
        self.files = files
        clock = PresentationClock(epoch: epoch)
        self.codec = codec
        tail = SidecarTail(path: files.sidecar)
    }

    /// The rows of `files`' sidecar whose index lies in `ranges`, oldest first. A recorded row whose
    /// packet is not readable yet (its cluster not flushed) ends the answer there, so the caller
    /// asks again later and never sends a row without the packet it should carry.
    public static func rows(_ files: CameraFiles, epoch: RealtimeInstant, codec: VideoCodec, in ranges: [ClosedRange<Int64>]) throws(MediaError) -> [RecordedRow] {
        try LocalBackfill(files: files, epoch: epoch, codec: codec).rows(in: ranges)
    }

    /// See ``rows(_:epoch:codec:in:)``; continues from where the last call left the files.
    public func rows(in ranges: [ClosedRange<Int64>]) throws(MediaError) -> [RecordedRow] {
        guard !ranges.isEmpty else { return [] }
        let fresh = try tail.read()
        if let first = fresh.first, let last = records.last, first.index <= last.index {
            records = fresh  // the sidecar was rewritten (after-stop flags): the tail read it again
        } else {
            records += fresh
        }
        var out: [RecordedRow] = []
        var listed = false
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            var i = firstPosition(atLeast: range.lowerBound)
            while i < records.count, records[i].index <= range.upperBound {
                let record = records[i]
                let previous = i > 0 ? records[i - 1].index : nil
                if record.isRecorded {
                    guard let packet = try readPacket(pts: clock.pts(of: record.scheduled), listed: &listed) else { return out }
                    out.append(RecordedRow(record: record, previous: previous, packet: packet))
                } else {
                    out.append(RecordedRow(record: record, previous: previous, packet: nil))
                }
                i += 1
            }
        }
        return out
    }

    private func firstPosition(atLeast index: Int64) -> Int {
        var low = 0
        var high = records.count
        while low < high {
            let mid = (low + high) / 2
            if records[mid].index < index { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The packet of PTS `pts`, from the segment that holds it; nil when it is not on disk yet.
    private func readPacket(pts: Int64, listed: inout Bool) throws(MediaError) -> EncodedPacket? {
        if let found = try lookUp(pts) { return found }
        // A segment may have appeared since the files were listed: list them once per request.
        guard !listed else { return nil }
        listed = true
        let paths = try files.videos()
        for path in paths where !segments.contains(where: { $0.path == path }) { segments.append(Segment(path: path)) }
        return try lookUp(pts)
    }

    private func lookUp(_ pts: Int64) throws(MediaError) -> EncodedPacket? {
        for s in segments.indices where segments[s].firstPTS == nil {
            // Learn where each segment starts (its first packet); an empty one is tried again later.
            segments[s].reader = nil
            let reader = try? PacketReader(path: segments[s].path)
            if let first = reader?.next() {
                packetsRead += 1
                segments[s].firstPTS = first.pts
                segments[s].reader = reader
                segments[s].ahead = first
                segments[s].lastPTS = nil
            }
        }
        // Segments are in time order: the last one starting at or before `pts` holds it.
        guard let s = segments.indices.last(where: { (segments[$0].firstPTS ?? .max) <= pts }) else { return nil }
        return try read(pts, in: s)
    }

    private func read(_ pts: Int64, in s: Int) throws(MediaError) -> EncodedPacket? {
        if let ahead = segments[s].ahead, ahead.pts <= pts {
            segments[s].ahead = nil
            segments[s].lastPTS = ahead.pts
            if ahead.pts == pts { return annexB(ahead) }
        }
        if segments[s].ahead != nil || (segments[s].lastPTS ?? .min) >= pts || segments[s].reader == nil {
            // Behind the reader (or no reader): start over at the keyframe before `pts`.
            segments[s].ahead = nil
            segments[s].lastPTS = nil
            let reader = try PacketReader(path: segments[s].path)
            segments[s].reader = reader
            if !reader.seek(toPTS: pts) { segments[s].reader = try PacketReader(path: segments[s].path) }
        }
        while let packet = segments[s].reader?.next() {
            packetsRead += 1
            if packet.pts < pts { segments[s].lastPTS = packet.pts; continue }
            if packet.pts == pts {
                segments[s].lastPTS = pts
                return annexB(packet)
            }
            segments[s].ahead = packet
            return nil
        }
        // The end of what is on disk: reopen next time, the file may have grown.
        segments[s].reader = nil
        return nil
    }

    private func annexB(_ packet: EncodedPacket) -> EncodedPacket {
        guard codec == .x264 else { return packet }
        var packet = packet
        packet.data = Self.annexB(packet.data)
        return packet
    }
}

extension LocalBackfill {
    /// 4-byte-length-prefixed NAL units as Annex B with 4-byte start codes; data that does not
    /// parse as length-prefixed NALs exactly is returned as it is.
    static func annexB(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count)
        var i = 0
        while i + 4 <= data.count {
            let length = Int(data[i]) << 24 | Int(data[i + 1]) << 16 | Int(data[i + 2]) << 8 | Int(data[i + 3])
            guard length > 0, i + 4 + length <= data.count else { return data }
            out += [0, 0, 0, 1]
            out += data[(i + 4)..<(i + 4 + length)]
            i += 4 + length
        }
        return i == data.count ? out : data
    }
}
