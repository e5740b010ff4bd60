@testable import GenlockControl
import GenlockCore
@testable import GenlockDashboard
import Testing

/// The tiles and the controls, from the coordinator's real state machine.
@Suite struct DashboardSnapshotTests {
    @Test func aMissingCameraIsGreyWithItsReasonAndStartWaits() throws {
        let core = try Support.core(cameras: ["cam1", "cam2", "cam3"], connected: ["cam1", "cam2"], locked: true)
        let s = DashboardSnapshot(core: core, report: nil, previews: [:], framesets: nil, now: Support.t0)
        #expect(s.cameras.map(\.name) == ["cam1", "cam2", "cam3"])
        #expect(s.cameras.map(\.connected) == [true, true, false])
        #expect(s.cameras[2].missingReason == "never connected")
        #expect(s.cameras[0].missingReason == nil && s.cameras[0].version == "0.1.0" && s.cameras[0].ptpPortState == "SLAVE")
        #expect(!s.startEnabled)
        #expect(s.startDisabledReason?.contains("missing cam3") == true)
    }

    @Test func startIsDisabledWithThePTPReasonWhileTheGateHolds() throws {
        let core = try Support.core(cameras: ["cam1", "cam2"], connected: ["cam1", "cam2"], locked: false, startOnRequest: true)
        let s = DashboardSnapshot(core: core, report: nil, previews: [:], framesets: nil, now: Support.t0)
        #expect(!s.startEnabled)
        #expect(s.startDisabledReason == "holding START: PTP not locked on cam1, cam2")
        #expect(s.cameras.allSatisfy { !$0.ptpLocked })
    }

    @Test func operatorStartIsEnabledOnceReadyAndSendsStart() throws {
        var core = try Support.core(cameras: ["cam1"], connected: ["cam1"], locked: true, startOnRequest: true)
        var s = DashboardSnapshot(core: core, report: nil, previews: [:], framesets: nil, now: Support.t0)
        #expect(s.startEnabled && s.startDisabledReason == nil && s.phase == "waiting")
        // Ticks alone do not start it: the operator does.
        #expect(!core.handle(.tick(now: Support.t0 + .seconds(1))).contains { if case .send(_, .start) = $0 { true } else { false } })
        let actions = core.handle(.startRequested(now: Support.t0 + .seconds(2)))
        #expect(actions.contains { if case .send(1, .start(let start)) = $0 { start.t0Ns == (Support.t0 + .seconds(3)).nanosecondsSinceEpoch } else { false } })
        s = DashboardSnapshot(core: core, report: nil, previews: [:], framesets: nil, now: Support.t0)
        #expect(s.phase == "started" && !s.startEnabled && s.startDisabledReason == "started" && s.stopEnabled)
    }

    @Test func startRequestedWhileThePTPGateHoldsIsRefused() throws {
        var core = try Support.core(cameras: ["cam1"], connected: ["cam1"], locked: false, startOnRequest: true)
        let actions = core.handle(.startRequested(now: Support.t0))
        #expect(actions == [.log("START requested but held: holding START: PTP not locked on cam1")])
        #expect(core.phase == .waiting)
    }

    @Test func aRecordingTileCarriesStatusHealthAndPreview() throws {
        var core = try Support.core(cameras: ["cam1"], connected: ["cam1"], locked: true)
        let status = ControlMessage.Status(
            ptp: PTPReport(locked: true, offsetNs: -85, portState: "SLAVE"), framesCaptured: 120, framesSkipped: 2, lastIndex: 121, finished: false,
            phaseLock: .init(state: .locked, phaseErrorNs: 3_100), preflight: "6 checks: 6 pass",
            health: .init(framesDroppedCount: 1, latenessP99Ns: 48_000, diskFreeBytes: 5_000_000_000))
        _ = core.handle(.status(1, status))
        let preview = PreviewInfo(index: 90, scheduledNs: 1234, version: 3)
        let tile = try #require(DashboardSnapshot(core: core, report: nil, previews: ["cam1": preview], framesets: nil, now: Support.t0).cameras.first)
        #expect(tile.recording && tile.phaseLockState == "locked" && tile.phaseErrorNs == 3_100 && tile.ptpOffsetNs == -85)
        #expect(tile.frames == 120 && tile.dropped == 1 && tile.skipped == 2 && tile.latenessP99Ns == 48_000 && tile.diskFreeBytes == 5_000_000_000)
        #expect(tile.preflight == "6 checks: 6 pass" && tile.preview == preview)
    }

    @Test func statusHealthRoundTripsOnTheWireAndOlderStatusHasNone() throws {
        let status = ControlMessage.Status(
            ptp: .unknown, framesCaptured: 1, framesSkipped: 0, lastIndex: 0, finished: false,
            health: .init(framesDroppedCount: nil, latenessP99Ns: 5, diskFreeBytes: 9))
        let message = ControlMessage.status(status)
        let decoded = try ControlMessage.decode(type: 5, payload: ArraySlice(message.encodedPayload()))
        #expect(decoded == message)
        let older = ControlMessage.status(ControlMessage.Status(ptp: .unknown, framesCaptured: 1, framesSkipped: 0, lastIndex: 0, finished: false))
        let payload = older.encodedPayload()
        // A node that predates the health block ends STATUS after the preflight flag.
        let withoutHealth = Array(payload.dropLast())
        guard case .status(let s) = try ControlMessage.decode(type: 5, payload: ArraySlice(withoutHealth)) else { Issue.record("not STATUS"); return }
        #expect(s.health == nil)
    }
}
