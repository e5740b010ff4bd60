import ArgumentParser
import GenlockCore
import GenlockPOSIX
import TimerWakeLoop

/// Measures the wake error of one POSIX deadline timer the way cyclictest measures
/// clock_nanosleep: absolute deadlines at a fixed interval, re-armed from the timer thread,
/// wake error = monotonic now at wake − deadline. Prints one parseable line, e.g.
///
///     timer-wake kind=nanosleep interval_us=1000 loops=10000 priority=80 cpu=- mlock=1 cpu_latency_us=0 count=10000 min_us=2.104 p50_us=3.250 p99_us=6.871 max_us=19.402
struct TimerWakeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timer-wake",
        abstract: "Wake error (p50/p99/max, µs) of a Genlock POSIX deadline timer at a fixed interval."
    )

    @Option(name: .long, help: "Timer kind: nanosleep or timerfd.")
    var timer: String = DeadlineTimerKind.nanosleep.rawValue

    @Option(name: .long, help: "Interval between deadlines, in microseconds (as cyclictest -i).")
    var intervalUs: Int64 = 1000

    @Option(name: .long, help: "Number of wakes (as cyclictest -l).")
    var loops: Int = 10_000

    @Option(name: .long, help: "SCHED_FIFO priority 1–99 of the timer thread (as cyclictest -p); default scheduler when absent.")
    var priority: Int32?

    @Option(name: .long, help: "CPU to pin the timer thread to (as cyclictest -a).")
    var cpu: Int32?

    @Flag(name: .long, help: "Lock all memory with mlockall (as cyclictest -m).")
    var mlock = false

    @Option(name: .long, help: "Also print a histogram of whole-µs wake errors below this bound, in cyclictest's -h format.")
    var histogramUs: Int?

    @Option(name: .long, help: "Hold a /dev/cpu_dma_latency request for this many µs during the run (cyclictest holds 0 unless --default-system; needs root).")
    var cpuLatencyUs: Int32?

    func validate() throws {
        guard DeadlineTimerKind(rawValue: timer) != nil else {
            throw ValidationError("--timer: '\(timer)' is not a timer kind (expected nanosleep or timerfd)")
        }
        guard (1...10_000_000).contains(intervalUs) else {
            throw ValidationError("--interval-us: \(intervalUs) is out of range (1 to 10000000 µs)")
        }
        guard (1...10_000_000).contains(loops) else {
            throw ValidationError("--loops: \(loops) is out of range (1 to 10000000)")
        }
        if let priority, !(1...99).contains(priority) {
            throw ValidationError("--priority: \(priority) is not a SCHED_FIFO priority (1 to 99)")
        }
        if let cpu, cpu < 0 {
            throw ValidationError("--cpu: \(cpu) is negative")
        }
        if let histogramUs, !(1...1_000_000).contains(histogramUs) {
            throw ValidationError("--histogram-us: \(histogramUs) is out of range (1 to 1000000 µs)")
        }
        if let cpuLatencyUs, cpuLatencyUs < 0 {
            throw ValidationError("--cpu-latency-us: \(cpuLatencyUs) is negative")
        }
    }

    func run() throws {
        let kind = DeadlineTimerKind(rawValue: timer)!
        let options = TimerThreadOptions(fifoPriority: priority, cpu: cpu, lockMemory: mlock)
        let latencyRequest = try cpuLatencyUs.map { us throws(CPULatencyRequestError) in
            try CPULatencyRequest(targetUs: us)
        }
        defer { latencyRequest?.release() }
        let errorsNs = try WakeLoop.run(
            kind: kind, options: options, interval: .microseconds(intervalUs), count: loops)
        guard let stats = Percentiles(errorsNs) else { throw ExitCode.failure }
        let fields = [
            "kind=\(kind.rawValue)",
            "interval_us=\(intervalUs)",
            "loops=\(loops)",
            "priority=\(priority.map(String.init) ?? "-")",
            "cpu=\(cpu.map(String.init) ?? "-")",
            "mlock=\(mlock ? 1 : 0)",
            "cpu_latency_us=\(cpuLatencyUs.map(String.init) ?? "-")",
            "count=\(stats.count)",
            "min_us=\(Self.microseconds(stats.min))",
            "p50_us=\(Self.microseconds(stats.p50))",
            "p99_us=\(Self.microseconds(stats.p99))",
            "max_us=\(Self.microseconds(stats.max))",
        ]
        print("timer-wake " + fields.joined(separator: " "))
        if let histogramUs { printHistogram(errorsNs, boundUs: histogramUs) }
    }

    /// cyclictest's histogram format: one "%06d %06d" line per µs bucket (the ns error truncated
    /// to whole µs, as cyclictest does), then overflow and max summary lines, so that one parser
    /// reads both tools' output and computes their percentiles the same way.
    func printHistogram(_ errorsNs: [Int64], boundUs: Int) {
        var buckets = [Int](repeating: 0, count: boundUs)
        var overflows = 0
        var maxUs: Int64 = 0
        for ns in errorsNs {
            let us = Swift.max(ns, 0) / 1000
            maxUs = Swift.max(maxUs, us)
            if us < boundUs { buckets[Int(us)] += 1 } else { overflows += 1 }
        }
        for (us, count) in buckets.enumerated() where count > 0 {
            print(Self.padded(us) + " " + Self.padded(count))
        }
        print("# Total: \(errorsNs.count)")
        print("# Max Latencies: \(maxUs)")
        print("# Histogram Overflows: \(overflows)")
    }

    static func padded(_ n: Int) -> String {
        let text = String(n)
        return String(repeating: "0", count: Swift.max(0, 6 - text.count)) + text
    }

    /// Nanoseconds as microseconds with three decimals, without floating point.
    static func microseconds(_ ns: Int64) -> String {
        let sign = ns < 0 ? "-" : ""
        let magnitude = ns.magnitude
        let fraction = String(magnitude % 1000)
        return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}

TimerWakeCommand.main()
