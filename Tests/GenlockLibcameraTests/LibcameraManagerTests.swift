import Foundation
import GenlockTesting
import GenlockCore
import CLibcameraShim
import GenlockLibcamera
import Testing

/// Against the real libcamera on this machine. libcamera allows one camera manager per
/// process, so these run one at a time.
@Suite("libcamera manager", .serialized)
struct LibcameraManagerTests {
    static let noCameraDevices = !((try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? [])
        .contains { $0.hasPrefix("media") }

    init() { setenv("LIBCAMERA_LOG_LEVELS", "*:ERROR", 0) }

    static let yuv = StreamConfiguration(width: 1920, height: 1080, pixelFormat: "YUV420", bufferCount: 4)

    @Test func loadedLibraryMatchesTheHeadersTheShimWasBuiltWith() {
        #expect(LibcameraManager.libraryVersion == "v" + LibcameraManager.headerVersion)
    }

    @Test(.enabled(if: noCameraDevices && VirtualCameras.path == nil, "this machine has cameras (media devices, or libcamera's virtual ones)"))
    func managerStartsAndOpeningAnyCameraSaysNoneWereFound() throws {
        let manager = try LibcameraManager()
        #expect(manager.cameras.isEmpty)
        let error = #expect(throws: LibcameraError.self) { try manager.open("imx708", configuration: Self.yuv) }
        #expect(error == .noCamera(.noCameras(selector: "imx708"), libcamera: LibcameraManager.libraryVersion))
        #expect(error?.description == "no cameras found (asked for 'imx708') (libcamera \(LibcameraManager.libraryVersion))")
    }

    @Test func unknownCameraIsNamedInTheError() throws {
        let manager = try LibcameraManager()
        let error = #expect(throws: LibcameraError.self) { try manager.open("no-such-camera", configuration: Self.yuv) }
        #expect(error?.description.contains("'no-such-camera'") == true)
        #expect(error?.description.contains("libcamera \(LibcameraManager.libraryVersion)") == true)
    }

    @Test func aSecondManagerIsRefusedUntilTheFirstStops() throws {
        let error = withExtendedLifetime(try LibcameraManager()) {
            #expect(throws: LibcameraError.self) { try LibcameraManager() }
        }
        #expect(error?.description.contains("already running") == true)
        // The first manager is gone now, so a new one starts.
        _ = try LibcameraManager()
    }

    @Test(arguments: [
        (StreamConfiguration(width: 1920, height: 1080, pixelFormat: "RGB888", bufferCount: 4), "'RGB888' is not supported (supported: YUV420, NV12)"),
        (StreamConfiguration(width: 0, height: 1080, pixelFormat: "YUV420", bufferCount: 4), "must be positive"),
        (StreamConfiguration(width: 1920, height: 1080, pixelFormat: "YUV420", bufferCount: 0), "must be positive"),
    ])
    func badConfigurationIsRejectedBeforeAnyCameraIsTouched(configuration: StreamConfiguration, says: String) throws {
        let manager = try LibcameraManager()
        let error = #expect(throws: LibcameraError.self) { try manager.open("imx708", configuration: configuration) }
        #expect(error?.description.hasPrefix("invalid camera configuration: ") == true)
        #expect(error?.description.contains(says) == true, "\(String(describing: error))")
    }

    /// The shim's C surface itself: an id no camera has, and listing past the end.
    @Test func acquiringAnUnknownIdIsNoCameraWithItsNameAndListingPastTheEndFails() throws {
        var error = glc_error()
        let started = glc_manager_start(&error)
        let manager = try #require(started, "the camera manager did not start")
        defer { glc_manager_stop(manager) }
        var id = [CChar](repeating: 0, count: 64)
        var model = [CChar](repeating: 0, count: 64)
        #expect(glc_camera_info(manager, glc_camera_count(manager), &id, id.count, &model, model.count) == GLC_NO_CAMERA)
        var camera: OpaquePointer?
        #expect(glc_camera_acquire(manager, "imx708", &camera, &error) == GLC_NO_CAMERA)
        #expect(camera == nil)
        let text = withUnsafeBytes(of: error.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        #expect(text == "no camera with id 'imx708'")
    }
}
