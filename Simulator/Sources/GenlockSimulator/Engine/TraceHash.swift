/// FNV-1a (64-bit) over the run's event records, one 64-bit word at a time (xor the word, multiply
/// by the FNV prime, fold the high half down so every bit reaches the low ones): two runs with the
/// same scenario and seed produce the same hash exactly when they processed the same events in
/// the same order. Word-wise rather than byte-wise because it runs for every simulated event.
public struct TraceHash: Hashable, Sendable, CustomStringConvertible {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    /// Records hashed so far.
    public private(set) var records: Int64 = 0

    public init() {}

    /// Mixes one record of integer fields.
    public mutating func record(_ a: Int64, _ b: Int64 = 0, _ c: Int64 = 0, _ d: Int64 = 0) {
        mix(a); mix(b); mix(c); mix(d)
        records &+= 1
    }

    mutating func mix(_ word: Int64) {
        var h = (value ^ UInt64(bitPattern: word)) &* 0x0000_0100_0000_01B3
        h ^= h >> 32
        value = h
    }

    /// Sixteen hex digits.
    public var description: String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
