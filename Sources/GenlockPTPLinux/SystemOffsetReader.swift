import GenlockCore
import GenlockPTP

/// Measures CLOCK_REALTIME against a NIC's PTP hardware clock with `phc_ctl IFACE cmp`
/// (PTP_SYS_OFFSET: the kernel reads both clocks back to back, best of 9).
///
/// This is what proves phc2sys works: ptp4l can be perfectly locked while the system clock,
/// which the capture schedule runs on, still follows NTP.
public struct SystemOffsetReader: Sendable {
    public var interface: String
    public var timeout: TimeSpan

    public init(interface: String, timeout: TimeSpan = .seconds(2)) {
        self.interface = interface
        self.timeout = timeout
    }

    /// Realtime minus PHC in nanoseconds, as measured (no UTC correction).
    public func rawOffsetNanoseconds() throws(PTPReadError) -> Int64 {
        let result: ProcessResult
        do {
            result = try ProcessRunner.run("phc_ctl", [interface, "cmp"], timeoutNanoseconds: timeout.nanoseconds)
        } catch {
            throw .toolFailed(error.description)
        }
        if result.timedOut { throw .toolFailed("phc_ctl \(interface) cmp did not finish within \(timeout)") }
        let all = result.standardOutput + "\n" + result.standardError
        if result.exitStatus == 0, let offset = SystemClockOffset.parsePHCCtl(all) { return offset }
        let detail = all.split(separator: "\n").map(String.init).first { !$0.isEmpty } ?? "no output"
        throw .toolFailed("cannot compare CLOCK_REALTIME with the PTP clock of \(interface): \(detail)")
    }

    /// Realtime minus PHC corrected to UTC with ptp4l's time properties.
    public func offsetNanoseconds(snapshot: PTP4LSnapshot) throws(PTPReadError) -> Int64 {
        SystemClockOffset.corrected(
            rawNanoseconds: try rawOffsetNanoseconds(),
            utcOffsetSeconds: snapshot.currentUtcOffsetSeconds, ptpTimescale: snapshot.ptpTimescale)
    }
}
