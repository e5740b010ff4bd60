import Foundation

/// The cameras of libcamera's virtual pipeline handler, as the tests describe them.
///
/// The pipeline exists from libcamera 0.4 on (the vendored Raspberry Pi fork builds it; Debian's
/// 0.0.3 has none). It reads `share/libcamera/pipeline/virtual/virtual.yaml` under libcamera's
/// install prefix when the camera manager starts; `make test` builds the fork and names that path
/// in `GENLOCK_LIBCAMERA_VIRTUAL_YAML`. Without it these tests do not run (the build against
/// Debian's libcamera has no virtual cameras); with it they must find the cameras.
public enum VirtualCameras {
    /// Where libcamera reads the description, when this run is against a libcamera that has the
    /// virtual pipeline.
    public static let path = ProcessInfo.processInfo.environment["GENLOCK_LIBCAMERA_VIRTUAL_YAML"]

    /// A camera whose model is a sensor in `SensorMode`'s table, at that mode's size, so a node
    /// opens it exactly as it would a Pi's imx708.
    public static let imx708 = "Virtual0"
    /// Two cameras sharing a model: selection by that model is ambiguous.
    public static let twins = ["Virtual1", "Virtual2"]
    public static let twinModel = "genlock test twin"

    public static let yaml = """
        %YAML 1.1
        ---
        "\(imx708)":
          supported_formats:
          - width: 1536
            height: 864
          test_pattern: "bars"
          model: "imx708"
        "\(twins[0])":
          supported_formats:
          - width: 640
            height: 480
          test_pattern: "lines"
          model: "\(twinModel)"
        "\(twins[1])":
          supported_formats:
          - width: 640
            height: 480
          test_pattern: "lines"
          model: "\(twinModel)"

        """

    /// Writes the description (atomically: test processes started at the same time all write the
    /// same bytes, and none may read half a file). Call before starting a camera manager.
    public static func install() throws {
        guard let path else { return }
        try FileManager.default.createDirectory(
            at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
