import GenlockCore
import GenlockIngest
import GenlockMedia
import Testing

@Suite(.serialized) struct FramesetDecodeTests {
    let epoch = RealtimeInstant(nanosecondsSinceEpoch: 1_795_000_000_000_000_000)

    /// Every decoded frame of `camera`'s file in `session`, by index.
    func recorded(_ session: String, _ camera: String) throws -> [Int64: VideoFrame] {
        let reader = try RecordingReader(path: "\(session)/\(camera).mkv", sidecar: "\(session)/\(camera).frames.csv")
        var out: [Int64: VideoFrame] = [:]
        while let frame = try reader.next() { if let index = frame.index { out[index] = frame.frame } }
        return out
    }

    func samePixels(_ a: VideoFrame, _ b: VideoFrame?) -> Bool {
        guard let b else { return false }
        return a.width == b.width && a.height == b.height && a.layout == b.layout && a.planes.map(\.bytes) == b.planes.map(\.bytes)
    }

    @Test func liveFramesetsFramesDecodeOnDemandToTheRecordedFilesPixels() async throws {
        let root = scratch("decode")
        let server = IngestServer(configuration: .init(outputRoot: "\(root)/ingest", cameras: ["camA", "camB"], wait: .seconds(600)),
                                  key: ingestKey, now: monotonicNow, log: { _ in })
        let port = try server.bind(host: "127.0.0.1", port: 0)
        let a = try SyntheticStreamingNode(camera: "camA", root: root, session: "s6", port: port, epoch: epoch)
        let b = try SyntheticStreamingNode(camera: "camB", root: root, session: "s6", port: port, epoch: epoch)
        for i in Int64(0)..<45 {
            try a.frame(i)
            if i == 10 { try b.dropped(i) } else { try b.frame(i) }
        }
        #expect(try a.finish(stop: 45))
        #expect(try b.finish(stop: 45))
        #expect(try server.waitUntilComplete(timeout: .seconds(60)) != nil, "the ingest did not complete within 60 s")
        try server.finish()
        var framesets: [IngestFrameset] = []
        for await f in server.framesets { framesets.append(f) }
        #expect(framesets.map(\.index) == Array(0..<45))

        let session = "\(root)/ingest/s6"
        let fileA = try recorded(session, "camA")
        let fileB = try recorded(session, "camB")
        #expect(fileA.count == 45 && fileB.count == 44)
        let decoder = FramesetDecoder()
        var decodedA = 0
        var decodedB: [Int64] = []
        for frameset in framesets {
            #expect(frameset.frames.count == 2)
            // camA: every frame in order (one packet each after the first).
            if let frame = frameset.frames[0] {
                let picture = try frame.decode(with: decoder)
                #expect(samePixels(picture, fileA[frameset.index]), "camA frame \(frameset.index)")
                decodedA += 1
            }
            // camB: only every 7th, so each decode starts over at the keyframe before it.
            if frameset.index % 7 == 3 {
                if let frame = frameset.frames[1] {
                    let picture = try frame.decode(with: decoder)
                    #expect(samePixels(picture, fileB[frameset.index]), "camB frame \(frameset.index)")
                    decodedB.append(frameset.index)
                }
            }
        }
        #expect(decodedA == 45)
        // camB's frame 10 was dropped on the node: its frameset has no frame for it.
        #expect(decodedB == [3, 17, 24, 31, 38])
        #expect(framesets[10].frames[1] == nil)
        // Decoding an earlier frame again starts over too, and gives the same picture.
        let again = try #require(framesets[20].frames[0])
        let picture = try decoder.decode(again)
        #expect(samePixels(picture, fileA[20]))
    }
}
