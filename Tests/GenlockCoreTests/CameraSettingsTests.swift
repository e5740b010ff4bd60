import GenlockCore
import Testing

@Suite("camera selection and settings")
struct CameraSettingsTests {
    static let front = CameraIdentity(id: "/base/axi/pcie@120000/rp1/i2c@88000/imx708@1a", model: "imx708")
    static let back = CameraIdentity(id: "/base/axi/pcie@120000/rp1/i2c@80000/imx708@1a", model: "imx708")
    static let global = CameraIdentity(id: "/base/axi/pcie@120000/rp1/i2c@80000/imx296@1a", model: "imx296")

    @Test func idWinsThenAUniqueModelCaseInsensitively() throws {
        #expect(try CameraSelector.choose(Self.back.id, from: [Self.front, Self.back]) == Self.back)
        #expect(try CameraSelector.choose("IMX296", from: [Self.front, Self.global]) == Self.global)
    }

    @Test func noneAmbiguousAndUnknownSayWhichCamerasThereAre() {
        #expect(throws: CameraSelectionError.noCameras(selector: "imx708")) {
            try CameraSelector.choose("imx708", from: [])
        }
        let ambiguous = #expect(throws: CameraSelectionError.self) {
            try CameraSelector.choose("imx708", from: [Self.front, Self.back, Self.global])
        }
        #expect(ambiguous == .ambiguous(selector: "imx708", matches: [Self.front, Self.back]))
        #expect(ambiguous?.description == "2 cameras are 'imx708'; choose one by id: \(Self.front.id), \(Self.back.id)")
        let unknown = #expect(throws: CameraSelectionError.self) { try CameraSelector.choose("ov5647", from: [Self.global]) }
        #expect(unknown?.description == "no camera has id or model 'ov5647'; cameras: \(Self.global.id) (imx296)")
    }

    @Test func withoutASelectorTheOnlyCameraIsChosenAndNoneOrSeveralSaySo() throws {
        #expect(try CameraSelector.choose(nil, from: [Self.global]) == Self.global)
        let none = #expect(throws: CameraSelectionError.self) { try CameraSelector.choose(nil, from: []) }
        #expect(none?.description == "no cameras found")
        let several = #expect(throws: CameraSelectionError.self) { try CameraSelector.choose(nil, from: [Self.front, Self.global]) }
        #expect(several?.description == "2 cameras found; choose one by id: \(Self.front.id), \(Self.global.id)")
    }

    @Test func changesListOnlyTheFieldsThatDiffer() {
        let asked = StreamConfiguration(width: 1920, height: 1080, pixelFormat: "YUV420", bufferCount: 4)
        #expect(asked.changes(to: asked).isEmpty)
        var adjusted = asked
        adjusted.pixelFormat = "NV12"
        #expect(asked.changes(to: adjusted) == ["pixel format YUV420 → NV12"])
        adjusted.height = 1088
        #expect(asked.changes(to: adjusted) == ["size 1920×1080 → 1920×1088", "pixel format YUV420 → NV12"])
    }

    @Test(arguments: [(Int64(1_499), Int64(1)), (1_500, 2), (0, 0), (-1_500, -2), (-1_499, -1), (33_333_333, 33_333)])
    func microsecondsRoundToNearest(nanoseconds: Int64, microseconds: Int64) {
        #expect(TimeSpan(nanoseconds: nanoseconds).microsecondsRounded == microseconds)
    }

    @Test func exposureSettingsAcceptAFixedExposureWithinTheFrame() throws {
        let settings = try ExposureSettings(exposure: .milliseconds(5), frameDurationLimits: .milliseconds(33)...(.milliseconds(34)))
        #expect(settings.exposure == .milliseconds(5))
        #expect(settings.frameDurationLimits.upperBound == .milliseconds(34))
    }

    @Test(arguments: [
        (TimeSpan.nanoseconds(400), TimeSpan.milliseconds(10), "exposure 400 ns is shorter than 1 µs"),
        (.milliseconds(20), .milliseconds(10), "exposure 20 ms is longer than the longest frame duration 10 ms"),
        (.seconds(3_000), .seconds(4_000), "exposure 3000 s is longer than"),
    ])
    func exposureSettingsRejectWhatLibcameraCannotDo(exposure: TimeSpan, longest: TimeSpan, says: String) {
        let error = #expect(throws: ExposureSettingsError.self) {
            try ExposureSettings(exposure: exposure, frameDurationLimits: .milliseconds(1)...longest)
        }
        #expect(error?.description.contains(says) == true, "\(String(describing: error))")
    }
}
