// swift-tools-version:6.2
import PackageDescription

// A package of its own, so the project's build and CI never compile the benchmark harness.
// Run from this directory: `swift package benchmark` (see the README's "Performance" section).
let package = Package(
    name: "qrpayd-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "qrpayd", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.0", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    ],
    targets: [
        .executableTarget(
            name: "QRRenderingBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "QRRendering", package: "qrpayd"),
            ],
            path: "Benchmarks/QRRenderingBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "DaemonBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "PaymentCore", package: "qrpayd"),
                .product(name: "ControlAPI", package: "qrpayd"),
                .product(name: "CustomerDisplay", package: "qrpayd"),
                .product(name: "VippsAPI", package: "qrpayd"),
                .product(name: "VippsSimulator", package: "qrpayd"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/DaemonBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
