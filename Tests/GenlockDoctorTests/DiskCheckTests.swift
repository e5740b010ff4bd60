import GenlockCore
import GenlockDoctor
import Testing

@Suite("doctor: disk and bitrate")
struct DiskCheckTests {
    static let plan = DiskCheck.Plan(bitrate: Bitrate(bitsPerSecond: 20_000_000), duration: .seconds(3600))
    static let gib: UInt64 = 1 << 30
    /// 64 MiB in 1.6 s: 40 MiB/s, an A1 card.
    static let card = DiskCheck.WriteMeasurement(bytes: 64 << 20, elapsedNanoseconds: 1_600_000_000)

    @Test(arguments: [
        ("20Mbps", UInt64(20_000_000)), ("20M", 20_000_000), ("2.5Mbit/s", 2_500_000), ("800kbps", 800_000),
        ("1G", 1_000_000_000), ("12345", 12_345), (" 20 mbps ", 20_000_000),
    ])
    func bitratesReadExactly(text: String, bits: UInt64) throws {
        #expect(try Bitrate(parsing: text).bitsPerSecond == bits)
    }

    @Test(arguments: ["", "Mbps", "fast", "-20Mbps", "0", "1.5", "20Tbps", "1.0001k"])
    func nonsenseBitratesAreRefusedSayingWhy(text: String) {
        #expect(throws: BitrateParseError.self) { try Bitrate(parsing: text) }
    }

    @Test func planAndSpeedArithmeticIsExact() {
        // 20 Mbit/s for an hour is 2.5 MB/s × 3600 s = 9 000 000 000 bytes.
        #expect(Self.plan.bytes == 9_000_000_000)
        #expect(Self.card.bytesPerSecond == 41_943_040)
        #expect(Bitrate(bitsPerSecond: 20_000_000).description == "20 Mbit/s")
        #expect(Bitrate(bitsPerSecond: 2_500_000).description == "2.5 Mbit/s")
        #expect(ByteCountFormat.text(64 << 20) == "64 MiB")
        #expect(ByteCountFormat.text(12 * Self.gib + Self.gib / 2) == "12.5 GiB")
        #expect(ByteCountFormat.text(512) == "512 B")
    }

    @Test func roomAndSpeedToSparePassesSayingBoth() {
        let result = DiskCheck.check(directory: "/srv/rec", freeBytes: .success(100 * Self.gib), write: .success(Self.card), plan: Self.plan)
        #expect(result.status == .pass, "\(result.detail)")
        #expect(result.detail == "100 GiB free at /srv/rec (20 Mbit/s × 3600 s needs 8.3 GiB), wrote 64 MiB with fsync at 40 MiB/s (needs 2.3 MiB/s)")
    }

    @Test func tooLittleSpaceFails() {
        let result = DiskCheck.check(directory: "/srv/rec", freeBytes: .success(8 * Self.gib), write: .success(Self.card), plan: Self.plan)
        #expect(result.status == .fail)
        #expect(result.detail.contains("not enough space; fix: "))
    }

    @Test func aDiskSlowerThanTheStreamFailsAndOneWithoutHeadroomWarns() {
        let slow = DiskCheck.WriteMeasurement(bytes: 64 << 20, elapsedNanoseconds: 40_000_000_000)  // 1.6 MiB/s
        let failed = DiskCheck.check(directory: "/srv/rec", freeBytes: .success(100 * Self.gib), write: .success(slow), plan: Self.plan)
        #expect(failed.status == .fail)
        #expect(failed.detail.contains("slower than the stream"))
        let tight = DiskCheck.WriteMeasurement(bytes: 64 << 20, elapsedNanoseconds: 20_000_000_000)  // 3.2 MiB/s
        let warned = DiskCheck.check(directory: "/srv/rec", freeBytes: .success(100 * Self.gib), write: .success(tight), plan: Self.plan)
        #expect(warned.status == .warn)
        #expect(warned.detail.contains("less than 2× headroom"))
    }

    @Test func aFolderThatCannotBeReadOrWrittenFailsNamingIt() {
        let missing = DiskCheck.check(
            directory: "/nope", freeBytes: .failure(ProbeError("statvfs: No such file or directory")), write: .failure(ProbeError("unused")), plan: Self.plan)
        #expect(missing.status == .fail)
        #expect(missing.detail.hasPrefix("cannot read the free space of /nope: statvfs: No such file or directory"))
        let readOnly = DiskCheck.check(
            directory: "/ro", freeBytes: .success(Self.gib), write: .failure(ProbeError("cannot create /ro/x: Read-only file system")), plan: Self.plan)
        #expect(readOnly.status == .fail)
        #expect(readOnly.detail.contains("Read-only file system"))
    }
}
