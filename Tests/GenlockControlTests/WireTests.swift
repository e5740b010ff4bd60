import Crypto
@testable import GenlockControl
import GenlockCore
import Testing

let testKey = try! RigKey(bytes: Array(repeating: 7, count: 32))
let otherKey = try! RigKey(bytes: Array(repeating: 9, count: 32))

let sampleMessages: [ControlMessage] = [
    .hello(.init(nodeName: "cam1", softwareVersion: "0.1.0", capabilities: ["synthetic", "request-timed"],
                 ptp: PTPReport(locked: true, offsetNs: -42, portState: "SLAVE"), nonce: 0xDEAD_BEEF)),
    .start(.init(t0Ns: 1_795_000_000_123_456_789, rate: try! FrameRate(parsing: "30000/1001"), firstIndex: 0, stopIndex: nil)),
    .start(.init(t0Ns: -5, rate: try! FrameRate(parsing: "120"), firstIndex: 7, stopIndex: 900)),
    .start(.init(t0Ns: 5, rate: try! FrameRate(parsing: "30"), firstIndex: 0, stopIndex: nil, ingest: HostPort(host: "10.0.0.5", port: 7401))),
    .stop(stopIndex: 1234),
    .ack(.init(sequence: 99)),
    .heartbeat(sentAtNs: 1_795_000_000_000_000_000),
    .hello(.init(nodeName: "cam2", softwareVersion: "0.2.0", capabilities: [],
                 ptp: PTPReport(locked: false, offsetNs: nil, portState: "ptp4l not running at /var/run/ptp4l (no such file or directory)"),
                 nonce: 7, session: .init(t0Ns: 1_795_000_000_000_000_000, rate: try! FrameRate(parsing: "30"), firstIndex: 0, stopIndex: 900))),
    .status(.init(ptp: .unknown, framesCaptured: 10, framesSkipped: 1, lastIndex: 10, finished: false)),
    .status(.init(ptp: PTPReport(locked: false, offsetNs: nil, portState: "LISTENING"), framesCaptured: 0, framesSkipped: 0, lastIndex: nil, finished: true)),
    .status(.init(ptp: .unknown, framesCaptured: 30, framesSkipped: 0, lastIndex: 29, finished: false, phaseLock: .init(state: .locked, phaseErrorNs: -1_234))),
    .status(.init(ptp: .unknown, framesCaptured: 3, framesSkipped: 0, lastIndex: 2, finished: false, phaseLock: .init(state: .lost, phaseErrorNs: 16_000_000))),
    .status(.init(ptp: .unknown, framesCaptured: 90, framesSkipped: 0, lastIndex: 89, finished: true, phaseLock: .init(state: .unpaced, phaseErrorNs: -15_000_000))),
    .status(.init(ptp: .unknown, framesCaptured: 12, framesSkipped: 2, lastIndex: 13, finished: false, lateness: .init(lastNs: 7_000, maxNs: 5_007_000),
                  preflight: "6 checks: 6 pass, 0 warn, 0 fail")),
    .error(ControlError(.busy, "already recording")),
]

let plainHello = ControlMessage.Hello(nodeName: "cam1", softwareVersion: "t", capabilities: [], ptp: .unknown, nonce: 1111)

/// A node and a coordinator connection that have completed the handshake: the coordinator's
/// CHALLENGE, the node's HELLO over it, the coordinator's ACK.
func handshaken(nodeNonce: UInt64 = 1111, coordinatorNonce: UInt64 = 2222) -> (node: ControlConnection, coordinator: ControlConnection) {
    var node = ControlConnection(role: .node, key: testKey, localNonce: nodeNonce)
    var coord = ControlConnection(role: .coordinator, key: testKey, localNonce: coordinatorNonce)
    _ = node.receive(coord.encode(.challenge(nonce: coordinatorNonce), sessionID: 0).bytes)
    var hello = plainHello
    hello.nonce = nodeNonce
    let sent = node.encode(.hello(hello), sessionID: 0)
    _ = coord.receive(sent.bytes)
    _ = node.receive(coord.encode(.ack(.init(sequence: sent.sequence)), sessionID: 77).bytes)
    return (node, coord)
}

