import ArgumentParser
import Dispatch
import GenlockCore
import GenlockGPIO
import GenlockHAL
import GenlockHIL
import GenlockNode
import GenlockMedia
import GenlockPOSIX
import Glibc
import Synchronization

/// `genlock hil flash`: drives an LED on a GPIO line with short flashes at planned instants of
/// the shared realtime clock, through the same clock pair and deadline timer path as captures,
/// and logs what each flash actually did to `flashes.csv` for the analyzer.
struct HILFlash: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flash",
        abstract: "Flash an LED on a GPIO line at planned instants of the PTP-shared realtime clock.",
        discussion: """
            Flash k goes on at T + k·period + (k mod sweep-steps)·sweep-step and stays on for width. \
            Every fired flash is logged to --out (flash_index,planned_on_ns,actual_on_ns,actual_off_ns); \
            a flash whose instant passed by more than --late-tolerance is skipped and reported.
            """
    )

    @Option(help: "GPIO chip: a name under /dev (gpiochip0) or a path.")
    var chip = "gpiochip0"

    @Option(help: "Line offset on the chip (the BCM GPIO number on a Raspberry Pi header, e.g. 17).", transform: Parse.lineOffset)
    var line: UInt32

    @Option(name: .customLong("start-at"), help: "First flash at this realtime instant (nanoseconds since the epoch).", transform: Parse.nanoseconds)
    var startAt: Int64?

    // `.unconditional` so that a negative value reaches the transform and is refused with a reason.
    @Option(name: .customLong("start-in"), parsing: .unconditional, help: "First flash this long from now (5s).", transform: Parse.timeSpan)
    var startIn: TimeSpan?

    @Option(parsing: .unconditional, help: "How long each flash stays lit (200us); much shorter than the exposure.", transform: Parse.timeSpan)
    var width: TimeSpan = .microseconds(200)

    @Option(parsing: .unconditional, help: "Time between flashes (1s).", transform: Parse.timeSpan)
    var period: TimeSpan = .seconds(1)

    @Option(parsing: .unconditional, help: "Number of flashes.", transform: Parse.flashCount)
    var count: Int = 60

    @Option(name: .customLong("sweep-step"), parsing: .unconditional, help: "Global-shutter sweep: extra delay per step (0: no sweep).", transform: Parse.timeSpan)
    var sweepStep: TimeSpan = .zero

    @Option(name: .customLong("sweep-steps"), parsing: .unconditional, help: "Steps in one sweep cycle (1: no sweep).", transform: Parse.flashCount)
    var sweepSteps: Int = 1

    @Option(name: .customLong("late-tolerance"), parsing: .unconditional, help: "Skip a flash rather than fire it later than this after its instant.", transform: Parse.timeSpan)
    var lateTolerance: TimeSpan = .milliseconds(1)

    @Option(help: "Where to write the per-flash log (copy it into the session folder as flashes.csv).", transform: Parse.path)
    var out = FlashLogFormat.fileName

    @Option(name: .customLong("sensor"), help: ArgumentHelp(
        "A camera of the session and its sensor model (repeatable): writes --sensors-out (camera,shutter,line_time_ps) from the sensor mode's table, for the analyzer to check its fitted line time against.",
        valueName: "CAMERA=MODEL"))
    var sensors: [String] = []

    @Option(name: .customLong("sensors-out"), help: "Where --sensor writes the sensor table (copy it into the session folder as sensors.csv).")
    var sensorsOut = SensorList.fileName

    @Flag(help: "Drive a simulated line instead of the chip (no hardware): the whole timing path, and flashes.csv, without an LED.")
    var simulated = false

    @OptionGroup var timing: TimerOptions

    func validate() throws {
        if startAt != nil, startIn != nil { throw ValidationError("--start-at and --start-in are exclusive") }
        if startAt == nil, startIn == nil { throw ValidationError("--start-at NS or --start-in DURATION is required") }
        if let startIn, startIn < .zero { throw ValidationError("--start-in must not be negative, got \(startIn)") }
        if width <= .zero { throw ValidationError("--width must be positive, got \(width)") }
        if period <= .zero { throw ValidationError("--period must be positive, got \(period)") }
        if sweepStep < .zero { throw ValidationError("--sweep-step must not be negative, got \(sweepStep)") }
        if lateTolerance < .zero { throw ValidationError("--late-tolerance must not be negative, got \(lateTolerance)") }
        _ = try plan(firstFlash: RealtimeInstant(nanosecondsSinceEpoch: startAt ?? 0))
        _ = try sensorTable()
    }

    /// The sensor table from `--sensor CAMERA=MODEL`, nil without any.
    func sensorTable() throws -> SensorList? {
        guard !sensors.isEmpty else { return nil }
        var entries: [String: SensorList.Entry] = [:]
        for text in sensors {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[0].contains(",") else {
                throw ValidationError("--sensor '\(text)': expected CAMERA=MODEL, e.g. cam1=imx708")
            }
            guard let mode = SensorMode.known(model: parts[1]) else {
                throw ValidationError("--sensor '\(text)': no sensor mode known for '\(parts[1])' (known: \(SensorMode.known.map(\.model).joined(separator: ", ")))")
            }
            guard entries[parts[0]] == nil else { throw ValidationError("--sensor: camera '\(parts[0])' given twice") }
            // The Global Shutter Camera exposes every row at once; every other Pi camera rolls.
            entries[parts[0]] = .init(shutter: mode.model == SensorMode.imx296.model ? .global : .rolling, lineTimePs: mode.timing.lineTimePs)
        }
        return SensorList(entries)
    }

    /// The plan from the options; its refusal names the options involved.
    private func plan(firstFlash: RealtimeInstant) throws -> FlashPlan {
        do {
            return try FlashPlan(firstFlash: firstFlash, width: width, period: period, count: count,
                                 sweepStep: sweepStep, sweepSteps: sweepSteps)
        } catch {
            throw ValidationError("--width/--period/--count/--sweep-step(s): \(error)")
        }
    }

    func run() throws {
        let clock = PosixClockPair()
        let firstFlash = startAt.map { RealtimeInstant(nanosecondsSinceEpoch: $0) }
            ?? clock.sample().realtime + (startIn ?? .zero)
        let plan = try plan(firstFlash: firstFlash)

        // The hardware first: a missing chip or busy line is the likeliest mistake, reported at once.
        let gpio: any GPIOLine
        if simulated {
            gpio = SimulatedGPIOLine(name: "simulated \(chip) line \(line)") { PosixClockPair.realtimeNow() }
        } else {
            do { gpio = try GPIOChipLine(chip: chip, line: line) } catch { throw CommandFailure("\(error)") }
        }
        defer { gpio.release() }
        if let table = try sensorTable() {
            do { try FileSystem.writeAtomically(table.csv, to: sensorsOut) } catch { throw CommandFailure("--sensors-out: \(error)") }
        }
        let log = try FlashLog(path: out)
        let deadlineTimer = try timing.makeTimer()
        defer { deadlineTimer.shutdown() }

        let done = DispatchSemaphore(value: 0)
        let result = Mutex<(summary: FlashSummary?, failure: FlashRunnerFailure?)>((nil, nil))
        let runner = FlashRunner(plan: plan, clock: clock, timer: AnyDeadlineTimer(deadlineTimer), line: gpio,
                                 configuration: .init(lateTolerance: lateTolerance)) { report in
            switch report {
            case .flash(let record): log.append(record)
            case .skip(let range): Console.err("genlock: warning: flashes \(range.lowerBound)..<\(range.upperBound) skipped: more than \(lateTolerance) past their instants")
            case .failed(let failure): result.withLock { $0.failure = failure }
            case .finish(let summary):
                result.withLock { $0.summary = summary }
                done.signal()
            }
        }
        Console.out("flashing \(gpio.name): \(count) × \(width) every \(period)"
            + (sweepSteps > 1 ? ", sweep \(sweepSteps) × \(sweepStep)" : "")
            + ", first at realtime \(firstFlash.nanosecondsSinceEpoch) ns; log \(out)")
        // Ctrl-C or SIGTERM: turn the LED off and end, keeping the log of what was fired.
        let signals = StopSignals.handle { runner.stop() }
        runner.start()
        done.wait()
        signals.forEach { $0.cancel() }
        log.close()

        let (summary, failure) = result.withLock { ($0.summary!, $0.failure) }
        var line = "summary: flashes fired \(summary.fired) of \(count), skipped \(summary.skipped)"
        // Early wakes mean realtime was stepped back under an armed edge (re-armed, never early).
        if summary.earlyWakes > 0 { line += ", early wake-ups re-armed \(summary.earlyWakes)" }
        if let p = Percentiles(log.onErrors) {
            line += ", on error \(p)"
        }
        Console.out(line + (summary.outcome == .stopped ? " (stopped early)" : ""))
        if let failure { throw CommandFailure("flashing stopped: \(failure)") }
        if let error = log.error { throw CommandFailure("cannot write the flash log: \(error)") }
        if summary.fired == 0, summary.outcome == .completed {
            throw CommandFailure("no flash fired: all \(summary.skipped) were more than \(lateTolerance) past their instants (is --start-at in the past?)")
        }
    }
}

