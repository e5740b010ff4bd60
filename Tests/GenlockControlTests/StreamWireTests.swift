import GenlockControl
import Testing

let streamCodec = StreamCodecParameters(
    codec: "x264", width: 1280, height: 720, layout: "yuv420p", rateNumerator: 30, rateDenominator: 1,
    epochNs: 1_795_000_000_000_000_000, keyframeInterval: 30, extradata: [1, 100, 0, 31, 0xFF, 0xE1])

func streamRow(_ index: Int64, previous: Int64?, bytes: Int = 100, live: Bool = true) -> StreamPacket {
    StreamPacket(index: index, previous: previous, scheduledNs: 1_795_000_000_000_000_000 + index * 33_333_333,
                 sensorMonotonicNs: 5_000 + index, sensorRealtimeNs: 1_795_000_000_000_000_100 + index * 33_333_333,
                 exposureNs: 10_000_000, wakeErrorNs: 1_000, realtimeLatenessNs: 2_000, flags: 0, live: live,
                 payload: .init(pts: index * 33, dts: index * 33, isKeyframe: index % 30 == 0,
                                data: (0..<bytes).map { UInt8(truncatingIfNeeded: Int(index) &+ $0) }))
}

/// A node and an ingest connection after CHALLENGE and HELLO.
func streamPair(nodeNonce: UInt64 = 31, ingestNonce: UInt64 = 47) -> (node: StreamConnection, ingest: StreamConnection) {
    var node = StreamConnection(role: .node, key: testKey, localNonce: nodeNonce)
    var ingest = StreamConnection(role: .ingest, key: testKey, localNonce: ingestNonce)
    let challenge = node.receive(ingest.encode(.challenge(nonce: ingestNonce)))
    #expect(challenge == [.message(.challenge(nonce: ingestNonce), sequence: 1)])
    let hello = ingest.receive(node.encode(.hello(StreamHello(camera: "cam1", session: "s1", nonce: nodeNonce, codec: streamCodec))))
    #expect(hello.count == 1)
    return (node, ingest)
}

func messages(_ inbound: [StreamConnection.Inbound]) -> [StreamMessage] {
    inbound.compactMap { if case .message(let m, _) = $0 { m } else { nil } }
}

func rejections(_ inbound: [StreamConnection.Inbound]) -> [ControlError] {
    inbound.compactMap { if case .rejected(let e) = $0 { e } else { nil } }
}

@Suite struct StreamWireTests {
    @Test func everyMessageRoundTrips() {
        var (node, ingest) = streamPair()
        let sent: [StreamMessage] = [
            .packet(streamRow(0, previous: nil)), .packet(streamRow(1, previous: 0, bytes: 0)),
            .packet(StreamPacket(index: 5, previous: 1, scheduledNs: -7, flags: 2, live: false)),
            .end(lastIndex: 5, stopIndex: 6), .end(lastIndex: nil, stopIndex: nil),
        ]
        var received: [StreamMessage] = []
        for m in sent { received += messages(ingest.receive(node.encode(m))) }
        #expect(received == sent)
        let hello = StreamMessage.hello(StreamHello(camera: "c", session: "s", nonce: 1, codec: streamCodec, newest: 41, since: 30))
        var other = StreamConnection(role: .ingest, key: testKey, localNonce: 9)
        var otherNode = StreamConnection(role: .node, key: testKey, localNonce: 1)
        _ = otherNode.receive(other.encode(.challenge(nonce: 9)))
        #expect(messages(other.receive(otherNode.encode(hello))) == [hello])
        let want = StreamMessage.want([0...4, 9...9])
        #expect(messages(node.receive(ingest.encode(want))) == [want])
    }

