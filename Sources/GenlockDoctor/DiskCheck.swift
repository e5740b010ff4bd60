import GenlockCore

/// The check that the output folder holds the planned recording and takes it fast enough.
public enum DiskCheck {
    /// A timed write: `bytes` written and fsynced in `elapsedNanoseconds` of the monotonic clock.
    public struct WriteMeasurement: Hashable, Sendable {
        public var bytes: UInt64
        public var elapsedNanoseconds: Int64

        public init(bytes: UInt64, elapsedNanoseconds: Int64) {
            self.bytes = bytes
            self.elapsedNanoseconds = elapsedNanoseconds
        }

        /// Bytes per second, in integers (the product is taken at full width).
        public var bytesPerSecond: UInt64 {
            let elapsed = UInt64(max(1, elapsedNanoseconds))
            let product = bytes.multipliedFullWidth(by: 1_000_000_000)
            guard product.high < elapsed else { return .max }
            return elapsed.dividingFullWidth(product).quotient
        }
    }

    /// What the session will write: a bitrate for a duration.
    public struct Plan: Hashable, Sendable {
        public var bitrate: Bitrate
        public var duration: TimeSpan

        public init(bitrate: Bitrate, duration: TimeSpan) {
            self.bitrate = bitrate
            self.duration = duration
        }

        /// Bytes the session writes, rounded up.
        public var bytes: UInt64 {
            let nanoseconds = UInt64(max(0, duration.nanoseconds))
            let product = bitrate.bytesPerSecond.multipliedFullWidth(by: nanoseconds)
            guard product.high < 1_000_000_000 else { return .max }
            let (quotient, remainder) = UInt64(1_000_000_000).dividingFullWidth(product)
            return quotient + (remainder > 0 ? 1 : 0)
        }
    }

    /// The check `disk` of `directory` from its free space and a timed write there.
    public static func check(
        directory: String, freeBytes: Result<UInt64, ProbeError>, write: Result<WriteMeasurement, ProbeError>, plan: Plan
    ) -> CheckResult {
        let name = "disk"
        let free: UInt64
        let measured: WriteMeasurement
        switch (freeBytes, write) {
        case (.failure(let error), _):
            return .fail(name, "cannot read the free space of \(directory): \(error)", fix: "create the folder or give another --out")
        case (_, .failure(let error)):
            return .fail(name, "cannot time a write in \(directory): \(error)", fix: "make the folder writable for this user or give another --out")
        case (.success(let bytes), .success(let measurement)):
            free = bytes
            measured = measurement
        }
        let needed = plan.bytes
        let speed = measured.bytesPerSecond
        let rate = plan.bitrate.bytesPerSecond
        let found = "\(ByteCountFormat.text(free)) free at \(directory) (\(plan.bitrate) × \(plan.duration) needs \(ByteCountFormat.text(needed))), "
            + "wrote \(ByteCountFormat.text(measured.bytes)) with fsync at \(ByteCountFormat.text(speed))/s (needs \(ByteCountFormat.text(rate))/s)"
        if free < needed {
            return .fail(name, found + ": not enough space", fix: "free space, shorten --duration, or record to a larger disk (--out)")
        }
        if speed < rate {
            return .fail(name, found + ": the disk is slower than the stream", fix: "record to a faster disk (a USB 3 SSD) or lower the bitrate")
        }
        // Below twice the stream's rate one slow patch of the card (wear levelling, a full cache)
        // backs the recorder up; it still works, so this warns.
        if speed / 2 < rate {
            return CheckResult(check: name, status: .warn, detail: found + ": less than 2× headroom; a faster disk (a USB 3 SSD) is safer")
        }
        return CheckResult(check: name, status: .pass, detail: found)
    }
}
