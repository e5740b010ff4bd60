import GenlockCore

/// One management response as `pmc` prints it: a header line naming the sender, the action and the
/// management id, then one indented `key value` line per field.
public struct PMCResponse: Hashable, Sendable {
    /// The port that answered (`4e26a5.fffe.a9926c-1`; port 0 for clock-wide data sets).
    public var source: PortIdentity
    public var sequence: UInt16
    /// `RESPONSE` for an answer to GET.
    public var action: String
    /// The management id (`PORT_DATA_SET`), or nil for a MANAGEMENT_ERROR_STATUS reply.
    public var managementID: String?
    /// True when ptp4l refused the request (MANAGEMENT_ERROR_STATUS).
    public var isError: Bool
    /// Field values by name, as printed (`portState` → `SLAVE`).
    public var fields: [String: String]

    public init(source: PortIdentity, sequence: UInt16, action: String, managementID: String?, isError: Bool, fields: [String: String]) {
        self.source = source
        self.sequence = sequence
        self.action = action
        self.managementID = managementID
        self.isError = isError
        self.fields = fields
    }
}

/// Why pmc's output could not be read.
public struct PMCParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var text: String
    public var reason: String
    public var description: String { "pmc output line \(line) ('\(text)'): \(reason)" }
}

/// Reads `pmc` output (linuxptp 3.x and 4.x) into responses.
///
/// pmc echoes every command as `sending: GET ...` and prints each reply as a header line
/// (one tab) followed by field lines (two tabs). Lines that are neither are ignored, so that a
/// warning from pmc does not hide the answers around it.
public enum PMCOutputParser {
    public static func parse(_ output: String) throws(PMCParseError) -> [PMCResponse] {
        var responses: [PMCResponse] = []
        var lineNumber = 0
        for line in TextLines.split(output) {
            lineNumber += 1
            if line.hasPrefix("\t\t") {
                let body = line.drop(while: { $0 == "\t" })
                guard !responses.isEmpty else {
                    throw PMCParseError(line: lineNumber, text: String(line), reason: "a field before any response header")
                }
                let parts = body.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
                guard let key = parts.first else { continue }
                let value = parts.count > 1 ? parts[1].trimmingSpaces() : ""
                responses[responses.count - 1].fields[String(key)] = value
            } else if line.hasPrefix("\t") {
                responses.append(try header(line.dropFirst(), lineNumber: lineNumber))
            }
        }
        return responses
    }

    /// `<portIdentity> seq <n> <ACTION> MANAGEMENT <ID>` or `... MANAGEMENT_ERROR_STATUS ...`.
    private static func header(_ line: Substring, lineNumber: Int) throws(PMCParseError) -> PMCResponse {
        let words = line.split(separator: " ")
        func fail(_ reason: String) -> PMCParseError {
            PMCParseError(line: lineNumber, text: String(line), reason: reason)
        }
        guard words.count >= 4 else { throw fail("not a response header") }
        guard let source = PortIdentity(parsing: words[0]) else { throw fail("'\(words[0])' is not a port identity") }
        guard words[1] == "seq", let sequence = UInt16(words[2]) else { throw fail("no sequence number") }
        let action = String(words[3])
        let kind = words.count > 4 ? words[4] : ""
        switch kind {
        case "MANAGEMENT":
            guard words.count > 5 else { throw fail("no management id") }
            return PMCResponse(source: source, sequence: sequence, action: action, managementID: String(words[5]), isError: false, fields: [:])
        case "MANAGEMENT_ERROR_STATUS":
            return PMCResponse(source: source, sequence: sequence, action: action, managementID: nil, isError: true, fields: [:])
        default:
            // A reply with other TLVs (or none): keep it so the count of answers is right.
            return PMCResponse(source: source, sequence: sequence, action: action, managementID: nil, isError: false, fields: [:])
        }
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var s = self
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
