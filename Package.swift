// swift-tools-version:6.1
import PackageDescription

/// One set of Swift settings for every target (STYLE.md §1).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "mailgateway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mailgateway", targets: ["mailgateway"]),
        .executable(name: "mailgateway-daemon", targets: ["mailgateway-daemon"]),
        .executable(name: "mailgateway-stages", targets: ["mailgateway-stages"]),
        .library(name: "MailGateway", targets: ["MailGateway"]),
        .library(name: "Digest", targets: ["Digest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
    ],
    targets: [
        // C libraries from Debian, wrapped by one owner each (see NOTES: no pkgConfig for libetpan).
        .systemLibrary(name: "CEtPan", path: "Sources/CEtPan"),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        // glibc's stub resolver (libresolv, libc6-dev): DMARC policies by DNS.
        .systemLibrary(name: "CResolv", path: "Sources/CResolv"),
        // glibc's allocator tuning (<malloc.h>): the daemon's arena limit.
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),

        // The configuration, the schema (migrations), the read-only store and the archive's search: GRDB and
        // Foundation only, so that the `mailgateway` executable's reading commands load nothing else.
        .target(
            name: "MailGatewayCore",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MailGateway",
            dependencies: [
                "MailGatewayCore", "CEtPan", "CCurl", "CResolv", "CMalloc",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the one call GRDB does not wrap: sqlite3_wal_hook (WALCheckpointer).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Digest",
            dependencies: [
                "MailGateway",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The small HTTP side (issue 11): one-click unsubscribe (RFC 8058), /healthz, /metrics; a Service the
        // runtime adds to its ServiceGroup when `http` is configured.
        .target(
            name: "MailGatewayHTTP",
            dependencies: [
                "MailGateway",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The composition root: the daemon's services (mailbox watchers, outbox sender, maintenance) assembled
        // into one ServiceGroup, the process lock, `run --once`.
        .target(
            name: "MailGatewayRuntime",
            dependencies: [
                "MailGateway", "Digest", "MailGatewayHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The benchmarks behind the hidden `mailgateway bench` command (bench/*.sh): not shipped in the library.
        .target(
            name: "MailGatewayBench",
            dependencies: [
                "MailGateway", "Digest",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // What both executables share: the options every command takes, output formatting, the reading commands
        // built on MailGatewayCore alone (argument parsing and output only).
        .target(
            name: "MailGatewayCLI",
            dependencies: [
                "MailGatewayCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `mailgateway` executable: runs the reading commands it knows (archive search) and execs
        // `mailgateway-daemon` beside it for every other command; links neither libetpan nor libcurl.
        // Release builds link the Swift runtime and Foundation statically (-static-stdlib; the static Foundation's
        // own libraries by name): 6 shared libraries instead of 21, no symbol lookups in them at start-up
        // (docs/benchmarks.md). Debug builds, which the test bundles link, stay dynamic.
        .executableTarget(
            name: "mailgateway",
            dependencies: ["MailGatewayCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings,
            linkerSettings: [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))]
                + ["Foundation", "CoreFoundation", "FoundationInternationalization", "FoundationEssentials",
                   "_FoundationICU", "_FoundationCShims", "_FoundationCollections", "swiftSynchronization", "stdc++"]
                .map { .linkedLibrary($0, .when(configuration: .release)) }
        ),
        // Every command (argument parsing and output only): the daemon, the administrative commands, the
        // benchmarks.
        .executableTarget(
            name: "mailgateway-daemon",
            dependencies: [
                "MailGateway", "MailGatewayRuntime", "MailGatewayBench", "MailGatewayCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The stage micro-benchmarks behind a synchronous entry point, for valgrind (bench/cost.sh): Valgrind 3.19
        // crashes on the async main of `mailgateway` (its threads start while the main thread waits in dispatch_main).
        .executableTarget(
            name: "mailgateway-stages",
            dependencies: ["MailGatewayBench", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: ["MailGateway"],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MailGatewayTests",
            dependencies: ["MailGateway", "Digest", "MailGatewayRuntime", "MailGatewayHTTP", "MailGatewayCLI", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["MailGateway", "Digest", "MailGatewayHTTP", "MailGatewayRuntime", "TestSupport", "mailgateway",
                           "mailgateway-daemon"],
            swiftSettings: swiftSettings
        ),
    ]
)
