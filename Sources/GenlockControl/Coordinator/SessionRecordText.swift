import GenlockCore

extension CoordinatorCore.SessionRecord {
    /// The record as the coordinator keeps it on disk, one `key value` per line:
    ///
    /// ```
    /// session 0000000000005e55
    /// t0 1795000000123456789
    /// rate 30000/1001
    /// first 0
    /// stop 316
    /// finished false
    /// ```
    public var text: String {
        """
        session \(hex(sessionID))
        t0 \(start.t0Ns)
        rate \(start.rate.numerator)/\(start.rate.denominator)
        first \(start.firstIndex)
        stop \(start.stopIndex.map(String.init) ?? "-")
        finished \(finished)

        """
    }

    /// Reads a record written by ``text``; the error names the line that is wrong.
    public init(text: String) throws(ControlError) {
        var fields: [String: String] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { throw ControlError(.malformed, "line \(number + 1): '\(line)' is not 'key value'") }
            fields[String(parts[0])] = String(parts[1])
        }
        func field(_ key: String) throws(ControlError) -> String {
            guard let v = fields[key] else { throw ControlError(.malformed, "no '\(key)' line") }
            return v
        }
        guard let session = UInt64(try field("session"), radix: 16), session != 0 else { throw ControlError(.malformed, "'session' is not a hex session id") }
        guard let t0 = Int64(try field("t0")) else { throw ControlError(.malformed, "'t0' is not an integer") }
        guard let first = Int64(try field("first")), first >= 0 else { throw ControlError(.malformed, "'first' is not an index") }
        let stopText = try field("stop")
        let stop = stopText == "-" ? nil : Int64(stopText)
        guard stopText == "-" || stop != nil else { throw ControlError(.malformed, "'stop' is not an index or '-'") }
        let rate: FrameRate
        do { rate = try FrameRate(parsing: try field("rate")) } catch { throw ControlError(.malformed, "'rate': \(error)") }
        guard let finished = Bool(try field("finished")) else { throw ControlError(.malformed, "'finished' is not true or false") }
        self.init(sessionID: session, start: .init(t0Ns: t0, rate: rate, firstIndex: first, stopIndex: stop), finished: finished)
    }
}
