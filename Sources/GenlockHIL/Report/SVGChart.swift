/// The two charts of the HTML report, as inline SVG strings.
enum SVGChart {
    static let width = 720.0, height = 260.0, margin = 50.0

    /// Skew (µs) against frame index, one dot per sample with its uncertainty as a bar.
    static func timeline(_ samples: [SkewSample]) -> String {
        guard let first = samples.first else { return "" }
        let lo = samples.map { ($0.skewNs - $0.sigmaNs) / 1000 }.min()!
        let hi = samples.map { ($0.skewNs + $0.sigmaNs) / 1000 }.max()!
        let (yMin, yMax) = padded(lo, hi)
        let xMin = Double(first.index), xMax = Double(max(samples.last!.index, first.index + 1))
        func x(_ i: Int64) -> Double { margin + (Double(i) - xMin) / (xMax - xMin) * (width - 2 * margin) }
        func y(_ v: Double) -> Double { height - margin - (v - yMin) / (yMax - yMin) * (height - 2 * margin) }
        var svg = open(title: "skew over time")
        svg += axes(xLabel: "frame index \(first.index) … \(Int64(xMax))", yMin: yMin, yMax: yMax, y: y)
        for s in samples {
            let cx = x(s.index), v = s.skewNs / 1000, e = s.sigmaNs / 1000
            svg += "<line x1=\"\(f(cx))\" y1=\"\(f(y(v - e)))\" x2=\"\(f(cx))\" y2=\"\(f(y(v + e)))\" stroke=\"#9bd\"/>"
            svg += "<circle cx=\"\(f(cx))\" cy=\"\(f(y(v)))\" r=\"2\" fill=\"#26a\"/>"
        }
        return svg + "</svg>"
    }

    /// How many samples fall in each of 30 equal bins of skew (µs).
    static func histogram(_ samples: [SkewSample]) -> String {
        guard !samples.isEmpty else { return "" }
        let values = samples.map { $0.skewNs / 1000 }
        let (lo, hi) = padded(values.min()!, values.max()!)
        let bins = 30
        var counts = [Int](repeating: 0, count: bins)
        for v in values { counts[min(bins - 1, max(0, Int((v - lo) / (hi - lo) * Double(bins))))] += 1 }
        let top = Double(counts.max()!)
        let barWidth = (width - 2 * margin) / Double(bins)
        var svg = open(title: "histogram of skew")
        svg += "<line x1=\"\(margin)\" y1=\"\(height - margin)\" x2=\"\(width - margin)\" y2=\"\(height - margin)\" stroke=\"#444\"/>"
        for (i, c) in counts.enumerated() where c > 0 {
            let h = Double(c) / top * (height - 2 * margin)
            svg += "<rect x=\"\(f(margin + Double(i) * barWidth))\" y=\"\(f(height - margin - h))\" width=\"\(f(barWidth - 1))\" height=\"\(f(h))\" fill=\"#26a\"><title>\(c)</title></rect>"
        }
        svg += text(margin, height - margin + 18, "\(f(lo)) µs", anchor: "start")
        svg += text(width - margin, height - margin + 18, "\(f(hi)) µs", anchor: "end")
        svg += text(margin, margin - 8, "frames (max \(Int(top)))", anchor: "start")
        return svg + "</svg>"
    }

    private static func open(title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(title)\">"
            + text(width / 2, 18, title, anchor: "middle")
    }

    private static func axes(xLabel: String, yMin: Double, yMax: Double, y: (Double) -> Double) -> String {
        var svg = "<line x1=\"\(margin)\" y1=\"\(margin)\" x2=\"\(margin)\" y2=\"\(height - margin)\" stroke=\"#444\"/>"
        svg += "<line x1=\"\(margin)\" y1=\"\(height - margin)\" x2=\"\(width - margin)\" y2=\"\(height - margin)\" stroke=\"#444\"/>"
        for v in [yMin, (yMin + yMax) / 2, yMax] {
            svg += text(margin - 4, y(v) + 4, f(v), anchor: "end")
        }
        svg += text(width / 2, height - 12, xLabel, anchor: "middle")
        svg += text(14, height / 2, "skew µs", anchor: "middle")
        return svg
    }

    /// A range with some room around it, never empty.
    private static func padded(_ lo: Double, _ hi: Double) -> (Double, Double) {
        let span = max(hi - lo, max(abs(hi), 1) * 0.01, 0.001)
        return (lo - span * 0.1, hi + span * 0.1)
    }

    private static func text(_ x: Double, _ y: Double, _ s: String, anchor: String) -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"11\" text-anchor=\"\(anchor)\">\(HTMLReport.escape(s))</text>"
    }

    /// Two decimals, no locale.
    static func f(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        return r == r.rounded() ? String(Int64(r)) : String(r)
    }
}
