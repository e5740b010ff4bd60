import GenlockCore
import GenlockHIL
import Foundation
import Testing

/// The pure pieces on their own: flash and sensor files, regions, the overlap model, band edges.
@Suite("HIL pure logic")
struct PureLogicTests {
    static let t0 = RealtimeInstant(nanosecondsSinceEpoch: 1_700_000_000_000_000_000)

    @Test func flashListRoundTripsThroughItsCSV() throws {
        let plan = try FlashPlan(firstFlash: Self.t0, width: .microseconds(100), period: .milliseconds(10), count: 5,
                                 sweepStep: .microseconds(50), sweepSteps: 2)
        let list = FlashList(plan: plan)
        #expect(list.csv.hasPrefix(FlashList.header + "\n"))
        let parsed = try FlashList(csv: list.csv, path: "flashes.csv")
        #expect(parsed == list)
        #expect(parsed.flashes[3].on == plan.onInstant(3))
        #expect(parsed.overlapping(plan.onInstant(2) + .microseconds(99), plan.onInstant(4)).map(\.index) == [2, 3])
    }

    @Test(arguments: [
        ("flash,on\n", "flashes.csv: line 1"),
        (FlashList.header + "\n0,10,,\n", "actual_off_ns is required"),
        (FlashList.header + "\n0,10,x,20\n", "actual_on_ns 'x'"),
        (FlashList.header + "\n0,10,10,5\n", "ends"),
        (FlashList.header + "\n0,10,10,50\n1,40,40,60\n", "overlap"),
        (FlashList.header + "\n", "no flashes"),
    ])
    func badFlashFilesNameTheProblem(text: String, message: String) {
        #expect {
            _ = try FlashList(csv: text, path: "flashes.csv")
        } throws: { error in
            "\(error)".contains(message) && "\(error)".contains("flashes.csv")
        }
    }

    @Test func regionsParseAndRejectNonsense() throws {
        #expect(try PixelRegion(parsing: "10,20,30,40") == PixelRegion(x: 10, y: 20, width: 30, height: 40))
        #expect(throws: HILError.self) { try PixelRegion(parsing: "10,20,30") }
        #expect(throws: HILError.self) { try PixelRegion(parsing: "10,20,0,40") }
        #expect(throws: HILError.self) { try PixelRegion(parsing: "-1,20,5,40") }
        #expect(throws: HILError.self) { try PixelRegion(x: 300, y: 0, width: 40, height: 10).check(inside: 320, 240, source: "cam1.mkv") }
    }

    @Test func sensorListRoundTrips() throws {
        let list = SensorList(["cam1": .init(shutter: .rolling, lineTimePs: 18_245_000), "cam2": .init(shutter: .global, lineTimePs: nil)])
        #expect(try SensorList(csv: list.csv, path: "sensors.csv") == list)
        #expect(throws: HILError.self) { try SensorList(csv: SensorList.header + "\ncam1,sideways,1\n", path: "sensors.csv") }
        // CR LF line ends (edited on Windows) read the same.
        #expect(try SensorList(csv: list.csv.replacingOccurrences(of: "\n", with: "\r\n"), path: "sensors.csv") == list)
    }

    @Test func rowsIntegrateTheirOverlapWithTheFlash() {
        let timing = ExposureTiming(start: Self.t0, exposure: .microseconds(1000), lineTimePs: 10_000_000, shutter: .rolling)
        let flash = FlashRecord(index: 0, plannedOn: Self.t0, on: Self.t0 + .microseconds(1050), off: Self.t0 + .microseconds(1150))
        // Row r exposes [10r, 10r + 1000] µs.
        #expect(timing.litFraction(row: 0, flash: flash) == 0)
        #expect(timing.litFraction(row: 10, flash: flash) == 0.5)
        #expect(timing.litFraction(row: 20, flash: flash) == 1)
        #expect(timing.litFraction(row: 110, flash: flash) == 0.5)
        #expect(timing.litFraction(row: 120, flash: flash) == 0)
        var global = timing
        global.shutter = .global
        #expect(global.litFraction(row: 110, flash: flash) == 0)
    }

    /// An exact trapezoid (as luma above the background): the band's centre gives the start to
    /// well within a row, and so it does through a gamma curve, which only moves the two edges
    /// apart (the band looks taller, the old E/height line time came out low).
    @Test(arguments: [(0.0, 1.0), (0.3, 1.0), (0.77, 1.0), (0.0, 2.2), (0.3, 2.2), (0.77, 2.2)])
    func bandCentreRecoversTheStartWhateverTheLumaCurve(subRow: Double, gamma: Double) throws {
        let lineTimeNs = 10_000.0, exposureNs = 500_000.0, flashOn = 700_000.0, width = 40_000.0
        let startNs = subRow * lineTimeNs
        let background = 40.0
        let excess = (0..<200).map { r -> Double in
            let rowStart = startNs + Double(r) * lineTimeNs
            let share = max(0, min(flashOn + width, rowStart + exposureNs) - max(flashOn, rowStart)) / width
            func encode(_ v: Double) -> Double { 255 * pow(min(v / 255, 1), 1 / gamma) }
            return encode(background + 150 * share) - encode(background)
        }
        let edges = try #require(BandEdges(excess: excess, firstRow: 0, usable: 0..<200, noise: 0))
        let centre = try #require(edges.centre)
        let expected = (flashOn + width / 2 - exposureNs / 2 - startNs) / lineTimeNs
        #expect(abs(centre.row - expected) < 0.02, "centre \(centre.row) vs \(expected)")
        let height = try #require(edges.heightRows)
        if gamma == 1 { #expect(abs(height - exposureNs / lineTimeNs) < 0.02) } else { #expect(height > exposureNs / lineTimeNs + 0.5) }
    }

    /// A band cut by the rows the LED lights evenly has no edge there.
    @Test func anEdgeOutsideTheEvenRowsIsNotAnEdge() throws {
        let excess = (0..<100).map { r -> Double in r < 20 ? 0 : (r < 60 ? 100 : 0) }
        let edges = try #require(BandEdges(excess: excess, firstRow: 0, usable: 25..<100, noise: 1))
        #expect(edges.top == nil)
        #expect(edges.bottom != nil)
        #expect(edges.centre == nil)
    }

    /// The fit recovers the line time, the offset and the drift from exact points, and leaves an
    /// outlier out.
    @Test func lineTimeFitRecoversLineTimeOffsetAndDrift() throws {
        var points = (0..<30).map { i -> LineTimeFit.Point in
            let row = Double((i * 37) % 200) + 0.25
            let t = Double(i) * 0.1
            return .init(xNs: -20_000 + 18_000 * row + 400 * t, row: row, tSeconds: t)
        }
        points[7].xNs += 500_000
        let fit = try #require(LineTimeFit(points, lineTimeNs: nil, minimumToleranceNs: 36_000))
        #expect(abs(fit.lineTimeNs - 18_000) < 0.01)
        #expect(abs(fit.offsetNs + 20_000) < 1)
        #expect(abs(fit.driftNsPerSecond - 400) < 0.1)
        #expect(fit.inliers.filter { !$0 }.count == 1 && !fit.inliers[7])
        #expect(fit.rowSpan > 150)
    }

    /// Sums of bright pixels stay exact, also across a wide region asked for as one bin (5000
    /// columns: split into bins no wider than 256, whose 16-bit sums cannot overflow).
    @Test(arguments: [(5000, 1), (1280, 32), (37, 4)])
    func columnBinsSumEveryPixelExactly(width: Int, bins: Int) {
        let stride = width + 3, rows = 3
        let luma = (0..<(stride * rows)).map { UInt8(truncatingIfNeeded: $0 % stride < width ? 200 + $0 % 56 : 7) }
        let binning = ColumnBinning(region: PixelRegion(x: 0, y: 1, width: width, height: 2), bins: bins)
        let reduction = luma.withUnsafeBufferPointer { binning.reduce(luma: $0, stride: stride) }
        let sums = reduction.sums
        for row in 0..<2 {
            for bin in 0..<binning.bins {
                let start = (row + 1) * stride + binning.edges[bin], end = (row + 1) * stride + binning.edges[bin + 1]
                #expect(UInt32(sums[row * binning.bins + bin]) == luma[start..<end].reduce(0) { $0 + UInt32($1) })
                #expect(end - start <= ColumnBinning.maximumBinWidth)
                #expect(reduction.maxima[row * binning.bins + bin] == luma[start..<end].max())
            }
        }
        #expect(binning.edges.last == width)
    }

    @Test func aBandFillingTheRegionHasNoEdge() {
        #expect(BandEdges(excess: Array(repeating: 100, count: 50), firstRow: 0, usable: 0..<50, noise: 1) == nil)
        #expect(BandEdges(excess: Array(repeating: 0, count: 50), firstRow: 0, usable: 0..<50, noise: 1) == nil)
    }
}
