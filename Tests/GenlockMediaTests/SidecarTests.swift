import GenlockCore
@testable import GenlockMedia
import Testing

@Suite struct SidecarTests {
    @Test func rowsRoundTripWithEmptyCellsForUnknowns() throws {
        let records = [
            FrameRecord(index: 0, scheduled: .init(nanosecondsSinceEpoch: 10), sensorMonotonic: .init(nanoseconds: 5),
                        sensorRealtime: .init(nanosecondsSinceEpoch: 11), exposure: .microseconds(900), wakeError: .nanoseconds(-3),
                        realtimeLateness: .nanoseconds(7)),
            FrameRecord(index: 1, scheduled: .init(nanosecondsSinceEpoch: 20), flags: .skipped),
            FrameRecord(index: 2, scheduled: .init(nanosecondsSinceEpoch: 30), wakeError: .nanoseconds(4), flags: [.dropped]),
            FrameRecord(index: 3, scheduled: .init(nanosecondsSinceEpoch: 40), flags: .segmentStart),
        ]
        let text = SidecarFormat.header + "\n" + records.map(SidecarFormat.line).joined()
        #expect(SidecarFormat.line(records[1]) == "1,20,,,,,,skipped\n")
        #expect(SidecarFormat.line(records[0]) == "0,10,5,11,900000,-3,7,\n")
        #expect(try SidecarFormat.parse(text, path: "x") == records)
        #expect(records.map(\.isRecorded) == [true, false, false, true])
    }

    @Test func aTornLastLineIsRejected() {
        let text = SidecarFormat.header + "\n0,10,,,,,,\n1,2"
        #expect(throws: MediaError.self) { try SidecarFormat.parse(text, path: "x") }
        #expect(throws: MediaError.self) { try SidecarFormat.parse("index,x\n", path: "x") }
        #expect(throws: MediaError.self) { try SidecarFormat.parse(SidecarFormat.header + "\n0,10,,,,,,bogus\n", path: "x") }
        // A row of the older 7-cell layout under the new header is malformed, and the other way round.
        #expect(throws: MediaError.self) { try SidecarFormat.parse(SidecarFormat.header + "\n0,10,,,,,\n", path: "x") }
        #expect(throws: MediaError.self) { try SidecarFormat.parse(SidecarFormat.headerWithoutLateness + "\n0,10,,,,,,\n", path: "x") }
    }

    @Test("sidecars written before the realtime lateness column still read, with the lateness unknown")
    func olderSidecarsStillRead() throws {
        let text = SidecarFormat.headerWithoutLateness + "\n0,10,5,11,900000,-3,\n1,20,,,,,skipped\n"
        let rows = try SidecarFormat.parse(text, path: "old.frames.csv")
        #expect(rows.map(\.index) == [0, 1])
        #expect(rows[0].wakeError == .nanoseconds(-3))
        #expect(rows[0].realtimeLateness == nil)
        #expect(rows[1].flags == .skipped)
    }

    @Test("a frame later than the tolerance is flagged late; the flag round-trips")
    func lateFlag() throws {
        var onTime = FrameRecord(index: 0, scheduled: .init(nanosecondsSinceEpoch: 10), realtimeLateness: .microseconds(20))
        onTime.flagLateness(beyond: .milliseconds(1))
        #expect(!onTime.flags.contains(.late))
        var late = FrameRecord(index: 1, scheduled: .init(nanosecondsSinceEpoch: 20), realtimeLateness: .milliseconds(5))
        late.flagLateness(beyond: .milliseconds(1))
        #expect(late.flags == .late)
        #expect(late.isRecorded)
        var unknown = FrameRecord(index: 2, scheduled: .init(nanosecondsSinceEpoch: 30))
        unknown.flagLateness(beyond: .zero)
        #expect(unknown.flags.isEmpty)
        #expect(SidecarFormat.line(late) == "1,20,,,,,5000000,late\n")
        #expect(try SidecarFormat.parse(SidecarFormat.header + "\n" + SidecarFormat.line(late), path: "x") == [late])
    }

    @Test func summaryCountsRecordedDroppedSkipped() {
        let t = RealtimeInstant(nanosecondsSinceEpoch: 0)
        let summary = CameraSummary(camera: "cam2", records: [
            FrameRecord(index: 3, scheduled: t, flags: .skipped), FrameRecord(index: 4, scheduled: t),
            FrameRecord(index: 5, scheduled: t, flags: .dropped), FrameRecord(index: 6, scheduled: t),
        ])
        #expect(summary.recorded == 2 && summary.dropped == 1 && summary.skipped == 1)
        #expect(summary.indices == 3...6 && summary.recordedIndices == 4...6)
    }

    @Test func caliscopeCameraIDsComeFromTrailingDigitsWhenDistinct() {
        #expect(SessionExport.cameraIDs(["cam1", "cam2", "cam10"]) == ["cam1": 1, "cam2": 2, "cam10": 10])
        #expect(SessionExport.cameraIDs(["left", "right"]) == ["left": 0, "right": 1])
        #expect(SessionExport.cameraIDs(["a1", "b1"]) == ["a1": 0, "b1": 1])
    }

    @Test func testPatternCodesReadBack() throws {
        for layout in PixelLayout.allCases {
            let frame = TestPattern.render(index: 123_456_789, scheduledNs: 1_795_544_916_485_561_576, width: 320, height: 240, layout: layout)
            try frame.validate()
            let decoded = try #require(TestPattern.decode(frame))
            #expect(decoded.index == 123_456_789)
            #expect(decoded.scheduledNs == 1_795_544_916_485_561_576)
        }
        // A blank frame has no guards, so nothing is read from it.
        #expect(TestPattern.decode(VideoFrame(width: 320, height: 240, layout: .gray8)) == nil)
    }
}
