/// What one round of management queries told about a running ptp4l.
public struct PTP4LSnapshot: Hashable, Sendable {
    /// One port's PORT_DATA_SET.
    public struct Port: Hashable, Sendable {
        public var identity: PortIdentity
        public var state: PortState
    }

    public var ports: [Port]
    /// DEFAULT_DATA_SET.clockIdentity: this clock.
    public var clockIdentity: ClockIdentity?
    public var slaveOnly: Bool?
    public var priority1: Int?
    public var domainNumber: Int?
    /// CURRENT_DATA_SET.
    public var stepsRemoved: Int?
    public var offsetFromMasterNanoseconds: Int64?
    public var meanPathDelayNanoseconds: Int64?
    /// PARENT_DATA_SET.grandmasterIdentity.
    public var grandmasterIdentity: ClockIdentity?
    /// TIME_STATUS_NP (linuxptp's own data set).
    public var grandmasterPresent: Bool?
    /// TIME_PROPERTIES_DATA_SET: the UTC offset is needed to compare a TAI NIC clock with realtime.
    public var currentUtcOffsetSeconds: Int64?
    public var ptpTimescale: Bool?

    /// The pmc commands whose answers fill a snapshot.
    public static let pmcCommands = [
        "GET DEFAULT_DATA_SET", "GET PORT_DATA_SET", "GET CURRENT_DATA_SET",
        "GET PARENT_DATA_SET", "GET TIME_STATUS_NP", "GET TIME_PROPERTIES_DATA_SET",
    ]

    public init(
        ports: [Port] = [], clockIdentity: ClockIdentity? = nil, slaveOnly: Bool? = nil, priority1: Int? = nil,
        domainNumber: Int? = nil, stepsRemoved: Int? = nil, offsetFromMasterNanoseconds: Int64? = nil,
        meanPathDelayNanoseconds: Int64? = nil, grandmasterIdentity: ClockIdentity? = nil,
        grandmasterPresent: Bool? = nil, currentUtcOffsetSeconds: Int64? = nil, ptpTimescale: Bool? = nil
    ) {
        self.ports = ports
        self.clockIdentity = clockIdentity
        self.slaveOnly = slaveOnly
        self.priority1 = priority1
        self.domainNumber = domainNumber
        self.stepsRemoved = stepsRemoved
        self.offsetFromMasterNanoseconds = offsetFromMasterNanoseconds
        self.meanPathDelayNanoseconds = meanPathDelayNanoseconds
        self.grandmasterIdentity = grandmasterIdentity
        self.grandmasterPresent = grandmasterPresent
        self.currentUtcOffsetSeconds = currentUtcOffsetSeconds
        self.ptpTimescale = ptpTimescale
    }

    /// Builds a snapshot from parsed responses. A data set that did not answer stays nil; a
    /// data set that answered with a value that cannot be read is an error naming the field.
    public init(responses: [PMCResponse]) throws(PMCFieldError) {
        self.init()
        for response in responses where !response.isError {
            let f = FieldReader(response: response)
            switch response.managementID {
            case "PORT_DATA_SET":
                let state = try f.value("portState") { PortState(rawValue: $0) }
                let identity = try f.optional("portIdentity") { PortIdentity(parsing: $0) } ?? response.source
                ports.append(Port(identity: identity, state: state))
            case "DEFAULT_DATA_SET":
                clockIdentity = try f.optional("clockIdentity") { ClockIdentity(parsing: $0) }
                slaveOnly = try f.optional("slaveOnly") { PMCNumbers.flag($0) }
                priority1 = try f.optional("priority1") { Int($0) }
                domainNumber = try f.optional("domainNumber") { Int($0) }
            case "CURRENT_DATA_SET":
                stepsRemoved = try f.optional("stepsRemoved") { Int($0) }
                offsetFromMasterNanoseconds = try f.optional("offsetFromMaster") { PMCNumbers.nanoseconds($0) }
                meanPathDelayNanoseconds = try f.optional("meanPathDelay") { PMCNumbers.nanoseconds($0) }
            case "PARENT_DATA_SET":
                grandmasterIdentity = try f.optional("grandmasterIdentity") { ClockIdentity(parsing: $0) }
            case "TIME_STATUS_NP":
                grandmasterPresent = try f.optional("gmPresent") { PMCNumbers.flag($0) }
                if grandmasterIdentity == nil {
                    grandmasterIdentity = try f.optional("gmIdentity") { ClockIdentity(parsing: $0) }
                }
            case "TIME_PROPERTIES_DATA_SET":
                currentUtcOffsetSeconds = try f.optional("currentUtcOffset") { Int64($0) }
                ptpTimescale = try f.optional("ptpTimescale") { PMCNumbers.flag($0) }
            default:
                continue
            }
        }
    }

