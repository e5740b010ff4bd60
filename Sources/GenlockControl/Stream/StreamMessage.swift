/// The stream's messages. Node → ingest: HELLO, PACKET, END. Ingest → node: CHALLENGE, WANT.
public enum StreamMessage: Hashable, Sendable {
    /// Ingest → node, first on every connection: the ingest's fresh random nonce, over which the
    /// node authenticates everything it sends (MAC over nonce 0: it carries nothing to trust).
    case challenge(nonce: UInt64)
    /// Node → ingest, once: who is streaming what, and the node's own nonce.
    case hello(StreamHello)
    /// Node → ingest: one sidecar row, with its encoded packet when the frame is in the video.
    case packet(StreamPacket)
    /// Ingest → node: the indices the ingest lacks (inclusive ranges, oldest first): back-fill them
    /// from the local file. Authenticated over the node's nonce.
    case want([ClosedRange<Int64>])
    /// Node → ingest: the camera's recording ended; `lastIndex` is its last sidecar row (nil: none).
    case end(lastIndex: Int64?, stopIndex: Int64?)

    var typeCode: UInt8 {
        switch self {
        case .challenge: 1
        case .hello: 2
        case .packet: 3
        case .want: 4
        case .end: 5
        }
    }

    public var name: String {
        switch self {
        case .challenge: "CHALLENGE"
        case .hello: "HELLO"
        case .packet: "PACKET"
        case .want: "WANT"
        case .end: "END"
        }
    }

    func encodedPayload() -> [UInt8] {
        var w = ByteWriter()
        switch self {
        case .challenge(let nonce): w.u64(nonce)
        case .hello(let hello): hello.encode(&w)
        case .packet(let packet): packet.encode(&w)
        case .want(let ranges):
            w.u32(UInt32(ranges.count))
            for r in ranges { w.i64(r.lowerBound); w.i64(r.upperBound) }
        case .end(let last, let stop):
            w.optionalI64(last)
            w.optionalI64(stop)
        }
        return w.bytes
    }

    static func decode(type: UInt8, payload: ArraySlice<UInt8>) throws(ControlError) -> StreamMessage {
        var r = ByteReader(payload)
        let message: StreamMessage
        switch type {
        case 1: message = .challenge(nonce: try r.u64("nonce"))
        case 2: message = .hello(try StreamHello(&r))
        case 3: message = .packet(try StreamPacket(&r))
        case 4:
            let count = Int(try r.u32("range count"))
            guard count <= StreamWire.maximumWantRanges else {
                throw ControlError(.malformed, "WANT names \(count) ranges, at most \(StreamWire.maximumWantRanges) allowed")
            }
            var ranges: [ClosedRange<Int64>] = []
            for _ in 0..<count {
                let lower = try r.i64("range start")
                let upper = try r.i64("range end")
                guard lower <= upper else { throw ControlError(.malformed, "WANT range \(lower)...\(upper) is empty") }
                ranges.append(lower...upper)
            }
            message = .want(ranges)
        case 5: message = .end(lastIndex: try r.optionalI64("last index"), stopIndex: try r.optionalI64("stop index"))
        default: throw ControlError(.malformed, "unknown stream message type \(type)")
        }
        guard r.isAtEnd else { throw ControlError(.malformed, "\(message.name) has trailing bytes") }
        return message
    }
}
