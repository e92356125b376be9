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
        )
    ]
)
