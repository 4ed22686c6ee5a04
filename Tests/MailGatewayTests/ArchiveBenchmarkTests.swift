import Foundation
import GRDB
import Logging
import Testing
import TestSupport
@testable import MailGateway

/// Ingest throughput on lore-ksummit (3,115 messages). Prints numbers, asserts nothing about time; runs only
/// when `MAILGATEWAY_BENCH=1` (see `scripts/archive-bench.sh`, which builds in release mode).
@Suite("Archive benchmark", .enabled(if: ProcessInfo.processInfo.environment["MAILGATEWAY_BENCH"] == "1" && Corpora.available,
                                     "set MAILGATEWAY_BENCH=1 (scripts/archive-bench.sh)"))
struct ArchiveBenchmarkTests {
    @Test func ingestThroughput() throws {
        let url = try #require(Corpora.url("lore-ksummit/ksummit.mbox.gz"))
        // 1. Read and parse everything first, so the archive alone is timed.
        var messages: [(MboxMessage, ParsedMessage)] = []
        let reader = try MboxReader(url: url)
        let parseStart = Date()
        while let m = try reader.next() {
            messages.append((m, try MessageParser.parse(m.raw)))
        }
        let parseTime = Date().timeIntervalSince(parseStart)
        let bytes = messages.reduce(0) { $0 + $1.0.raw.count }

        let archive = try TemporaryArchive()
        let start = Date()
        let cpuStart = clock()
        for batch in stride(from: 0, to: messages.count, by: 500) {
            try archive.pool.write { (db: Database) throws in
                for (m, parsed) in messages[batch..<min(batch + 500, messages.count)] {
                    _ = try ArchiveWriter.archive(db, list: "ksummit", raw: m.raw, parsed: parsed,
                                                  fallbackDate: m.envelopeDate, source: .import)
                }
            }
        }
        let archiveTime = Date().timeIntervalSince(start)
        let archiveCPU = Double(clock() - cpuStart) / Double(CLOCKS_PER_SEC)

        // 2. The whole import path (read, parse, archive, 500 per transaction) into a fresh database.
        let second = try TemporaryArchive()
        let importStart = Date()
        let result = try ArchiveMbox.importMbox(url: url, list: "ksummit", into: second.database,
                                                logger: Logger(label: "bench"))
        let importTime = Date().timeIntervalSince(importStart)

        // 3. Search latency over the result.
        let searchStart = Date()
        var hits = 0
        for word in ["rust", "maintainer", "summit", "\"code of conduct\"", "regression", "cafe"] {
            hits += try second.pool.read { try ArchiveSearch.search($0, query: word).count }
        }
        let searchTime = Date().timeIntervalSince(searchStart) / 6
        let dbSize = try second.pool.read { try ArchiveQueries.stats($0).databaseBytes }

        print(String(format: "[bench] parse only: %d messages, %.1f MB in %.2f s = %.0f msg/s", messages.count,
                     Double(bytes) / 1e6, parseTime, Double(messages.count) / parseTime))
        print(String(format: "[bench] archive only (thread+store+index, 500/transaction): %.2f s = %.0f msg/s; CPU %.2f s = %.0f msg/s per core",
                     archiveTime, Double(messages.count) / archiveTime, archiveCPU, Double(messages.count) / archiveCPU))
        print(String(format: "[bench] full import (read+parse+archive): %d inserted in %.2f s = %.0f msg/s", result.inserted,
                     importTime, Double(result.messages) / importTime))
        print(String(format: "[bench] search: %.1f ms per query (%d hits over 6 queries); database %.1f MB",
                     searchTime * 1000, hits, Double(dbSize) / 1e6))
        #expect(result.inserted == 3112)
    }
}
