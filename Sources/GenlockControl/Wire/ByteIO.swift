/// Big-endian writing of the wire's primitive fields.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { for s in stride(from: 8, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt16(s))) } }
    mutating func u32(_ v: UInt32) { for s in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(s))) } }
    mutating func u64(_ v: UInt64) { for s in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) } }
    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func bool(_ v: Bool) { u8(v ? 1 : 0) }
    /// Optional Int64: a presence byte, then the value.
    mutating func optionalI64(_ v: Int64?) {
        bool(v != nil)
        if let v { i64(v) }
    }
    /// UTF-8 text with a 16-bit length (callers bound lengths before encoding).
    mutating func text(_ s: String) {
        let utf8 = Array(s.utf8.prefix(Int(UInt16.max)))
        u16(UInt16(utf8.count))
        bytes += utf8
    }
}

/// Bounds-checked big-endian reading: every read fails with `truncated` rather than trapping.
struct ByteReader {
    private let bytes: ArraySlice<UInt8>
    private var offset: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.offset = bytes.startIndex
    }

    var isAtEnd: Bool { offset == bytes.endIndex }

    private mutating func take(_ n: Int, _ field: String) throws(ControlError) -> ArraySlice<UInt8> {
        guard bytes.endIndex - offset >= n else { throw ControlError(.truncated, "payload ends inside \(field)") }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    mutating func u8(_ field: String) throws(ControlError) -> UInt8 { try take(1, field).first! }
    mutating func u16(_ field: String) throws(ControlError) -> UInt16 {
        try take(2, field).reduce(0) { $0 << 8 | UInt16($1) }
    }
    mutating func u32(_ field: String) throws(ControlError) -> UInt32 {
        try take(4, field).reduce(0) { $0 << 8 | UInt32($1) }
    }
    mutating func u64(_ field: String) throws(ControlError) -> UInt64 {
        try take(8, field).reduce(0) { $0 << 8 | UInt64($1) }
    }
    mutating func i64(_ field: String) throws(ControlError) -> Int64 { Int64(bitPattern: try u64(field)) }
    /// `count` bytes as they are.
    mutating func raw(_ count: Int, _ field: String) throws(ControlError) -> [UInt8] { Array(try take(count, field)) }
    mutating func bool(_ field: String) throws(ControlError) -> Bool {
        switch try u8(field) {
        case 0: return false
        case 1: return true
        case let v: throw ControlError(.malformed, "\(field) must be 0 or 1, got \(v)")
        }
    }
    mutating func optionalI64(_ field: String) throws(ControlError) -> Int64? {
        try bool("\(field) presence") ? try i64(field) : nil
    }
    mutating func text(_ field: String, maxBytes: Int) throws(ControlError) -> String {
        let n = Int(try u16("\(field) length"))
        guard n <= maxBytes else { throw ControlError(.malformed, "\(field) is \(n) bytes, at most \(maxBytes) allowed") }
        let raw = try take(n, field)
        guard let s = String(validating: raw, as: UTF8.self) else { throw ControlError(.malformed, "\(field) is not UTF-8") }
        return s
    }
}
