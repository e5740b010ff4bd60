// swift-tools-version: 6.2
import PackageDescription

/// Every target is compiled in Swift 6 language mode with warnings treated as errors, so
/// concurrency and exhaustiveness problems stop the build instead of hiding in the log.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "Genlock",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "genlock", targets: ["genlock"]),
        .library(name: "GenlockCore", targets: ["GenlockCore"]),
        .library(name: "GenlockHAL", targets: ["GenlockHAL"]),
        .library(name: "GenlockPOSIX", targets: ["GenlockPOSIX"]),
        .library(name: "GenlockPTP", targets: ["GenlockPTP"]),
        .library(name: "GenlockPTPLinux", targets: ["GenlockPTPLinux"]),
        .library(name: "GenlockMedia", targets: ["GenlockMedia"]),
        .library(name: "GenlockControl", targets: ["GenlockControl"]),
        .library(name: "GenlockControlNIO", targets: ["GenlockControlNIO"]),
        .library(name: "GenlockGPIO", targets: ["GenlockGPIO"]),
        .library(name: "GenlockLibcamera", targets: ["GenlockLibcamera"]),
        .library(name: "GenlockSimulator", targets: ["GenlockSimulator"]),
        .library(name: "GenlockHIL", targets: ["GenlockHIL"]),
        .library(name: "GenlockNode", targets: ["GenlockNode"]),
        .library(name: "GenlockHILMedia", targets: ["GenlockHILMedia"]),
        .library(name: "GenlockDoctor", targets: ["GenlockDoctor"]),
        .library(name: "GenlockDoctorLinux", targets: ["GenlockDoctorLinux"]),
        .library(name: "GenlockIngest", targets: ["GenlockIngest"]),
        .library(name: "GenlockDashboard", targets: ["GenlockDashboard"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/attaswift/BigInt", from: "6.0.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Pure domain logic: time types, schedules, the capture state machine. No I/O, no threads.
        .target(name: "GenlockCore", swiftSettings: strict),
        // Hardware abstraction: protocols and value types for clocks, timers, cameras and GPIO.
        .target(name: "GenlockHAL", dependencies: ["GenlockCore"], swiftSettings: strict),
        // Linux headers Swift's Glibc module leaves out (timerfd, eventfd, CPU_SET).
        .target(name: "CGenlockLinux"),
        // Real I/O on Linux: clock_gettime, clock_nanosleep, timerfd, real-time thread options.
        .target(
            name: "GenlockPOSIX",
            dependencies: [
                "GenlockCore", "GenlockHAL", "CGenlockLinux",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        // libgpiod 1.x (Debian 12 / Raspberry Pi OS Bookworm ship 1.6), found through pkg-config.
        // Its header refuses libgpiod 2.x with the reason (see Sources/CGPIOD/shim.h).
        .systemLibrary(name: "CGPIOD", pkgConfig: "libgpiod", providers: [.apt(["libgpiod-dev"])]),
        // GPIO output lines on real chips through libgpiod: the LED of the HIL rig.
        .target(
            name: "GenlockGPIO",
            dependencies: ["GenlockHAL", "CGPIOD", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strict
        ),
        // PTP, pure: pmc and log parsers, the lock gate, linuxptp configuration generation. No I/O.
        .target(name: "GenlockPTP", dependencies: ["GenlockCore"], exclude: ["README.md"], swiftSettings: strict),
        // PTP, real I/O on Linux: runs pmc and phc_ctl with deadlines, probes the management socket.
        .target(name: "GenlockPTPLinux", dependencies: ["GenlockCore", "GenlockPTP", "GenlockPOSIX"], swiftSettings: strict),
        // FFmpeg's libraries from Debian's -dev packages (libavformat, libavcodec, libavutil,
        // libswscale), found through pkg-config.
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev"])]
        ),
        // FFmpeg's macros and inline functions (AVERROR, av_err2str) that Swift cannot import.
        .target(name: "CFFmpegShim", dependencies: ["CFFmpeg"]),
        // Recording and reading: libavformat/libavcodec files stamped on the shared timeline,
        // the per-frame sidecar and exports, and the synthetic camera.
        .target(
            name: "GenlockMedia",
            dependencies: ["GenlockCore", "GenlockHAL", "GenlockPOSIX", "CFFmpeg", "CFFmpegShim"],
            exclude: ["README.md"],
            swiftSettings: strict
        ),
        // The deterministic rig simulator: virtual time, PTP-disciplined clocks, sensors, network
        // and faults, driving the real CaptureScheduler through simulated HAL devices.
        .target(
            name: "GenlockSimulator",
            dependencies: [
                "GenlockCore", "GenlockHAL", "GenlockControl", "GenlockNode", "GenlockPTP",
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Simulator/Sources/GenlockSimulator",
            swiftSettings: strict
        ),
        // libcamera from Debian's libcamera-dev (or Raspberry Pi OS's), found through pkg-config: its
        // include path and libraries reach the C++ shim; Swift sees only the version macros.
        .systemLibrary(name: "CLibcamera", pkgConfig: "libcamera", providers: [.apt(["libcamera-dev"])]),
        // A small C surface over libcamera's C++ API, with version guards for 0.0.x and newer.
        .target(name: "CLibcameraShim", dependencies: ["CLibcamera"]),
        // The libcamera camera backend: camera selection, configuration, fixed exposure, frame
        // duration limits, frames handed to the node as mapped buffers.
        .target(
            name: "GenlockLibcamera",
            dependencies: ["GenlockCore", "GenlockHAL", "CLibcamera", "CLibcameraShim"],
            exclude: ["README.md"],
            swiftSettings: strict
        ),
        // The control protocol: messages, authenticated framing, the node and coordinator endpoints
        // (bytes in, outputs out), rig configuration. Pure (no I/O), so the simulator can run it.
        .target(
            name: "GenlockControl",
            dependencies: ["GenlockCore", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // The control protocol over TCP with SwiftNIO: moves bytes between sockets and the endpoints.
        .target(
            name: "GenlockControlNIO",
            dependencies: [
                "GenlockCore", "GenlockControl",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The ingest: nodes' streams to session folders (remux, no decoding) and live framesets
        // (server), and the node's recording tee that streams and back-fills (uplink).
        .target(
            name: "GenlockIngest",
            dependencies: [
                "GenlockCore", "GenlockControl", "GenlockControlNIO", "GenlockMedia",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Hardware-in-the-loop, pure: flash lists, the LED scene renderer, band detection and
        // exposure-start estimation over row profiles, skew statistics, the HTML report. No I/O.
        .target(name: "GenlockHIL", dependencies: ["GenlockCore"], swiftSettings: strict),
        // Hardware-in-the-loop over files: writes synthetic sessions through the recorder, and
        // decodes sessions for the analyzer.
        .target(
            name: "GenlockHILMedia",
            dependencies: ["GenlockCore", "GenlockHIL", "GenlockMedia"],
            swiftSettings: strict
        ),
        // The camera node: its lifecycle (pure), the drivers that run the core state machines against
        // HAL devices, and the runtime that wires control, capture, recording and PTP reporting.
        .target(name: "GenlockNode", dependencies: ["GenlockCore", "GenlockHAL", "GenlockControl"], swiftSettings: strict),
        // `genlock doctor`, pure: each preflight check's verdict from the raw text and numbers it is
        // given (ethtool -T, systemctl is-active, governors, rlimits, disk numbers, pmc snapshots).
        .target(name: "GenlockDoctor", dependencies: ["GenlockCore", "GenlockPTP"], swiftSettings: strict),
        // `genlock doctor`, the I/O: runs the helper programs with deadlines, reads /proc and /sys,
        // the limits, statvfs and a timed write, libcamera's camera list and the GPIO line.
        .target(
            name: "GenlockDoctorLinux",
            dependencies: [
                "GenlockCore", "GenlockDoctor", "GenlockPOSIX", "GenlockPTP", "GenlockPTPLinux", "GenlockLibcamera", "GenlockGPIO",
            ],
            swiftSettings: strict
        ),
        // The one set of test doubles and fixtures every test target shares: the virtual clock pair
        // (a test clock that also drives the manual deadline timers), the scripted streaming camera,
        // libcamera's virtual cameras. The recording GPIO line is GenlockHAL's SimulatedGPIOLine,
        // which `genlock hil flash --simulated` uses too. Not a product: only this package's tests need it.
        .target(name: "GenlockTesting", dependencies: ["GenlockCore", "GenlockHAL"], swiftSettings: strict),
        // The rig in a browser: the coordinator's HTTP server (Hummingbird), the dashboard page and its
        // WebSocket updates, START/STOP behind a token, and the Prometheus /metrics endpoint. Reads
        // the coordinator's state from GenlockControl; never reaches into capture internals.
        .target(
            name: "GenlockDashboard",
            dependencies: [
                "GenlockCore", "GenlockControl",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Resources/web")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "genlock",
            dependencies: [
                "GenlockCore", "GenlockHAL", "GenlockPOSIX", "GenlockPTP", "GenlockPTPLinux", "GenlockMedia",
                "GenlockGPIO", "GenlockControl", "GenlockControlNIO", "GenlockLibcamera",
                "GenlockSimulator", "GenlockHIL", "GenlockHILMedia", "GenlockNode", "GenlockDoctor", "GenlockDoctorLinux",
                "GenlockIngest",
                "GenlockDashboard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GenlockControlTests",
            dependencies: [
                "GenlockCore", "GenlockControl", "GenlockControlNIO", "GenlockTesting",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GenlockCoreTests",
            dependencies: [
                "GenlockCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "BigInt", package: "BigInt"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GenlockTestingTests",
            dependencies: ["GenlockCore", "GenlockHAL", "GenlockTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GenlockPOSIXTests",
            dependencies: ["GenlockCore", "GenlockHAL", "GenlockNode", "GenlockPOSIX", "GenlockTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GenlockGPIOTests",
            dependencies: ["GenlockCore", "GenlockHAL", "GenlockNode", "GenlockGPIO", "GenlockPOSIX"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GenlockPTPTests",
            dependencies: ["GenlockCore", "GenlockPTP", "GenlockPTPLinux"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GenlockMediaTests",
            dependencies: ["GenlockCore", "GenlockHAL", "GenlockMedia", "GenlockTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GenlockSimulatorTests",
            dependencies: ["GenlockCore", "GenlockHAL", "GenlockSimulator"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GenlockHILTests",
            dependencies: ["GenlockCore", "GenlockHIL", "GenlockHILMedia", "GenlockMedia"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GenlockLibcameraTests",
            dependencies: ["GenlockCore", "GenlockHAL", "GenlockLibcamera", "CLibcameraShim", "GenlockTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GenlockNodeTests",
            dependencies: ["GenlockCore", "GenlockHAL", "GenlockNode", "GenlockTesting", "GenlockControl", "GenlockMedia"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GenlockIngestTests",
            dependencies: ["GenlockCore", "GenlockControl", "GenlockMedia", "GenlockIngest", "GenlockTesting",
                           .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GenlockDoctorTests",
            dependencies: ["GenlockCore", "GenlockPTP", "GenlockDoctor", "GenlockDoctorLinux"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GenlockCLITests",
            dependencies: ["GenlockCore", "GenlockPTP", "GenlockTesting", "genlock"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GenlockDashboardTests",
            dependencies: ["GenlockCore", "GenlockControl", "GenlockDashboard", "GenlockTesting"],
            swiftSettings: strict
        ),
    ],
    cxxLanguageStandard: .cxx17
)
