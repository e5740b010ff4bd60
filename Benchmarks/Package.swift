// swift-tools-version: 6.2
import PackageDescription

// A nested package so that the benchmark dependencies (ordo-one/benchmark and what it pulls in)
// never enter the main package's build or CI. Run from this directory:
//     swift package benchmark
// or from the repository root:
//     swift package --package-path Benchmarks benchmark

/// The main package's settings: Swift 6 language mode, warnings are errors.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "GenlockBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // The main package, by path (as swift-nio and swift-log do for their benchmarks).
        .package(name: "Genlock", path: "../"),
        // The MallocInterposer trait replaces jemalloc for the malloc metrics; naming the traits
        // also leaves out RuntimeInterposer, whose package is not needed here.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // The measurement loop shared by the benchmark and the timer-wake tool, so that both
        // measure exactly the same thing.
        .target(
            name: "TimerWakeLoop",
            dependencies: [
                .product(name: "GenlockCore", package: "Genlock"),
                .product(name: "GenlockHAL", package: "Genlock"),
                .product(name: "GenlockPOSIX", package: "Genlock"),
            ],
            swiftSettings: strict
        ),
        // START/STOP fan-out to 128 real node clients on loopback: time to all ACKs.
        .executableTarget(
            name: "control-fanout",
            dependencies: [
                .product(name: "GenlockCore", package: "Genlock"),
                .product(name: "GenlockControl", package: "Genlock"),
                .product(name: "GenlockControlNIO", package: "Genlock"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The real nodes of control-flood.sh: NodeClients against a running `genlock coordinator`.
        .executableTarget(
            name: "control-flood-nodes",
            dependencies: [
                .product(name: "GenlockCore", package: "Genlock"),
                .product(name: "GenlockControl", package: "Genlock"),
                .product(name: "GenlockControlNIO", package: "Genlock"),
            ],
            swiftSettings: strict
        ),
        // The recorder's side of recorder-vs-ffmpeg.sh: a raw frame file recorded as fast as it can.
        .executableTarget(
            name: "recorder-bench",
            dependencies: [
                .product(name: "GenlockCore", package: "Genlock"),
                .product(name: "GenlockMedia", package: "Genlock"),
                .product(name: "GenlockPOSIX", package: "Genlock"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Wake error of cyclictest-style periodic loops, in the form cyclictest reports it,
        // for Benchmarks/timers-vs-cyclictest.sh.
        .executableTarget(
            name: "timer-wake",
            dependencies: [
                "TimerWakeLoop",
                .product(name: "GenlockCore", package: "Genlock"),
                .product(name: "GenlockPOSIX", package: "Genlock"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
    ]
)

// Benchmark targets, in the ordo-one layout (Benchmarks/<Target>/<Target>.swift).
package.targets += [
    .executableTarget(
        name: "TimerWake",
        dependencies: [
            "TimerWakeLoop",
            .product(name: "Benchmark", package: "benchmark"),
            .product(name: "GenlockCore", package: "Genlock"),
            .product(name: "GenlockHAL", package: "Genlock"),
            .product(name: "GenlockPOSIX", package: "Genlock"),
        ],
        path: "Benchmarks/TimerWake",
        swiftSettings: strict,
        plugins: [
            .plugin(name: "BenchmarkPlugin", package: "benchmark")
        ]
    )
]
