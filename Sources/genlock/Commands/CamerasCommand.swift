import ArgumentParser
import GenlockLibcamera
import Glibc

/// `genlock cameras`: the cameras libcamera finds on this machine.
struct CamerasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cameras",
        abstract: "List the cameras libcamera finds (id and model); exit 1 when there are none.")

    /// Why the command fails when libcamera finds nothing.
    struct NoCameras: Error, CustomStringConvertible {
        var description: String {
            "no cameras found (libcamera \(LibcameraManager.libraryVersion), built against \(LibcameraManager.headerVersion))"
        }
    }

    func run() throws {
        // libcamera logs INFO and WARN lines to stderr; keep only errors unless the user chose.
        setenv("LIBCAMERA_LOG_LEVELS", "*:ERROR", 0)
        let manager = try LibcameraManager()
        guard !manager.cameras.isEmpty else { throw NoCameras() }
        for camera in manager.cameras {
            Console.out("\(camera.id)\t\(camera.model.isEmpty ? "-" : camera.model)")
        }
    }
}
