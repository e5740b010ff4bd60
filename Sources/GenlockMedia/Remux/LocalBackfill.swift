import GenlockCore

/// A camera's own recording read back for the ingest: the sidecar's rows in wanted ranges, each
/// with the row before it and, for a frame in the video, its packet demuxed from the local file
/// (joined by PTS, no decoding). The local file is the durable copy; this is how a cut stream is
/// made whole.
///
/// H.264 is stored in Matroska with 4-byte NAL lengths, while x264 (and so the live stream) gives
/// Annex B start codes; the muxer converts one to the other. A packet read back is turned into
/// Annex B with 4-byte start codes, which the ingest's muxer converts back to exactly the bytes of
/// the node's file (the NALs are the same; only the start codes' length, which no file keeps,
/// can differ from the encoder's).
public enum LocalBackfill {
    /// The rows of `files`' sidecar whose index lies in `ranges`, oldest first. A recorded row whose
    /// packet is not readable yet (its cluster not flushed) ends the answer there, so the caller
    /// asks again later and never sends a row without the packet it should carry.
    public static func rows(_ files: CameraFiles, epoch: RealtimeInstant, codec: VideoCodec, in ranges: [ClosedRange<Int64>]) throws(MediaError) -> [RecordedRow] {
        guard !ranges.isEmpty else { return [] }
        let records = try SidecarFormat.parse(try FileSystem.read(files.sidecar), path: files.sidecar)
        var wanted: [(record: FrameRecord, previous: Int64?)] = []
        var previous: Int64?
        for record in records {
            if ranges.contains(where: { $0.contains(record.index) }) { wanted.append((record, previous)) }
            previous = record.index
        }
        guard !wanted.isEmpty else { return [] }
        let clock = PresentationClock(epoch: epoch)
        var needed = Set(wanted.filter { $0.record.isRecorded }.map { clock.pts(of: $0.record.scheduled) })
        var packets: [Int64: EncodedPacket] = [:]
        if !needed.isEmpty {
            for video in try files.videos() {
                let reader = try PacketReader(path: video)
                while let packet = reader.next() {
                    if needed.remove(packet.pts) != nil {
                        var packet = packet
                        if codec == .x264 { packet.data = annexB(packet.data) }
                        packets[packet.pts] = packet
                    }
                }
                if needed.isEmpty { break }
            }
        }
        var out: [RecordedRow] = []
        for (record, previous) in wanted {
            if record.isRecorded {
                guard let packet = packets[clock.pts(of: record.scheduled)] else { break }
                out.append(RecordedRow(record: record, previous: previous, packet: packet))
            } else {
                out.append(RecordedRow(record: record, previous: previous, packet: nil))
            }
        }
        return out
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
