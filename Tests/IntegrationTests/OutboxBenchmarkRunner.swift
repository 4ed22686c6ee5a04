import Foundation
import Logging
import Testing
@testable import MailGateway

/// Runs `FanoutBenchmark` for bench/fanout.sh (only when MAILGATEWAY_BENCH_PORT is set; never in the normal
/// suite). It prints the figures; its one assertion is that every copy was delivered.
@Suite struct OutboxBenchmarkRunner {
    static let environment = ProcessInfo.processInfo.environment

    @Test(.enabled(if: environment["MAILGATEWAY_BENCH_PORT"] != nil, "benchmark: run bench/fanout.sh"))
    func fanout() async throws {
        let port = Int(Self.environment["MAILGATEWAY_BENCH_PORT"] ?? "") ?? 0
        let copies = Int(Self.environment["MAILGATEWAY_BENCH_COPIES"] ?? "") ?? 10_000
        let connections = Int(Self.environment["MAILGATEWAY_BENCH_CONNECTIONS"] ?? "") ?? 4
        let batch = Int(Self.environment["MAILGATEWAY_BENCH_BATCH"] ?? "") ?? 16
        let report = try await FanoutBenchmark.run(
            .init(port: port, copies: copies, connections: connections, claimBatch: batch,
                  synchronousNormal: Self.environment["MAILGATEWAY_BENCH_SYNC"] == "normal"), logger: .test)
        print(String(format: "FANOUT sync=\(Self.environment["MAILGATEWAY_BENCH_SYNC"] ?? "full") copies=%d connections=%d bytes=%d enqueue=%.3fs send=%.3fs rate=%.1f/s sent=%d failed=%d",
                     report.copies, report.connections, report.messageBytes, report.enqueueSeconds,
                     report.sendSeconds, report.rate, report.sent, report.failed))
        #expect(report.sent == copies)
    }
}
