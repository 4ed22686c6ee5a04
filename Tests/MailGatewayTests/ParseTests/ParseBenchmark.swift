import Foundation
import Testing
import TestSupport
@testable import MailGateway

/// Parse throughput over the real corpora. Opt-in (`MAILGATEWAY_BENCH=1`), prints numbers and asserts nothing
/// about time. Run in release for meaningful figures:
/// `MAILGATEWAY_BENCH=1 swift test -c release --filter ParseBenchmark`.
@Suite(.enabled(if: Corpora.available && ProcessInfo.processInfo.environment["MAILGATEWAY_BENCH"] == "1"))
struct ParseBenchmark {
    @Test func throughput() throws {
        for corpus in ["lore-ksummit/ksummit.mbox.gz", "lore-usrp-users/usrp-users-2022-08_10.mbox.gz"] {
            let clock = ContinuousClock()
            var messages: [MboxMessage] = []
            let readTime = try clock.measure {
                let reader = try MboxReader(url: try #require(Corpora.url(corpus)))
                while let m = try reader.next() { messages.append(m) }
            }
            let bytes = messages.reduce(0) { $0 + $1.raw.count }
            var parsed = 0
            var best = Duration.seconds(1000)
            for _ in 0..<3 {
                parsed = 0
                let t = clock.measure {
                    for m in messages where (try? MessageParser.parse(m.raw)) != nil { parsed += 1 }
                }
                best = min(best, t)
            }
            let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
            let readSeconds = Double(readTime.components.seconds) + Double(readTime.components.attoseconds) / 1e18
            print(
                "[bench] \(corpus): \(messages.count) messages, \(bytes / 1_000_000) MB; mbox read+gunzip \(String(format: "%.2f", readSeconds)) s;"
                    + " parse \(String(format: "%.3f", seconds)) s = \(Int(Double(parsed) / seconds)) messages/s,"
                    + " \(String(format: "%.1f", Double(bytes) / seconds / 1e6)) MB/s")
            #expect(parsed == messages.count)
        }
    }
}
