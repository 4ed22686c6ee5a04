// swift-tools-version:6.1
import PackageDescription

// The libFuzzer target over the whole inbound path (docs/reliability.md). Build it with the instrumentation on
// every Swift target, which only a command-line flag gives: `Fuzz/run.sh` does
//   swift build -c release --package-path Fuzz -Xswiftc -sanitize=fuzzer
// A plain `swift build` of this package links no libFuzzer and is not useful.
let package = Package(
    name: "mailgateway-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "mailgateway", path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
    ],
    targets: [
        .executableTarget(
            name: "InboundFuzzer",
            dependencies: [
                .product(name: "MailGateway", package: "mailgateway"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // libFuzzer supplies main(); the fixture files are found from this source file's path.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
