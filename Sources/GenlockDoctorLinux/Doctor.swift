import GenlockCore
import GenlockDoctor
import GenlockGPIO
import GenlockLibcamera
import GenlockPTP
import GenlockPTPLinux
import Glibc

/// What `genlock doctor` checks, and against which limits.
public struct DoctorOptions: Sendable {
    /// The PTP interface (its time stamping, its PHC for the system clock offset).
    public var interface: String
    /// ptp4l's management socket.
    public var socketPath: String
    /// The lock limit, for ptp4l's offset from master and for the system clock against the NIC clock.
    public var maxOffset: TimeSpan
    /// The folder the session records to.
    public var outputDirectory: String
    public var plan: DiskCheck.Plan
    /// The HIL LED line to try, when asked.
    public var gpio: GPIOLineAddress?
    /// The camera's id or model (nil: the only one).
    public var camera: String?
    /// The planned frame rate, checked against the camera's sensor mode (nil: not checked).
    public var rate: FrameRate?
    /// The bound on each helper program (pmc, phc_ctl, ethtool, systemctl).
    public var commandTimeout: TimeSpan
    /// The size of the timed write in the output folder.
    public var writeTestBytes: UInt64

    public init(
        interface: String, socketPath: String, maxOffset: TimeSpan, outputDirectory: String, plan: DiskCheck.Plan,
        gpio: GPIOLineAddress?, camera: String?, rate: FrameRate? = nil, commandTimeout: TimeSpan = .seconds(2), writeTestBytes: UInt64 = 64 << 20
    ) {
        self.interface = interface
        self.socketPath = socketPath
        self.maxOffset = maxOffset
        self.outputDirectory = outputDirectory
        self.plan = plan
        self.gpio = gpio
        self.camera = camera
        self.rate = rate
        self.commandTimeout = commandTimeout
        self.writeTestBytes = writeTestBytes
    }
}

/// Runs every check once, in order, and hands back the report; never throws and never waits
/// without a bound (each helper program has ``DoctorOptions/commandTimeout``).
public enum Doctor {
    public static func run(_ options: DoctorOptions) -> DoctorReport {
        var results = quickChecks(
            interface: options.interface, socketPath: options.socketPath, maxOffset: options.maxOffset, commandTimeout: options.commandTimeout)
        // The camera's line comes after the NIC's, as it always has.
        let listed = cameras()
        results.insert(CameraCheck.check(libcameraVersion: LibcameraManager.libraryVersion, cameras: listed, selector: options.camera), at: 4)
        if let rate = options.rate {
            results.insert(FrameRateCheck.check(mode: sensorMode(listed, selector: options.camera), rate: rate), at: 5)
        }

        let free = DiskProbe.freeBytes(options.outputDirectory)
        // Never fill the disk to measure it: at most a quarter of what is free.
        let testBytes = min(options.writeTestBytes, ((try? free.get()) ?? 0) / 4)
        let write: Result<DiskCheck.WriteMeasurement, ProbeError> = switch free {
        case .failure(let error): .failure(error)
        case .success where testBytes < 1 << 20: .failure(ProbeError("less than 4 MiB free, too little to test"))
        case .success: DiskProbe.timeWrite(in: options.outputDirectory, bytes: testBytes)
        }
        results.append(DiskCheck.check(directory: options.outputDirectory, freeBytes: free, write: write, plan: options.plan))

        if let gpio = options.gpio { results.append(GPIOCheck.check(gpio, requested: requestLine(gpio))) }
        return DoctorReport(results: results)
    }

    /// The checks a node can afford at launch (`genlock camera` sends their summary in STATUS so
    /// the coordinator can show it before START): no camera opened, nothing written to disk, each
    /// helper program bounded by `commandTimeout`. In order: ptp4l, phc2sys, other time services,
    /// NIC time stamping, CPU governor, real-time limits.
    public static func quickChecks(interface: String, socketPath: String, maxOffset: TimeSpan, commandTimeout: TimeSpan = .seconds(2)) -> [CheckResult] {
        let timeout = commandTimeout.nanoseconds
        let processes = SystemProbes.processNames()
        var results: [CheckResult] = []

        // The same reader as `genlock ptp status --iface`: one pmc round, then phc_ctl.
        let reader = PTPStatusReader(
            pmc: PMCClient(socketPath: socketPath, timeout: commandTimeout),
            systemOffset: SystemOffsetReader(interface: interface, timeout: commandTimeout))
        let reading = Result<PTPStatusReader.Reading, PTPReadError> { () throws(PTPReadError) in try reader.read() }
        results.append(PTPChecks.ptp4l(
            reading.map(\.snapshot).mapError { ProbeError($0.description) }, processRunning: processes.contains("ptp4l"), maxOffset: maxOffset))
        let systemOffset: Result<Int64, ProbeError> = switch reading {
        case .failure: .failure(ProbeError("measured only against a readable ptp4l (its UTC offset corrects the NIC clock)"))
        case .success(let r):
            r.systemOffsetNanoseconds.map { .success($0) } ?? .failure(ProbeError(r.systemOffsetError ?? "not measured"))
        }
        results.append(PTPChecks.phc2sys(
            running: processes.contains("phc2sys"), interface: interface, systemOffset: systemOffset, maxOffset: maxOffset))

        results.append(TimeServiceCheck.check(
            systemctl: SystemProbes.systemdStates(units: TimeServiceCheck.services.map(\.unit), timeoutNanoseconds: timeout),
            processes: processes, isGrandmaster: (try? reading.get())?.snapshot.isGrandmaster ?? false))
        results.append(NICTimestamping.check(
            interface: interface,
            ethtool: SystemProbes.ethtoolTimestamping(interface: interface, timeoutNanoseconds: timeout)))
        results.append(CPUGovernorCheck.check(governors: SystemProbes.cpuGovernors()))
        results.append(RealtimeLimitsCheck.check(SystemProbes.realtimeLimits()))
        return results
    }

    /// libcamera's camera list; its INFO and WARN logging is kept off stderr unless the user chose.
    private static func cameras() -> Result<[CameraIdentity], ProbeError> {
        setenv("LIBCAMERA_LOG_LEVELS", "*:ERROR", 0)
        do {
            return .success(try LibcameraManager().cameras)
        } catch {
            return .failure(ProbeError(error.description))
        }
    }

    /// The sensor mode of the camera `selector` names, or why there is none (the camera check says more).
    private static func sensorMode(_ cameras: Result<[CameraIdentity], ProbeError>, selector: String?) -> Result<SensorMode, ProbeError> {
        let listed: [CameraIdentity]
        switch cameras {
        case .failure(let error): return .failure(error)
        case .success(let value): listed = value
        }
        let camera: CameraIdentity
        do {
            camera = try CameraSelector.choose(selector, from: listed)
        } catch {
            return .failure(ProbeError("\(error)"))
        }
        guard let mode = SensorMode.known(model: camera.model) else {
            return .failure(ProbeError("no sensor timing for model '\(camera.model)'"))
        }
        return .success(mode)
    }

    /// Requests the line as an output (driven low) and releases it at once.
    private static func requestLine(_ address: GPIOLineAddress) -> Result<Void, ProbeError> {
        do {
            let line = try GPIOChipLine(chip: address.chip, line: address.line, consumer: "genlock-doctor")
            line.release()
            return .success(())
        } catch {
            return .failure(ProbeError(error.description))
        }
    }
}
