// swift-tools-version:6.2
import PackageDescription

/// Settings every Swift target shares: Swift 6 mode (strict concurrency) plus the upcoming features the
/// server-side anchors use, so imports and existentials stay explicit.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    // `import X` is internal: a module's public API names only what it imports with `public import`.
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "qrpayd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "qrpayd", targets: ["qrpayd"]),
        .executable(name: "qrpayctl", targets: ["qrpayctl"]),
        .executable(name: "qrpayctl-commands", targets: ["qrpayctl-commands"]),
        .executable(name: "vipps-sim", targets: ["vipps-sim"]),
        // Libraries are products so the separate Benchmarks package can measure them.
        .library(name: "QRRendering", targets: ["QRRendering"]),
        .library(name: "VippsAPI", targets: ["VippsAPI"]),
        .library(name: "VippsSimulator", targets: ["VippsSimulator"]),
        .library(name: "PaymentCore", targets: ["PaymentCore"]),
        .library(name: "ControlAPI", targets: ["ControlAPI"]),
        .library(name: "CustomerDisplay", targets: ["CustomerDisplay"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.24.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
    ],
    targets: [
        // MARK: QR code → PNG
        .systemLibrary(
            name: "CQREncode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"]), .brew(["qrencode"])]
        ),
        .systemLibrary(
            name: "CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"]), .brew(["libpng"])]
        ),
        // libpng's classic API reports errors with longjmp, which must never cross Swift frames:
        // the setjmp lives in this small C target and comes back to Swift as an error code.
        .target(name: "CQRPNG", dependencies: ["CPNG"]),
        .target(name: "QRRendering", dependencies: ["CQREncode", "CQRPNG"], swiftSettings: swiftSettings),
        // `qrpayctl qr`'s options, checks and file output: one copy for both ways the command runs.
        .target(name: "QRDrawing", dependencies: ["QRRendering"], swiftSettings: swiftSettings),

        // MARK: Any JSON document as a value (the control API's request checks, the simulator's wire)
        .target(name: "JSONValues", swiftSettings: swiftSettings),

        // MARK: Vipps
        .target(
            name: "VippsAPI",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VippsSimulator",
            dependencies: [
                "JSONValues",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: The settings qrpayd and qrpayctl share (Vipps, secrets, the service) and the reader every module's
        // settings go through
        .target(
            name: "QRPayConfiguration",
            dependencies: [
                "VippsAPI", "SystemdSupport",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: The payment engine
        .target(
            name: "PaymentCore",
            dependencies: [
                "VippsAPI", "QRRendering", "QRPayConfiguration",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: The till's control API
        .target(
            name: "ControlAPI",
            dependencies: [
                "PaymentCore", "ServerSentEvents", "JSONValues", "SystemdSupport", "VippsAPI", "HTTPListening",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            // The till's contract, embedded in the binary and served at /v1/openapi.json.
            resources: [.embedInCode("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),

        // MARK: Server-sent events (both servers write them, qrpayctl and the tests read them)
        .target(
            name: "ServerSentEvents",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: The HTTP listener the till's, the display's and the metrics servers share (inherited socket or own
        // bind, connection cap, timeouts, header limits, the Host check, retrying a listener that cannot be had)
        .target(
            name: "HTTPListening",
            dependencies: [
                "ServerSentEvents",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: systemd and the customer screen
        .target(
            name: "SystemdSupport",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CustomerDisplay",
            dependencies: [
                "ServerSentEvents", "QRPayConfiguration", "HTTPListening",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: The daemon
        .target(
            name: "QRPayDaemon",
            dependencies: [
                "PaymentCore", "VippsAPI", "ControlAPI", "CustomerDisplay", "SystemdSupport", "VippsSimulator",
                "QRPayConfiguration", "HTTPListening",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Executables
        .executableTarget(
            name: "qrpayd",
            dependencies: [
                "QRPayDaemon", "QRPayConfiguration", "SystemdSupport", "ControlAPI", "VippsAPI", "PaymentCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command a shell runs: draws `qr` itself, from a binary small enough to start as fast as the qrencode
        // CLI, and hands every other command line to qrpayctl-commands (exec, same arguments).
        .executableTarget(name: "qrpayctl", dependencies: ["QRDrawing"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "qrpayctl-commands",
            dependencies: [
                // Lean: no GRDB, no servers, no simulator (`doctor` asks the installed qrpayd about the settings
                // qrpayctl does not read itself).
                "QRDrawing", "QRRendering", "QRPayConfiguration", "VippsAPI", "ServerSentEvents",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "vipps-sim",
            dependencies: [
                "VippsSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .target(
            name: "TestSupport",
            dependencies: [
                "VippsAPI", "VippsSimulator", "PaymentCore", "ServerSentEvents",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QRRenderingTests",
            dependencies: ["QRRendering", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VippsAPITests",
            dependencies: [
                "VippsAPI", "VippsSimulator", "TestSupport", "CustomerDisplay",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PaymentCoreTests",
            dependencies: [
                "PaymentCore", "VippsAPI", "VippsSimulator", "QRRendering", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "qrpayd", "qrpayctl", "qrpayctl-commands", "QRPayDaemon", "QRPayConfiguration", "PaymentCore",
                "VippsAPI", "VippsSimulator", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReliabilityTests",
            dependencies: [
                "qrpayd", "VippsSimulator", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DoctorTests",
            dependencies: [
                "qrpayctl", "qrpayctl-commands", "qrpayd", "QRPayDaemon", "VippsAPI", "VippsSimulator", "TestSupport",
                "PaymentCore", "CustomerDisplay",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["qrpayctl", "qrpayctl-commands", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ControlAPITests",
            dependencies: [
                "ControlAPI", "PaymentCore", "VippsAPI", "VippsSimulator", "TestSupport", "ServerSentEvents",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QRPayCtlTests",
            dependencies: [
                "qrpayctl", "qrpayctl-commands", "ControlAPI", "PaymentCore", "VippsSimulator", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VippsSimulatorTests",
            dependencies: [
                "VippsSimulator", "TestSupport", "JSONValues",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServerSentEventsTests",
            dependencies: [
                "ServerSentEvents",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SystemdSupportTests",
            dependencies: [
                "SystemdSupport", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SystemdIntegrationTests",
            dependencies: [
                "QRPayDaemon", "QRPayConfiguration", "PaymentCore", "SystemdSupport", "VippsSimulator", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CustomerDisplayTests",
            dependencies: [
                "CustomerDisplay", "TestSupport", "PaymentCore", "QRPayDaemon", "VippsSimulator", "QRRendering",
                "VippsAPI", "ServerSentEvents",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