@Suite("Control wire format")
struct WireTests {
    @Test(arguments: sampleMessages)
    func roundTripsThroughAConnection(message: ControlMessage) throws {
        var (node, coord) = handshaken()
        let frame = coord.encode(message, sessionID: 77)
        let inbound = node.receive(frame.bytes)
        #expect(inbound == [.message(message, sessionID: 77, sequence: frame.sequence)])
        // And the other direction.
        let back = node.encode(message, sessionID: 77)
        #expect(coord.receive(back.bytes) == [.message(message, sessionID: 77, sequence: back.sequence)])
    }

    /// The frame MAC is built on prepared SHA-256 states (RigKey); it must be HMAC-SHA256 to the
    /// byte, for keys within one hash block, exactly one, and longer (hashed first), and for
    /// messages from empty to several blocks.
    @Test(arguments: [32, 64, 65, 200])
    func theFrameMACIsHMACSHA256(keyBytes: Int) throws {
        let keyData = (0..<keyBytes).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let key = try RigKey(bytes: keyData)
        for length in [0, 1, 55, 56, 63, 64, 65, 200, 1_000] {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ length) }
            let nonce: UInt64 = 0x0123_4567_89AB_CDEF &+ UInt64(length)
            var reference = HMAC<SHA256>(key: SymmetricKey(data: keyData))
            reference.update(data: message)
            withUnsafeBytes(of: nonce.bigEndian) { reference.update(data: $0) }
            let expected = Array(reference.finalize())
            #expect(Array(FrameAuthenticator.mac(message[...], nonce: nonce, key: key)) == expected, "key \(keyBytes) B, message \(length) B")
        }
    }

    @Test func framesSplitAcrossReadsAndCoalescedAreBothDecoded() {
        var (node, coord) = handshaken()
        let a = coord.encode(.stop(stopIndex: 5), sessionID: 77).bytes
        let b = coord.encode(.stop(stopIndex: 6), sessionID: 77).bytes
        let stream = a + b
        var got: [ControlConnection.Inbound] = []
        for chunk in stride(from: 0, to: stream.count, by: 7) {
            got += node.receive(stream[chunk..<min(chunk + 7, stream.count)])
        }
        #expect(got.count == 2)
        #expect(got.allSatisfy { if case .message = $0 { true } else { false } })
    }

    @Test func wrongKeyIsRejected() {
        var node = ControlConnection(role: .node, key: otherKey, localNonce: 1)
        var coord = ControlConnection(role: .coordinator, key: testKey, localNonce: 2)
        let hello = node.encode(.hello(plainHello), sessionID: 0)
        let r = coord.receive(hello.bytes)
        guard case .violation(let e)? = r.first else { Issue.record("expected a violation, got \(r)"); return }
        #expect(e.code == .badMAC)
        #expect(coord.isPoisoned)
        // Nothing more is accepted on a poisoned connection.
        #expect(coord.receive(hello.bytes).isEmpty)
    }

    @Test func replayedStartAndStopAreRejected() {
        var (node, coord) = handshaken()
        let start = coord.encode(sampleMessages[1], sessionID: 77).bytes
        #expect(node.receive(start).count == 1)
        let r = node.receive(start)
        guard case .violation(let e)? = r.first else { Issue.record("replay accepted: \(r)"); return }
        #expect(e.code == .replay)

        var (node2, coord2) = handshaken()
        let stop1 = coord2.encode(.stop(stopIndex: 10), sessionID: 77).bytes
        let stop2 = coord2.encode(.stop(stopIndex: 11), sessionID: 77).bytes
        #expect(node2.receive(stop2).count == 1)
        // An older frame arriving after a newer one (reordered or replayed) is refused.
        guard case .violation(let e2)? = node2.receive(stop1).first else { Issue.record("reordered STOP accepted"); return }
        #expect(e2.code == .replay)
    }

    @Test func aFrameRecordedOnAnotherConnectionIsRejected() {
        // Two connections of the same node, same key: the coordinator's STOP for the first does not
        // authenticate on the second, whose nonce differs.
        var (_, coordA) = handshaken()
        var (nodeB, _) = handshaken(nodeNonce: 3333, coordinatorNonce: 4444)
        let stolen = coordA.encode(.stop(stopIndex: 1), sessionID: 77).bytes
        guard case .violation(let e)? = nodeB.receive(stolen).first else { Issue.record("cross-connection replay accepted"); return }
        #expect(e.code == .badMAC)
    }

    @Test func aHelloRecordedOnAnotherConnectionIsRejected() {
        // The HELLO is authenticated over the coordinator's fresh CHALLENGE: replayed to a new
        // connection (another challenge), it fails, whoever sends it.
        var node = ControlConnection(role: .node, key: testKey, localNonce: 1111)
        var first = ControlConnection(role: .coordinator, key: testKey, localNonce: 2222)
        _ = node.receive(first.encode(.challenge(nonce: 2222), sessionID: 0).bytes)
        let hello = node.encode(.hello(plainHello), sessionID: 0).bytes
        #expect(first.receive(hello).count == 1)
        #expect(first.peerAuthenticated)
        var second = ControlConnection(role: .coordinator, key: testKey, localNonce: 5555)
        _ = second.encode(.challenge(nonce: 5555), sessionID: 0)
        guard case .violation(let e)? = second.receive(hello).first else { Issue.record("replayed HELLO accepted"); return }
        #expect(e.code == .badMAC)
        #expect(!second.peerAuthenticated)
    }

    @Test func theNodeWantsChallengeFirstAndOnlyOnce() {
        var node = ControlConnection(role: .node, key: testKey, localNonce: 1)
        var coord = ControlConnection(role: .coordinator, key: testKey, localNonce: 2)
        guard case .violation(let e)? = node.receive(coord.encode(.ack(.init(sequence: 1)), sessionID: 0).bytes).first else {
            Issue.record("a first frame other than CHALLENGE accepted"); return
        }
        #expect(e.code == .unexpected)
        var (handshakenNode, handshakenCoord) = handshaken()
        guard case .violation(let again)? = handshakenNode.receive(handshakenCoord.encode(.challenge(nonce: 9), sessionID: 0).bytes).first else {
            Issue.record("a second CHALLENGE accepted"); return
        }
        #expect(again.text.contains("CHALLENGE again"))
        #expect(throws: ControlError.self) { try ControlMessage.decode(type: 7, payload: [0, 0, 0, 0, 0, 0, 0, 0][...]) }
    }

    @Test func beforeAuthenticationAFrameMayDeclareOnlyAHandshakesLength() {
        // Header only: the declared length is refused before any payload is buffered.
        func header(length: UInt32) -> [UInt8] {
            var h = ControlWire.magic + [ControlWire.version, 5, 0, 0]
            h += [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            return h + Array(repeating: 0, count: 16)
        }
        var coord = ControlConnection(role: .coordinator, key: testKey, localNonce: 2)
        let tooLong = UInt32(ControlWire.maximumHandshakePayload + 1)
        guard case .violation(let e)? = coord.receive(header(length: tooLong)).first else { Issue.record("oversize handshake frame buffered"); return }
        #expect(e.code == .oversize)
        #expect(e.text.contains("maximum of \(ControlWire.maximumHandshakePayload)"))
        // Once authenticated, a frame of up to the full maximum is waited for.
        var (_, authenticated) = handshaken()
        #expect(authenticated.receive(header(length: UInt32(ControlWire.maximumPayload))).isEmpty)
        #expect(authenticated.bufferedBytes == ControlWire.headerSize)
    }

    @Test func longTextIsCutOnACharacterBoundaryToWhatThePeerAccepts() throws {
        var (node, coord) = handshaken()
        let long = String(repeating: "é", count: 200)  // 400 bytes
        let status = ControlMessage.Status(ptp: PTPReport(locked: false, offsetNs: nil, portState: long), framesCaptured: 0, framesSkipped: 0, lastIndex: nil, finished: false)
        guard case .message(.status(let got), _, _)? = coord.receive(node.encode(.status(status), sessionID: 77).bytes).first else {
            Issue.record("long PTP state not accepted"); return
        }
        #expect(got.ptp.portState == String(repeating: "é", count: 128))
    }

    @Test func oldVersionBadMagicOversizeAndMalformedAreNamed() {
        var (node, coord) = handshaken()
        var frame = coord.encode(.stop(stopIndex: 1), sessionID: 77).bytes
        frame[4] = 0
        guard case .violation(let v)? = node.receive(frame).first else { Issue.record("old version accepted"); return }
        #expect(v.code == .unsupportedVersion)
        #expect(v.text.contains("version 0"))

        var c2 = ControlConnection(role: .coordinator, key: testKey, localNonce: 1)
        guard case .violation(let m)? = c2.receive(Array("GET / HTTP/1.1\r\n".utf8)).first else { Issue.record("HTTP accepted"); return }
        #expect(m.code == .badMagic)

        var c3 = ControlConnection(role: .coordinator, key: testKey, localNonce: 1)
        var header = ControlWire.magic + [ControlWire.version, 3, 0, 0]
        header += [0x7F, 0, 0, 0] + Array(repeating: 0, count: 16)
        guard case .violation(let o)? = c3.receive(header).first else { Issue.record("oversize accepted"); return }
        #expect(o.code == .oversize)

        // A START whose rate is zero, correctly signed: rejected by the payload decoder, naming the field.
        #expect(throws: ControlError.self) {
            var bad: [UInt8] = []
            for v in [Int64(0), 0, 1, 0] { for s in stride(from: 56, through: 0, by: -8) { bad.append(UInt8(truncatingIfNeeded: v >> Int64(s))) } }
            bad.append(0)
            _ = try ControlMessage.decode(type: 2, payload: bad[...])
        }
        do {
            _ = try ControlMessage.decode(type: 3, payload: [0, 0, 0][...])
            Issue.record("truncated STOP accepted")
        } catch {
            #expect(error.code == .truncated)
            #expect(error.text.contains("STOP stop index"))
        }
    }

    /// START's ingest rides last and only when named: a START without one is byte for byte the
    /// START it was before, and a named one that is not HOST:PORT is refused, naming the field.
    @Test func startNamesTheIngestOnlyWhenTheRigHasOne() throws {
        let plain = ControlMessage.start(.init(t0Ns: 5, rate: try FrameRate(parsing: "30"), firstIndex: 0, stopIndex: nil))
        let named = ControlMessage.start(.init(t0Ns: 5, rate: try FrameRate(parsing: "30"), firstIndex: 0, stopIndex: nil,
                                               ingest: HostPort(host: "cam-server", port: 7401)))
        let plainBytes = plain.encodedPayload(), namedBytes = named.encodedPayload()
        #expect(plainBytes.count == 4 * 8 + 1, "t0, rate numerator and denominator, first index, and an absent stop index")
        #expect(Array(namedBytes.prefix(plainBytes.count)) == plainBytes)
        #expect(try ControlMessage.decode(type: 2, payload: namedBytes[...]) == named)
        var bad = plainBytes
        bad.append(1)
        let text = Array("no-port".utf8)
        bad += [0, UInt8(text.count)] + text
        do {
            _ = try ControlMessage.decode(type: 2, payload: bad[...])
            Issue.record("a START whose ingest is not HOST:PORT was accepted")
        } catch {
            #expect(error.code == .malformed)
            #expect(error.text.contains("START ingest 'no-port'"), "\(error.text)")
        }
    }

    @Test func theFirstFrameMustBeHello() {
        var node = ControlConnection(role: .node, key: testKey, localNonce: 1)
        var coord = ControlConnection(role: .coordinator, key: testKey, localNonce: 2)
        _ = node.receive(coord.encode(.challenge(nonce: 2), sessionID: 0).bytes)
        guard case .violation(let e)? = coord.receive(node.encode(.stop(stopIndex: 1), sessionID: 0).bytes).first else {
            Issue.record("non-HELLO first frame accepted"); return
        }
        #expect(e.code == .unexpected)
    }
}
