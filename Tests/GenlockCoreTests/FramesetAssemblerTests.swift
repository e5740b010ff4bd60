import GenlockCore
import Testing

/// Framesets by index: complete when every camera's frame is there, partial (never silent) when
/// not, with each camera's reason; live, a silent camera holds a frameset only for the wait.
@Suite struct FramesetAssemblerTests {
    typealias A = FramesetAssembler
    let present = A.Part(state: .present)

    func states(_ set: A.Frameset) -> [A.CameraState] { set.parts.map(\.state) }

    @Test func aFramesetGoesOutWhenEveryCameraHasItsRowAndNotBefore() {
        var a = A(configuration: .init(cameras: 3, firstIndex: 10))
        #expect(a.handle(.row(camera: 0, index: 10, present)).isEmpty)
        #expect(a.handle(.row(camera: 2, index: 10, A.Part(state: .dropped))).isEmpty)
        let out = a.handle(.row(camera: 1, index: 10, present))
        #expect(out.map(\.index) == [10])
        #expect(states(out[0]) == [.present, .present, .dropped])
        #expect(!out[0].isComplete && out[0].missing == [2])
        #expect(a.next == 11)
    }

    @Test func aCameraThatMovedPastAnIndexIsAbsentThereAndAnEndedCameraIsAbsentFromThenOn() {
        var a = A(configuration: .init(cameras: 2, firstIndex: 0))
        _ = a.handle(.row(camera: 0, index: 0, present))
        _ = a.handle(.row(camera: 0, index: 1, present))
        _ = a.handle(.row(camera: 0, index: 2, present))
        // Camera 1 was down for 0 and 1 (killed, restarted): its row for 2 settles them.
        let out = a.handle(.row(camera: 1, index: 2, present))
        #expect(out.map(\.index) == [0, 1, 2])
        #expect(out.map(states) == [[.present, .absent], [.present, .absent], [.present, .present]])
        _ = a.handle(.row(camera: 0, index: 3, present))
        let ended = a.handle(.cameraEnded(camera: 1))
        #expect(ended.map(\.index) == [3] && states(ended[0]) == [.present, .absent])
    }

    @Test func withAStopIndexEveryIndexUpToItIsARowEvenWhenNoCameraHasIt() {
        var a = A(configuration: .init(cameras: 2, firstIndex: 0))
        _ = a.handle(.row(camera: 0, index: 0, present))
        _ = a.handle(.row(camera: 1, index: 0, present))
        _ = a.handle(.cameraEnded(camera: 0))
        _ = a.handle(.cameraEnded(camera: 1))
        #expect(!a.isFinished)
        let out = a.handle(.stop(3))
        #expect(out.map(\.index) == [1, 2])
        #expect(out.allSatisfy { states($0) == [.absent, .absent] })
        #expect(a.isFinished)
        // Rows at or after the stop index make no frameset.
        #expect(a.handle(.row(camera: 0, index: 3, present)).isEmpty)
    }

    @Test func liveASilentCameraHoldsAFramesetOnlyForTheWaitThenItIsNotArrived() {
        var a = A(configuration: .init(cameras: 2, firstIndex: 0, wait: .milliseconds(100)))
        _ = a.handle(.tick(MonotonicInstant(nanoseconds: 1_000_000_000)))
        #expect(a.handle(.row(camera: 0, index: 0, present)).isEmpty)
        #expect(a.handle(.tick(MonotonicInstant(nanoseconds: 1_099_000_000))).isEmpty)
        let out = a.handle(.tick(MonotonicInstant(nanoseconds: 1_100_000_000)))
        #expect(out.map(\.index) == [0] && states(out[0]) == [.present, .notArrived])
        // The late row is not sent again; the next frameset waits afresh.
        #expect(a.handle(.row(camera: 1, index: 0, present)).isEmpty)
        #expect(a.handle(.row(camera: 0, index: 1, present)).isEmpty)
        #expect(a.handle(.row(camera: 1, index: 1, present)).map(\.index) == [1])
    }

    @Test func framesetsQueuedBehindASilentCameraWaitFromTheirOwnRowsNotOneWaitEach() {
        var a = A(configuration: .init(cameras: 2, firstIndex: 0, wait: .milliseconds(100)))
        _ = a.handle(.tick(MonotonicInstant(nanoseconds: 1_000_000_000)))
        for i in Int64(0)..<5 { #expect(a.handle(.row(camera: 0, index: i, present)).isEmpty) }
        _ = a.handle(.tick(MonotonicInstant(nanoseconds: 1_050_000_000)))
        #expect(a.handle(.row(camera: 0, index: 5, present)).isEmpty)
        // Rows 0...4 arrived at 1.0 s: all five have waited at 1.1 s; row 5 (1.05 s) has not.
        let out = a.handle(.tick(MonotonicInstant(nanoseconds: 1_100_000_000)))
        #expect(out.map(\.index) == [0, 1, 2, 3, 4])
        #expect(out.allSatisfy { states($0) == [.present, .notArrived] })
        #expect(a.handle(.tick(MonotonicInstant(nanoseconds: 1_150_000_000))).map(\.index) == [5])
    }

    @Test func rowsBeforeTheFirstIndexOrOutOfOrderOrFromAnUnknownCameraAreIgnored() {
        var a = A(configuration: .init(cameras: 1, firstIndex: 5))
        #expect(a.handle(.row(camera: 0, index: 4, present)).isEmpty)
        #expect(a.handle(.row(camera: 3, index: 5, present)).isEmpty)
        // Its row for 6 settles 5 (absent) and 6; a repeated 6 changes nothing.
        let out = a.handle(.row(camera: 0, index: 6, present))
        #expect(out.map(\.index) == [5, 6] && out.map(states) == [[.absent], [.present]])
        #expect(a.handle(.row(camera: 0, index: 6, present)).isEmpty)
        #expect(a.handle(.row(camera: 0, index: 7, present)).map(\.index) == [7])
    }
}