    /// True when nothing at all answered (an empty snapshot means a silent daemon).
    public var isEmpty: Bool { self == PTP4LSnapshot() }

    /// The port that matters for this node: SLAVE first, then a serving state, then the first.
    public var primaryPort: Port? {
        ports.first { $0.state == .slave } ?? ports.first { $0.state.isServingTime } ?? ports.first
    }

    /// True when this clock is the grandmaster: it names itself as grandmaster and serves time.
    public var isGrandmaster: Bool {
        guard let clockIdentity, clockIdentity == grandmasterIdentity, slaveOnly != true else { return false }
        return primaryPort?.state.isServingTime == true
    }

    /// The facts the lock gate needs.
    public func observation(systemOffsetNanoseconds: Int64? = nil, systemOffsetError: String? = nil) -> PTPObservation {
        PTPObservation(
            portState: primaryPort?.state,
            offsetNanoseconds: isGrandmaster ? 0 : offsetFromMasterNanoseconds,
            isGrandmaster: isGrandmaster,
            grandmasterPresent: grandmasterPresent,
            systemOffsetNanoseconds: systemOffsetNanoseconds,
            systemOffsetError: systemOffsetError
        )
    }

    /// The status to report, with the gate's verdict.
    public func status(verdict: LockGate.Verdict, systemOffsetNanoseconds: Int64? = nil) -> PTPStatus {
        PTPStatus(
            locked: verdict == .locked,
            reason: verdict.reason.map { "\($0)" },
            portState: primaryPort?.state,
            offsetNanoseconds: isGrandmaster ? 0 : offsetFromMasterNanoseconds,
            meanPathDelayNanoseconds: meanPathDelayNanoseconds,
            systemOffsetNanoseconds: systemOffsetNanoseconds,
            grandmasterIdentity: grandmasterIdentity,
            clockIdentity: clockIdentity,
            isGrandmaster: isGrandmaster,
            grandmasterPresent: grandmasterPresent,
            stepsRemoved: stepsRemoved
        )
    }
}

/// A management field whose value could not be read.
public struct PMCFieldError: Error, Hashable, Sendable, CustomStringConvertible {
    public var managementID: String
    public var field: String
    public var value: String?
    public var description: String {
        if let value { return "\(managementID).\(field): cannot read '\(value)'" }
        return "\(managementID): field \(field) is missing"
    }
}

private struct FieldReader {
    var response: PMCResponse

    func optional<T>(_ key: String, _ read: (String) -> T?) throws(PMCFieldError) -> T? {
        guard let text = response.fields[key] else { return nil }
        guard let value = read(text) else {
            throw PMCFieldError(managementID: response.managementID ?? "?", field: key, value: text)
        }
        return value
    }

    func value<T>(_ key: String, _ read: (String) -> T?) throws(PMCFieldError) -> T {
        guard let value = try optional(key, read) else {
            throw PMCFieldError(managementID: response.managementID ?? "?", field: key, value: nil)
        }
        return value
    }
}

/// Number forms pmc prints.
public enum PMCNumbers {
    /// `1`/`0`/`true`/`false`.
    public static func flag(_ text: String) -> Bool? {
        switch text {
        case "1", "true": true
        case "0", "false": false
        default: nil
        }
    }

    /// A nanosecond count printed as an integer or with a decimal fraction (`-122.0`,
    /// `2075.5`), rounded half away from zero to whole nanoseconds, without floating point.
    public static func nanoseconds(_ text: String) -> Int64? {
        var body = Substring(text)
        let negative = body.first == "-"
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let wholeText = parts.first, !wholeText.isEmpty, wholeText.allSatisfy(\.isASCIIDigit),
            var whole = Int64(wholeText)
        else { return nil }
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.allSatisfy(\.isASCIIDigit) else { return nil }
            if let first = fraction.first?.wholeNumberValue, first >= 5 {
                guard whole < Int64.max else { return nil }
                whole += 1
            }
        }
        return negative ? -whole : whole
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
