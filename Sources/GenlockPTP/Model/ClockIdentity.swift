/// A PTP clockIdentity: eight bytes, written the way linuxptp prints it (`4e26a5.fffe.a9926c`).
public struct ClockIdentity: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The eight bytes, most significant first.
    public var bytes: [UInt8]

    /// An identity from exactly eight bytes; nil otherwise.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 8 else { return nil }
        self.bytes = bytes
    }

    /// Reads linuxptp's `xxxxxx.xxxx.xxxxxx` form (hex digits, either case); nil for anything else.
    public init?(parsing text: some StringProtocol) {
        let groups = text.split(separator: ".", omittingEmptySubsequences: false)
        guard groups.count == 3, groups[0].count == 6, groups[1].count == 4, groups[2].count == 6 else {
            return nil
        }
        var bytes: [UInt8] = []
        for group in groups {
            var index = group.startIndex
            while index < group.endIndex {
                let next = group.index(index, offsetBy: 2)
                guard let byte = UInt8(group[index..<next], radix: 16) else { return nil }
                bytes.append(byte)
                index = next
            }
        }
        self.bytes = bytes
    }

    public var description: String {
        let hex = bytes.map { byte -> String in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }
        return hex[0...2].joined() + "." + hex[3...4].joined() + "." + hex[5...7].joined()
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let identity = ClockIdentity(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a clockIdentity")
        }
        self = identity
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A PTP portIdentity: the clock and a port number (`4e26a5.fffe.a9926c-1`; port 0 is the clock itself).
public struct PortIdentity: Hashable, Sendable, CustomStringConvertible {
    public var clock: ClockIdentity
    public var port: UInt16

    public init(clock: ClockIdentity, port: UInt16) {
        self.clock = clock
        self.port = port
    }

    /// Reads linuxptp's `clockIdentity-port` form; nil for anything else.
    public init?(parsing text: some StringProtocol) {
        guard let dash = text.lastIndex(of: "-"),
            let clock = ClockIdentity(parsing: text[..<dash]),
            let port = UInt16(text[text.index(after: dash)...])
        else { return nil }
        self.init(clock: clock, port: port)
    }

    public var description: String { "\(clock)-\(port)" }
}
