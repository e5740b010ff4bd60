import Foundation
import GenlockTesting
import GenlockCore
import GenlockHAL
import GenlockLibcamera
import Testing

/// Real frames through real libcamera: the Raspberry Pi fork's virtual pipeline handler, with the
/// cameras of ``VirtualCameras``. Nested in the manager's suite, so these too run one at a time
/// (one camera manager per process).
extension LibcameraManagerTests {
    @Suite(.enabled(if: VirtualCameras.path != nil, "libcamera has no virtual pipeline here (built against Debian's 0.0.3)"))
    struct VirtualPipeline {
        static let imx708 = StreamConfiguration(width: 1536, height: 864, pixelFormat: "YUV420", bufferCount: 4)

        init() throws { try VirtualCameras.install() }

        /// On a machine with a dma-heap or udmabuf device the allocator works; here it cannot.
        static var allocatorCanAllocate: Bool {
            FileManager.default.fileExists(atPath: "/dev/dma_heap") || FileManager.default.fileExists(atPath: "/dev/udmabuf")
        }

        static func request(_ index: Int64) -> CaptureRequest {
            let sample = ClockSample(realtime: RealtimeInstant(nanosecondsSinceEpoch: index), monotonic: MonotonicInstant(nanoseconds: index))
            return CaptureRequest(index: index, scheduled: sample.realtime, wake: sample, wakeError: .zero)
        }

        static func start(_ camera: LibcameraCamera) throws {
            try camera.start(ExposureSettings(exposure: .milliseconds(2), frameDurationLimits: .microseconds(33_333)...(.microseconds(33_333))))
        }

        @Test func camerasAreListedWithTheirModelsAndSelectedByIdOrModel() throws {
            let manager = try LibcameraManager()
            #expect(manager.cameras.map(\.id).sorted() == ([VirtualCameras.imx708] + VirtualCameras.twins).sorted())
            #expect(manager.cameras.first { $0.id == VirtualCameras.imx708 }?.model == "imx708")
            // By model: the only imx708. By id: exactly that camera.
            #expect(try manager.open("imx708", configuration: Self.imx708).identity.id == VirtualCameras.imx708)
            let twin = try manager.open(VirtualCameras.twins[1], configuration: StreamConfiguration(
                width: 640, height: 480, pixelFormat: "YUV420", bufferCount: 4))
            #expect(twin.identity == CameraIdentity(id: VirtualCameras.twins[1], model: VirtualCameras.twinModel))
            // A model two cameras share names both.
            let error = #expect(throws: LibcameraError.self) { try manager.open(VirtualCameras.twinModel, configuration: Self.imx708) }
            #expect(VirtualCameras.twins.allSatisfy { error?.description.contains($0) == true }, "\(String(describing: error))")
        }

        @Test func nv12IsTakenBesideYUV420AndTheBufferSourceIsReported() throws {
            let manager = try LibcameraManager()
            let camera = try manager.open(VirtualCameras.imx708, configuration: Self.imx708)
            // The virtual pipeline offers NV12 only: the same 4:2:0 at the size asked.
            #expect(camera.configuration == StreamConfiguration(width: 1536, height: 864, pixelFormat: "NV12", bufferCount: 4))
            #expect(camera.bufferSource == (Self.allocatorCanAllocate ? .allocator : .memfd))
            #expect(camera.bufferCounts == .init(free: 4, queued: 0, held: 0))
        }

        @Test func aSizeTheCameraDoesNotHaveIsRefusedNamingWhatItOffers() throws {
            let manager = try LibcameraManager()
            let asked = StreamConfiguration(width: 1920, height: 1080, pixelFormat: "YUV420", bufferCount: 4)
            let error = #expect(throws: LibcameraError.self) { try manager.open(VirtualCameras.imx708, configuration: asked) }
            #expect(error?.description.contains("size 1920×1080 → 1536×864") == true, "\(String(describing: error))")
        }

        /// 300 frames in request order, each with a sensor timestamp, NV12 planes over the mapped
        /// buffer holding the test pattern, half of them with a per-request frame duration; after
        /// stop every buffer is free again.
        @Test(.timeLimit(.minutes(1))) func framesStreamInOrderWithTimestampsAndEveryBufferComesBack() async throws {
            let manager = try LibcameraManager()
            let camera = try manager.open(VirtualCameras.imx708, configuration: Self.imx708)
            try Self.start(camera)
            let total: Int64 = 300
            var queued: Int64 = 0
            func queueNext() throws {
                // Odd requests pin their own frame duration, as the phase lock does.
                try camera.queue(Self.request(queued), frameDuration: queued % 2 == 1 ? .microseconds(33_300 + queued) : nil)
                queued += 1
            }
            for _ in 0..<camera.configuration.bufferCount { try queueNext() }
            var received: Int64 = 0
            var lastTimestamp: MonotonicInstant?
            var lastSequence: Int64 = -1
            var litPixels = 0
            for await completion in camera.completions {
                guard case .frame(let frame) = completion else {
                    Issue.record("expected frame \(received), got \(completion)")
                    break
                }
                #expect(frame.index == received)
                #expect(frame.sequence > lastSequence)
                lastSequence = frame.sequence
                let timestamp = try #require(frame.sensorTimestamp, "frame \(frame.index) has no SensorTimestamp")
                if let lastTimestamp { #expect(timestamp >= lastTimestamp) }
                lastTimestamp = timestamp
                #expect(frame.wallClock == nil)  // the virtual pipeline reports no FrameWallClock
                #expect(frame.planes.count == 2)
                #expect(frame.planes.map(\.strideBytes) == [1536, 1536])
                #expect(frame.planes.map(\.lengthBytes) == [1536 * 864, 1536 * 432])
                // The colour bars are drawn into the mapped buffer: the luma plane is not blank.
                litPixels = frame.planes[0].bytes.prefix(1536).filter { $0 > 16 }.count
                #expect(litPixels > 0)
                frame.release()
                received += 1
                if queued < total { try queueNext() }
                if received == total { break }
            }
            #expect(received == total)
            camera.stop()
            #expect(camera.bufferCounts == .init(free: 4, queued: 0, held: 0))
        }

        /// Every queued request completes, as a frame or cancelled by stop; frames released (twice,
        /// even) give each buffer back once.
        @Test(.timeLimit(.minutes(1))) func stopCompletesEveryPendingRequestAndEachBufferIsReleasedOnce() async throws {
            let manager = try LibcameraManager()
            let camera = try manager.open(VirtualCameras.imx708, configuration: Self.imx708)
            try Self.start(camera)
            for index in 0..<Int64(camera.configuration.bufferCount) { try camera.queue(Self.request(index)) }
            camera.stop()
            var frames: [CameraFrame] = []
            var cancelled: [Int64] = []
            for await completion in camera.completions {
                switch completion {
                case .frame(let frame): frames.append(frame)
                case .cancelled(let index): cancelled.append(index)
                case .failed(let index, let reason): Issue.record("request \(index) failed: \(reason)")
                }
            }
            #expect((frames.map(\.index) + cancelled).sorted() == [0, 1, 2, 3])
            #expect(camera.bufferCounts == .init(free: 4 - frames.count, queued: 0, held: frames.count))
            for frame in frames {
                frame.release()
                frame.release()
            }
            #expect(camera.bufferCounts == .init(free: 4, queued: 0, held: 0))
            // A stopped camera takes no more requests.
            #expect(throws: LibcameraError.self) { try camera.queue(Self.request(9)) }
        }
    }
}
