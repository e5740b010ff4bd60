import GenlockCore
import GenlockDoctor
import Testing

@Suite("doctor: camera, GPIO and the report")
struct CameraAndGPIOTests {
    @Test func theOnlyImx708PassesWithItsKnownMode() {
        let result = CameraCheck.check(libcameraVersion: "v0.3.2+rpt20241119", cameras: .success(Fixtures.cameras(Fixtures.camerasListing)), selector: nil)
        #expect(result.status == .pass, "\(result.detail)")
        #expect(result.detail.hasPrefix("libcamera v0.3.2+rpt20241119, 1 camera; using /base/axi/pcie@1000120000/rp1/i2c@88000/imx708@1a (imx708), mode imx708 1536×864"))
    }

    @Test func twoCamerasNeedAnIdAndTheIdPicksOne() {
        let two = Fixtures.cameras(Fixtures.camerasListingTwo)
        let unnamed = CameraCheck.check(libcameraVersion: "v0.3.2", cameras: .success(two), selector: "imx708")
        #expect(unnamed.status == .fail)
        #expect(unnamed.detail.contains("2 cameras are 'imx708'"))
        #expect(unnamed.detail.contains("fix: name the camera by its id with --camera"))
        let named = CameraCheck.check(libcameraVersion: "v0.3.2", cameras: .success(two), selector: two[1].id)
        #expect(named.status == .pass)
        #expect(named.detail.contains("i2c@80000"))
    }

    @Test func noCameraFailsNamingLibcamerasVersionAndTheCable() {
        let result = CameraCheck.check(libcameraVersion: "v0.0.3", cameras: .success([]), selector: nil)
        #expect(result.status == .fail)
        #expect(result.detail.hasPrefix("libcamera v0.0.3: no cameras found; fix: connect the camera"), "\(result.detail)")
    }

    @Test func aSensorWithoutKnownTimingFails() {
        let result = CameraCheck.check(libcameraVersion: "v0.3.2", cameras: .success(Fixtures.cameras(Fixtures.camerasListingHQ)), selector: nil)
        #expect(result.status == .fail)
        #expect(result.detail.contains("no sensor timing for model 'imx477' (known: imx708, imx296)"))
    }

    @Test func aManagerThatCannotStartFails() {
        let result = CameraCheck.check(libcameraVersion: "v0.0.3", cameras: .failure(ProbeError("camera manager failed to start")), selector: nil)
        #expect(result.status == .fail)
        #expect(result.detail.contains("could not start: camera manager failed to start"))
    }

    @Test func gpioAddressesReadAsChipAndLine() throws {
        #expect(try GPIOLineAddress(parsing: "gpiochip0:17") == GPIOLineAddress(chip: "gpiochip0", line: 17))
        #expect(try GPIOLineAddress(parsing: "/dev/gpiochip4:27") == GPIOLineAddress(chip: "/dev/gpiochip4", line: 27))
        for bad in ["gpiochip0", ":17", "gpiochip0:", "gpiochip0:x", "gpiochip0:-1"] {
            #expect(throws: GPIOAddressError.self, "\(bad)") { try GPIOLineAddress(parsing: bad) }
        }
    }

    @Test func theGPIOCheckPassesOrFailsWithTheBackendsReason() {
        let address = GPIOLineAddress(chip: "gpiochip0", line: 17)
        #expect(GPIOCheck.check(address, requested: .success(())).status == .pass)
        let busy = GPIOCheck.check(address, requested: .failure(ProbeError("gpiochip0 line 17 is in use by 'lgpio'")))
        #expect(busy.status == .fail)
        #expect(busy.detail.hasPrefix("cannot request gpiochip0:17: gpiochip0 line 17 is in use by 'lgpio'; fix: "))
    }

    @Test func theReportExitsZeroOnlyWhenEveryCheckPassed() {
        let pass = CheckResult(check: "a", status: .pass, detail: "ok")
        #expect(DoctorReport(results: [pass, pass]).exitStatus == 0)
        #expect(DoctorReport(results: [pass, CheckResult(check: "b", status: .warn, detail: "meh")]).exitStatus == 1)
        #expect(DoctorReport(results: [pass, .fail("c", "broken", fix: "mend it")]).exitStatus == 1)
        #expect(CheckResult.fail("c", "broken", fix: "mend it").textLine == "FAIL  c: broken; fix: mend it")
    }
}
