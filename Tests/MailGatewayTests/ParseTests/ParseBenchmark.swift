import Foundation
import Testing
import TestSupport
@testable import MailGateway

/// Parse throughput over the real corpora. Opt-in (`MAILGATEWAY_BENCH=1`), prints numbers and asserts nothing
/// about time. Run in release for meaningful figures:
/// `MAILGATEWAY_BENCH=1 swift test -c release --filter ParseBenchmark`.
@Suite(.enabled(if: Corpora.available && ProcessInfo.processInfo.environment["MAILGATEWAY_BENCH"] == "1"))
struct ParseBenchmark {
    /// CPU time of the calling thread (robust against other processes sharing the machine).
    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

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
            var bestCPU = Double.infinity
            for _ in 0..<3 {
                parsed = 0
                let cpu0 = Self.threadCPUSeconds()
                let t = clock.measure {
                    for m in messages where (try? MessageParser.parse(m.raw)) != nil { parsed += 1 }
                }
                bestCPU = min(bestCPU, Self.threadCPUSeconds() - cpu0)
                best = min(best, t)
            }
            let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
            let readSeconds = Double(readTime.components.seconds) + Double(readTime.components.attoseconds) / 1e18
            print(
                "[bench] \(corpus): \(messages.count) messages, \(bytes / 1_000_000) MB; mbox read+gunzip \(String(format: "%.2f", readSeconds)) s;"
                    + " parse \(String(format: "%.3f", seconds)) s = \(Int(Double(parsed) / seconds)) messages/s,"
                    + " \(String(format: "%.1f", Double(bytes) / seconds / 1e6)) MB/s;"
                    + " thread CPU \(String(format: "%.3f", bestCPU)) s = \(Int(Double(parsed) / bestCPU)) messages/s per core")
            #expect(parsed == messages.count)
        }
    }
}
