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
    /// The pixel format asked is a preference between the 4:2:0 formats the backend hands on
    /// (``LibcameraPixelFormat``): when libcamera offers the other one at the same size, or another
    /// buffer count, that is taken, and the camera's ``LibcameraCamera/configuration`` says so.
    /// Fails with ``LibcameraError/noCamera(_:libcamera:)`` when no single camera matches,
    /// ``LibcameraError/cameraInUse(id:)`` when it is held elsewhere, and
    /// ``LibcameraError/configurationAdjusted(requested:adjusted:)`` when libcamera would deliver a
    /// different size or a format the backend cannot hand on (nothing is applied).
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
        var status = glc_camera_configure(camera.pointer, &stream, &error)
        if status == GLC_CONFIGURATION_ADJUSTED, stream.width == width, stream.height == height,
            LibcameraPixelFormat(fourcc: stream.pixel_format) != nil, stream.buffer_count > 0
        {
            // The other 4:2:0 layout or the pipeline's own buffer count: both fine for the node.
            // Asking again with exactly what libcamera offered validates without adjustment.
            status = glc_camera_configure(camera.pointer, &stream, &error)
        }
        let delivered = StreamConfiguration(
            width: Int(stream.width), height: Int(stream.height),
            pixelFormat: LibcameraPixelFormat(fourcc: stream.pixel_format)?.name ?? Self.text(of: stream.pixel_format_name),
            bufferCount: Int(stream.buffer_count))
        switch status {
        case GLC_OK:
            // Each frame's planes carry their own strides (libcamera's per-plane layout).
            let source: LibcameraCamera.BufferSource = stream.buffer_source == GLC_BUFFERS_MEMFD ? .memfd : .allocator
            return LibcameraCamera(camera: camera, identity: identity, configuration: delivered, bufferSource: source)
        case GLC_CONFIGURATION_ADJUSTED: throw .configurationAdjusted(requested: configuration, adjusted: delivered)
        case GLC_CONFIGURATION_INVALID: throw .invalidConfiguration(detail: message(of: error))
        default: throw .failed(detail: message(of: error))
        }
    }

    private static func text<T>(of chars: T) -> String {
        withUnsafeBytes(of: chars) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }

    private static func string(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The pixel formats the backend hands to the node, by libcamera's name and DRM fourcc: both
/// 4:2:0, which the recorder takes as they come (`yuv420p`, `nv12`).
public enum LibcameraPixelFormat: CaseIterable, Sendable {
    /// Planar Y, U, V (I420): what the Pi's ISP is asked for.
    case yuv420
    /// Y, then interleaved U,V: the only format of libcamera's virtual pipeline.
    case nv12

    public init?(name: String) {
        guard let format = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = format
    }

    init?(fourcc: UInt32) {
        guard let format = Self.allCases.first(where: { $0.fourcc == fourcc }) else { return nil }
        self = format
    }

    /// libcamera's name of the format.
    public var name: String {
        switch self {
        case .yuv420: "YUV420"
        case .nv12: "NV12"
        }
    }

    /// DRM_FORMAT_YUV420 is the fourcc 'YU12', DRM_FORMAT_NV12 'NV12', little-endian.
    var fourcc: UInt32 {
        let code = switch self {
        case .yuv420: "YU12"
        case .nv12: "NV12"
        }
        return code.utf8.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    static var supportedNames: String { allCases.map(\.name).joined(separator: ", ") }
}
