import GenlockCore
import GenlockHAL
import GenlockMedia
import GenlockTesting
import Testing

/// The synthetic streaming sensor in virtual time: frames back to back on its own crystal, each
/// request's duration setting the length of the frame that fills it.
@Suite struct StreamingSyntheticCameraTests {
    let timing = SensorMode.imx708.timing
    let clock = VirtualClockPair()

    func camera(ppm: Double) throws -> StreamingSyntheticCamera {
        try StreamingSyntheticCamera(
            name: "synthetic", width: 64, height: 48, timing: timing, crystalPpm: ppm, clock: clock,
            timer: ManualDeadlineTimer(clock: clock))
    }

    /// Started as a phase-locked node starts it: 2 ms exposure, the frame length pinned.
    func settings(_ frame: TimeSpan) throws -> ExposureSettings {
        try ExposureSettings(exposure: .milliseconds(2), frameDurationLimits: frame...frame)
    }

    func request(_ index: Int64) -> CaptureRequest {
        let sample = clock.sample()
        return CaptureRequest(index: index, scheduled: sample.realtime, wake: sample, wakeError: .zero)
    }

    /// Every completion until the camera stopped.
    func drain(_ camera: StreamingSyntheticCamera) async -> [CameraCompletion] {
        camera.stop()
        var all: [CameraCompletion] = []
        for await completion in camera.completions { all.append(completion) }
        return all
    }

    @Test func framesFollowTheirRequestsDurationsOnTheSensorsCrystalAndUnrequestedFramesAreLost() async throws {
        let camera = try self.camera(ppm: 100)
        let start = clock.monotonicNow()
        let nominal = timing.frameDuration(lines: 3_600)
        try camera.start(settings(nominal))
        try camera.queue(request(0), frameDuration: nil)
        try camera.queue(request(1), frameDuration: timing.frameDuration(lines: 4_000))
        try camera.queue(request(2), frameDuration: nil)
        clock.advance(by: .milliseconds(140))  // frames 0-2 end; frame 3 has no request
        try camera.queue(request(9), frameDuration: nil)
        clock.advance(by: .milliseconds(40))
        let frames = await drain(camera).compactMap { completion -> CameraFrame? in
            if case .frame(let f) = completion { f } else { nil }
        }
        #expect(frames.map(\.index) == [0, 1, 2, 9])
        // Frame 3 came and went with no request: its sequence number is missing.
        #expect(frames.map(\.sequence) == [0, 1, 2, 4])
        let lineNs = Double(timing.lineTimePs) / 1000 * (1 + 100e-6)
        func startNs(afterLines lines: Int64) -> Int64 { start.nanoseconds + Int64((Double(lines) * lineNs).rounded()) }
        // Timestamps: start of readout, an exposure after each frame's row 0 began.
        let stamps = frames.compactMap(\.sensorTimestamp).map { $0.nanoseconds - 2_000_000 }
        #expect(stamps.count == 4)
        #expect(stamps[0] == start.nanoseconds)
        #expect(abs(stamps[1] - startNs(afterLines: 3_600)) <= 1)
        #expect(abs(stamps[2] - (stamps[1] + Int64((4_000 * lineNs).rounded()))) <= 1)  // frame 1 was 4 000 lines
        #expect(abs(stamps[3] - (stamps[2] + 2 * Int64((4_000 * lineNs).rounded()))) <= 2)  // frames 2 and 3 kept 4 000
        for frame in frames { frame.release() }
    }

    @Test func stopCancelsTheQueuedRequestsAndEndsTheStream() async throws {
        let camera = try self.camera(ppm: 0)
        try camera.start(settings(timing.frameDuration(lines: 3_600)))
        try camera.queue(request(5), frameDuration: nil)
        try camera.queue(request(6), frameDuration: nil)
        let completions = await drain(camera)
        let cancelled = completions.compactMap { completion -> Int64? in
            if case .cancelled(let index) = completion { index } else { nil }
        }
        #expect(cancelled == [5, 6])
        #expect(clock.pendingDeadlines.isEmpty)
    }
}