/// The `flashes.csv` being written, one whole line per fired flash as it happens (so a killed
/// run leaves a readable log), and the on errors for the summary. A write failure does not stop
/// the flashes: it is remembered and reported at the end.
private final class FlashLog: Sendable {
    private let state: Mutex<(file: LineFile, onErrors: [Int64], error: MediaError?)>

    init(path: String) throws {
        do {
            let file = try LineFile(creating: path, header: FlashLogFormat.header)
            state = Mutex((file, [], nil))
        } catch {
            throw CommandFailure("--out: \(error)")
        }
    }

    func append(_ record: FlashRecord) {
        state.withLock { s in
            s.onErrors.append(record.onError.nanoseconds)
            guard s.error == nil else { return }
            do throws(MediaError) { try s.file.append(FlashLogFormat.line(record) + "\n") } catch { s.error = error }
        }
    }

    func close() { state.withLock { $0.file.close() } }
    var onErrors: [Int64] { state.withLock { $0.onErrors } }
    var error: MediaError? { state.withLock { $0.error } }
}

extension Parse {
    static func lineOffset(_ text: String) throws -> UInt32 {
        guard let value = UInt32(text) else { throw Invalid("'\(text)' is not a GPIO line offset (a whole number from 0)") }
        return value
    }
    static func flashCount(_ text: String) throws -> Int { Int(try frameCount(text)) }
}
