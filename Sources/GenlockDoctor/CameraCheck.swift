import GenlockCore

/// The check that libcamera finds the camera a node will drive, and that its sensor has the known
/// mode (line time, frame-length limits) the phase lock needs.
public enum CameraCheck {
    /// The check `camera` from libcamera's version and camera list (or why its camera manager
    /// could not start), for the camera `selector` names (id or model; nil: the only one).
    public static func check(libcameraVersion: String, cameras: Result<[CameraIdentity], ProbeError>, selector: String?) -> CheckResult {
        let name = "camera"
        let listed: [CameraIdentity]
        switch cameras {
        case .failure(let error):
            return .fail(name, "libcamera \(libcameraVersion) could not start: \(error)", fix: "install libcamera (Raspberry Pi OS: rpicam-apps) and check `rpicam-hello --list-cameras`")
        case .success(let value): listed = value
        }
        let camera: CameraIdentity
        do {
            camera = try CameraSelector.choose(selector, from: listed)
        } catch {
            let fix: String
            switch error {
            case .noCameras: fix = "connect the camera (ribbon cable, camera_auto_detect=1 in /boot/firmware/config.txt) and check `rpicam-hello --list-cameras`"
            case .notFound, .ambiguous: fix = "name the camera by its id with --camera"
            }
            return .fail(name, "libcamera \(libcameraVersion): \(error)", fix: fix)
        }
        let found = "libcamera \(libcameraVersion), \(listed.count) camera\(listed.count == 1 ? "" : "s"); using \(camera)"
        guard let mode = SensorMode.known(model: camera.model) else {
            let known = SensorMode.known.map(\.model).joined(separator: ", ")
            return .fail(
                name, "\(found): no sensor timing for model '\(camera.model)' (known: \(known))",
                fix: "use a known sensor, or start the node with --sensor naming the one it is")
        }
        return CheckResult(check: name, status: .pass, detail: "\(found), mode \(mode)")
    }
}
