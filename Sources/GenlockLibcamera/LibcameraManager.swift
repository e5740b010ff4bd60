import CLibcamera
import CLibcameraShim
import GenlockCore

/// libcamera's camera manager: the cameras on this machine, and the way to open one.
///
/// libcamera allows one manager per process; starting a second while one lives fails with
/// ``LibcameraError/managerFailed(detail:)``. The manager stops when it and every camera opened
/// from it are gone.
public final class LibcameraManager: Sendable {
    /// The libcamera release loaded at run time, as libcamera prints it (`v0.0.3`).
    public static var libraryVersion: String { String(cString: glc_library_version()) }
    /// The libcamera release the shim was compiled against (its version macros).
    public static let headerVersion = "\(LIBCAMERA_VERSION_MAJOR).\(LIBCAMERA_VERSION_MINOR).\(LIBCAMERA_VERSION_PATCH)"

    /// The cameras libcamera found when the manager started.
    public let cameras: [CameraIdentity]
    private let handle: ManagerHandle

    /// Starts libcamera's camera manager and lists its cameras.
    public init() throws(LibcameraError) {
        var error = glc_error()
        guard let pointer = glc_manager_start(&error) else {
            throw .managerFailed(detail: message(of: error))
        }
        handle = ManagerHandle(pointer: pointer)
        cameras = (0..<glc_camera_count(pointer)).map { index in
            var id = [CChar](repeating: 0, count: 512)
            var model = [CChar](repeating: 0, count: 128)
            _ = glc_camera_info(pointer, index, &id, id.count, &model, model.count)
            return CameraIdentity(id: Self.string(id), model: Self.string(model))
        }
    }

    /// Acquires the camera with id or model `selector` (nil: the only camera) and configures its stream.
    ///
    /// Fails with ``LibcameraError/noCamera(_:libcamera:)`` when no single camera matches,
    /// ``LibcameraError/cameraInUse(id:)`` when it is held elsewhere, and
    /// ``LibcameraError/configurationAdjusted(requested:adjusted:)`` when libcamera would deliver a
    /// different size, format or buffer count (nothing is applied; ask again with those values).
    public func open(_ selector: String?, configuration: StreamConfiguration) throws(LibcameraError) -> LibcameraCamera {
        guard let format = LibcameraPixelFormat(name: configuration.pixelFormat) else {
            throw .invalidConfiguration(
                detail: "pixel format '\(configuration.pixelFormat)' is not supported (supported: \(LibcameraPixelFormat.supportedNames))")
        }
        guard configuration.width > 0, configuration.height > 0, configuration.bufferCount > 0,
            let width = UInt32(exactly: configuration.width), let height = UInt32(exactly: configuration.height),
            let buffers = UInt32(exactly: configuration.bufferCount)
        else {
            throw .invalidConfiguration(detail: "\(configuration): size and buffer count must be positive")
        }
        let identity: CameraIdentity
        do {
            identity = try CameraSelector.choose(selector, from: cameras)
        } catch {
            throw .noCamera(error, libcamera: Self.libraryVersion)
        }
        var error = glc_error()
        var pointer: OpaquePointer?
        switch glc_camera_acquire(handle.pointer, identity.id, &pointer, &error) {
        case GLC_OK: break
        case GLC_CAMERA_IN_USE: throw .cameraInUse(id: identity.id)
        case GLC_NO_CAMERA:
            throw .noCamera(.notFound(selector: identity.id, available: cameras), libcamera: Self.libraryVersion)
        default: throw .failed(detail: message(of: error))
        }
        let camera = ShimCamera(pointer: pointer!, manager: handle)
        var stream = glc_stream_config()
        stream.width = width
        stream.height = height
        stream.pixel_format = format.fourcc
        stream.buffer_count = buffers
        switch glc_camera_configure(camera.pointer, &stream, &error) {
        case GLC_OK:
            // Each frame's planes carry their own strides (libcamera's per-plane layout).
            return LibcameraCamera(camera: camera, identity: identity, configuration: configuration)
        case GLC_CONFIGURATION_ADJUSTED:
            let adjusted = StreamConfiguration(
                width: Int(stream.width), height: Int(stream.height),
                pixelFormat: withUnsafeBytes(of: stream.pixel_format_name) {
                    String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self)
                },
                bufferCount: Int(stream.buffer_count))
            throw .configurationAdjusted(requested: configuration, adjusted: adjusted)
        case GLC_CONFIGURATION_INVALID: throw .invalidConfiguration(detail: message(of: error))
        default: throw .failed(detail: message(of: error))
        }
    }

    private static func string(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The pixel formats the backend hands to the node, by libcamera's name and DRM fourcc.
enum LibcameraPixelFormat: CaseIterable {
    case yuv420

    init?(name: String) {
        guard let format = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = format
    }

    var name: String {
        switch self {
        case .yuv420: "YUV420"
        }
    }

    /// DRM_FORMAT_YUV420 is the fourcc 'YU12', little-endian.
    var fourcc: UInt32 {
        switch self {
        case .yuv420: UInt32(UInt8(ascii: "Y")) | UInt32(UInt8(ascii: "U")) << 8 | UInt32(UInt8(ascii: "1")) << 16
            | UInt32(UInt8(ascii: "2")) << 24
        }
    }

    static var supportedNames: String { allCases.map(\.name).joined(separator: ", ") }
}
