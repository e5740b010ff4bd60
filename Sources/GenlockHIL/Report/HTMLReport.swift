/// The `--report` page: per camera pair, the skew over the session (each sample with its
/// uncertainty) and a histogram, as inline SVG; the cameras' offsets and the diagnostics as
/// tables. Self-contained: no script, no external file.
public enum HTMLReport {
    public static func render(_ report: AnalysisReport) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Genlock HIL skew: \(escape(report.session))</title>
            <style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}
            td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}th{background:#eee}
            svg{background:#fafafa;border:1px solid #ddd;margin:.5em 0}.diag{color:#a40}</style></head><body>
            <h1>Exposure skew measured with the LED: \(escape(report.session))</h1>
            <p>Skew = exposure start of row 0 in camera A minus camera B at the same frame index, from the edges of
            the lit band (rolling shutter) or the flash sweep (global shutter). Error bars: one standard uncertainty.</p>
            <h2>Cameras</h2><table><tr><th>camera</th><th>shutter</th><th>frames</th><th>lit</th><th>estimated</th>
            <th>start − Tn (median)</th><th>vs first camera</th><th>line time</th></tr>

            """
        for c in report.cameras {
            html += "<tr><td>\(escape(c.name))</td><td>\(c.shutter)</td><td>\(c.framesDecoded)</td><td>\(c.litFrames)</td>"
                + "<td>\(c.estimates.count)</td><td>\(c.offsetFromScheduledNs.map(AnalysisReport.micro) ?? "–")</td>"
                + "<td>\(c.offsetFromFirstCameraNs.map(AnalysisReport.micro) ?? "–")</td>"
                + "<td>\(c.lineTimeNs.map(AnalysisReport.micro) ?? "–")\(c.lineTimeEstimated ? " (est.)" : "")</td></tr>\n"
        }
        html += "</table>\n"
        for p in report.pairs {
            html += "<h2>\(escape(p.a)) − \(escape(p.b))</h2>\n"
            guard let s = p.statistics else {
                html += "<p class=\"diag\">No frame index was measured in both cameras: no skew.</p>\n"
                continue
            }
            html += "<p>\(s.count) frames: |skew| p50 \(AnalysisReport.micro(Double(s.p50Ns))), p99 \(AnalysisReport.micro(Double(s.p99Ns))), "
                + "max \(AnalysisReport.micro(Double(s.maxNs))); median signed \(AnalysisReport.micro(Double(s.medianSignedNs))) "
                + "± \(AnalysisReport.micro(Double(s.medianSigmaNs)))</p>\n"
            html += SVGChart.timeline(p.samples) + "\n" + SVGChart.histogram(p.samples) + "\n"
        }
        if !report.diagnostics.isEmpty {
            html += "<h2>Diagnostics</h2><ul>\n"
            for d in report.diagnostics { html += "<li class=\"diag\">\(escape(d.kind.rawValue)): \(escape(d.description))</li>\n" }
            html += "</ul>\n"
        }
        return html + "</body></html>\n"
    }

    /// Text made safe inside HTML elements and attributes.
    static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }
}