    @Test func bytesArriveInAnySplit() {
        var (node, ingest) = streamPair()
        var bytes: [UInt8] = []
        for i in Int64(0)..<5 { bytes += node.encode(.packet(streamRow(i, previous: i == 0 ? nil : i - 1, bytes: 3_000))) }
        var received: [StreamMessage] = []
        var offset = 0
        var chunk = 1
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            received += messages(ingest.receive(bytes[offset..<end]))
            offset = end
            chunk = chunk * 3 % 4_099 + 1
        }
        #expect(received.count == 5)
        #expect(ingest.bufferedBytes == 0)
    }

    @Test func forgedPacketIsRejectedAndTheStreamGoesOn() {
        var (node, ingest) = streamPair()
        let forged = StreamConnection.frame(.packet(streamRow(0, previous: nil)), sessionID: 0, sequence: 1, key: otherKey, nonce: 47)
        let inbound = ingest.receive(forged + node.encode(.packet(streamRow(0, previous: nil))))
        #expect(rejections(inbound).map(\.code) == [.badMAC])
        #expect(messages(inbound) == [.packet(streamRow(0, previous: nil))])
    }

    @Test func flippedPayloadBitIsRejected() {
        var (node, ingest) = streamPair()
        var bytes = node.encode(.packet(streamRow(0, previous: nil)))
        bytes[StreamWire.headerSize + 3] ^= 0x10
        let inbound = ingest.receive(bytes + node.encode(.packet(streamRow(1, previous: 0))))
        #expect(rejections(inbound).map(\.code) == [.badMAC])
        #expect(messages(inbound) == [.packet(streamRow(1, previous: 0))])
    }

    @Test func replayedPacketIsRejectedAndTheStreamGoesOn() {
        var (node, ingest) = streamPair()
        let first = node.encode(.packet(streamRow(0, previous: nil)))
        let inbound = ingest.receive(first + first + node.encode(.packet(streamRow(1, previous: 0))))
        #expect(rejections(inbound).map(\.code) == [.replay])
        #expect(messages(inbound).count == 2)
    }

    @Test func strayPacketFromAnotherConnectionIsRejected() {
        var (node, ingest) = streamPair()
        // The same node key, another connection (another ingest nonce): its frames are bound there.
        var (otherNode, _) = streamPair(nodeNonce: 31, ingestNonce: 48)
        let stray = otherNode.encode(.packet(streamRow(7, previous: nil)))
        let inbound = ingest.receive(stray + node.encode(.packet(streamRow(0, previous: nil))))
        #expect(rejections(inbound).map(\.code) == [.badMAC])
        #expect(messages(inbound) == [.packet(streamRow(0, previous: nil))])
    }

    @Test func truncatedPacketIsRejectedAsCutShortAndTheStreamGoesOn() {
        var (node, ingest) = streamPair()
        let whole = node.encode(.packet(streamRow(0, previous: nil, bytes: 2_000)))
        let cut = Array(whole.prefix(900))
        var inbound = ingest.receive(cut + node.encode(.packet(streamRow(1, previous: 0, bytes: 2_000))))
        // The cut frame claims more bytes than came before the next frame: the next frames fill it.
        inbound += ingest.receive(node.encode(.packet(streamRow(2, previous: 1, bytes: 2_000))))
        let errors = rejections(inbound)
        #expect(errors.map(\.code) == [.truncated])
        #expect(errors.first?.text.contains("cut short after 900") == true)
        #expect(messages(inbound).map { message -> Int64 in if case .packet(let p) = message { p.index } else { -1 } } == [1, 2])
        #expect(ingest.finish().isEmpty)
    }

    @Test func connectionEndingInsideAFrameSaysSo() {
        var (node, ingest) = streamPair()
        let whole = node.encode(.packet(streamRow(0, previous: nil)))
        #expect(ingest.receive(whole.prefix(50)).isEmpty)
        #expect(rejections(ingest.finish()).map(\.code) == [.truncated])
    }

    @Test func otherVersionAndGarbageAreRejectedByName() {
        var (node, ingest) = streamPair()
        var old = node.encode(.packet(streamRow(0, previous: nil)))
        old[4] = 9
        let inbound = ingest.receive(Array("garbage!".utf8) + old + node.encode(.packet(streamRow(1, previous: 0))))
        let errors = rejections(inbound)
        #expect(errors.first?.code == .badMagic)
        #expect(errors.contains { $0.code == .unsupportedVersion && $0.text.contains("version 9") })
        #expect(messages(inbound) == [.packet(streamRow(1, previous: 0))])
    }

    @Test func packetBeforeHelloIsRejectedAndHelloStillWorks() {
        var node = StreamConnection(role: .node, key: testKey, localNonce: 5)
        var ingest = StreamConnection(role: .ingest, key: testKey, localNonce: 6)
        _ = node.receive(ingest.encode(.challenge(nonce: 6)))
        let early = node.encode(.packet(streamRow(0, previous: nil)))
        let hello = node.encode(.hello(StreamHello(camera: "cam1", session: "s", nonce: 5, codec: streamCodec)))
        let inbound = ingest.receive(early + hello)
        #expect(rejections(inbound).map(\.code) == [.unexpected])
        #expect(ingest.handshakeDone)
    }

    @Test func oversizeHandshakeIsRejectedFromItsHeader() {
        var ingest = StreamConnection(role: .ingest, key: testKey, localNonce: 6)
        var header = StreamWire.magic + [StreamWire.version, 2, 0, 0]
        header += [0x01, 0, 0, 0] + Array(repeating: 0, count: 16)
        let inbound = ingest.receive(header)
        #expect(rejections(inbound).map(\.code) == [.oversize])
        #expect(ingest.bufferedBytes < StreamWire.headerSize)
    }
}
