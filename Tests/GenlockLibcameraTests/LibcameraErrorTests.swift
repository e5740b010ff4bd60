import GenlockCore
import GenlockLibcamera
import Testing

@Suite("libcamera errors")
struct LibcameraErrorTests {
    @Test func adjustedConfigurationSaysWhatWasAskedWhatLibcameraOffersAndWhatChanged() {
        let asked = StreamConfiguration(width: 1920, height: 1080, pixelFormat: "YUV420", bufferCount: 4)
        let offered = StreamConfiguration(width: 2304, height: 1296, pixelFormat: "YUV420", bufferCount: 6)
        let error = LibcameraError.configurationAdjusted(requested: asked, adjusted: offered)
        #expect(
            error.description
                == "libcamera adjusted the configuration: asked 1920×1080 YUV420 with 4 buffers, "
                + "it can deliver 2304×1296 YUV420 with 6 buffers (size 1920×1080 → 2304×1296; buffer count 4 → 6)")
    }

    @Test func cameraInUseNamesTheCamera() {
        #expect(LibcameraError.cameraInUse(id: "/base/imx708@1a").description.contains("'/base/imx708@1a' is in use"))
    }
}
