import Benchmark
import GenlockCore
import GenlockHAL
import GenlockPOSIX
import TimerWakeLoop

/// Wake error distribution of both POSIX deadline timers (clock_nanosleep and timerfd) at 1 kHz
/// and 30 Hz. Each iteration starts a timer thread, runs one batch of cyclictest-style periodic
/// wakes (absolute deadlines on a fixed grid, re-armed from the timer thread) and records every
/// wake's error — monotonic now at wake minus deadline, in ns — in the custom metric
/// "wake error ns", whose percentiles are the result. Wall clock is per batch and is reported only
/// to show the batches ran at the intended rate.
///
/// With permission (root) the same four run again as cyclictest -p 80 -m runs by default: timer
/// thread at SCHED_FIFO 80, memory locked, and a 0 µs /dev/cpu_dma_latency request held.
let benchmarks: @Sendable () -> Void = {
    let wakeError = BenchmarkMetric.custom("wake error ns", polarity: .prefersSmaller, useScalingFactor: false)

    struct Rate {
        var label: String
        var interval: TimeSpan
        /// Wakes per benchmark iteration (about 100 ms of wakes).
        var batch: Int
        /// Long enough for a few hundred wakes at 30 Hz and a few thousand at 1 kHz.
        var maxDuration: Duration
    }
    let rates = [
        Rate(label: "1 kHz", interval: .microseconds(1000), batch: 100, maxDuration: .seconds(3)),
        Rate(label: "30 Hz", interval: .nanoseconds(33_333_333), batch: 3, maxDuration: .seconds(10)),
    ]

    let realtime = TimerThreadOptions(fifoPriority: 80, lockMemory: true)
    var variants: [(label: String, options: TimerThreadOptions, cpuLatencyUs: Int32?)] = [
        ("default scheduler", .init(), nil)
    ]
    if realtimePermitted(realtime) {
        variants.append(("FIFO 80, mlockall, cpu_dma_latency 0", realtime, 0))
    } else {
        print("TimerWake: SCHED_FIFO 80, mlockall or /dev/cpu_dma_latency not permitted here; measuring the default scheduler only")
    }

    for variant in variants {
        for rate in rates {
            for kind in DeadlineTimerKind.allCases {
                let configuration = Benchmark.Configuration(
                    metrics: [.wallClock, .cpuTotal, wakeError],
                    timeUnits: .milliseconds,
                    units: [wakeError: .count],
                    warmupIterations: 1,
                    scalingFactor: .one,
                    maxDuration: rate.maxDuration,
                    maxIterations: 10_000
                )
                Benchmark("\(kind.rawValue) \(rate.label), \(variant.label)", configuration: configuration) { benchmark in
                    let timer: any DeadlineTimer
                    let latencyRequest: CPULatencyRequest?
                    do {
                        latencyRequest = try variant.cpuLatencyUs.map { us throws(CPULatencyRequestError) in
                            try CPULatencyRequest(targetUs: us)
                        }
                    } catch {
                        benchmark.error("cannot hold the CPU latency request: \(error)")
                        return
                    }
                    defer { latencyRequest?.release() }
                    do {
                        timer = try kind.make(options: variant.options)
                    } catch {
                        benchmark.error("cannot start the \(kind.rawValue) timer: \(error)")
                        return
                    }
                    defer { timer.shutdown() }
                    benchmark.startMeasurement()
                    let errorsNs: [Int64]
                    do {
                        errorsNs = try WakeLoop.run(timer: timer, interval: rate.interval, count: rate.batch)
                    } catch {
                        benchmark.error("the \(kind.rawValue) timer failed: \(error)")
                        return
                    }
                    benchmark.stopMeasurement()
                    for errorNs in errorsNs {
                        benchmark.measurement(wakeError, Int(errorNs))
                    }
                }
            }
        }
    }
}

/// Whether this process may hold a CPU latency request and run a timer thread with `options`.
private func realtimePermitted(_ options: TimerThreadOptions) -> Bool {
    guard let request = try? CPULatencyRequest(targetUs: 0) else { return false }
    defer { request.release() }
    guard let timer = try? DeadlineTimerKind.nanosleep.make(options: options) else { return false }
    timer.shutdown()
    return true
}
