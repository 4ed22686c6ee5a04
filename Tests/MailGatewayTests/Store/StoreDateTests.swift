import Foundation
import GRDB
import Testing
@testable import MailGateway

/// The dates the ingest binds by arithmetic (`StoreDate`) are the very text GRDB's `DateFormatter` writes, so
/// that rows written before and after read and sort alike; and the digest pre-filter of the same change.
@Suite("Store dates and ingest fast paths")
struct StoreDateTests {
    @Test("StoreDate writes what GRDB writes, to the millisecond, over four centuries and before 1970")
    func sameTextAsGRDB() {
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -1), Date(timeIntervalSince1970: 0.999),
                     Date(timeIntervalSince1970: 951_782_400), Date(timeIntervalSince1970: 4_107_542_399.5),
                     Date(timeIntervalSince1970: -2_208_988_800.25), Date()]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            // Whole milliseconds (what GRDB keeps), from 1700 to 2400.
            let ms = Int64.random(in: -8_520_336_000_000...13_569_465_600_000, using: &generator)
            dates.append(Date(timeIntervalSince1970: Double(ms) / 1000))
        }
        for date in dates {
            #expect(StoreDate.value(date) == date.databaseValue, "\(date.timeIntervalSince1970)")
        }
    }

    @Test("StoreDate reads what GRDB reads, to the bit: its own text by arithmetic, any other value through GRDB")
    func sameDateAsGRDB() {
        var values = ["1970-01-01 00:00:00.000", "1969-12-31 23:59:59.999", "2000-02-29 12:34:56.789",
                      "2100-12-31 23:59:59.500", "1583-01-01 00:00:00.001", "9999-12-31 23:59:59.999",
                      // One bit apart when the fraction was added to the whole seconds at once (CI, 2026-12-08).
                      "2000-12-20 14:48:29.609",
                      // GRDB's (or no) reading of everything else: other forms, impossible days, Julian years.
                      "2024-02-30 00:00:00.000", "2023-02-29 10:00:00.000", "1582-10-20 00:00:00.000",
                      "2024-01-01", "2024-01-01 10:00", "2024-01-01 10:00:00", "2024-01-01T10:00:00.000",
                      "2024-13-01 00:00:00.000", "2024-01-01 24:00:00.000", "2024-01-01 10:00:00,000",
                      "abcd-01-01 00:00:00.000", "+024-01-01 00:00:00.000", ""].map { $0.databaseValue }
        values += [DatabaseValue.null, 1_700_000_000.databaseValue, 1_700_000_000.25.databaseValue]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let ms = Int64.random(in: -8_520_336_000_000...13_569_465_600_000, using: &generator)
            values.append(StoreDate.value(Date(timeIntervalSince1970: Double(ms) / 1000)))
        }
        for value in values {
            let ours = StoreDate.date(value).map { $0.timeIntervalSinceReferenceDate.bitPattern }
            let grdb = Date.fromDatabaseValue(value).map { $0.timeIntervalSinceReferenceDate.bitPattern }
            #expect(ours == grdb, "\(value)")
        }
    }

    @Test("only ids naming digest. reach the digest check, in any case")
    func digestPrefilter() {
        #expect(PostContext.mentionsDigest("<DIGEST.12.list@lists.example>"))
        #expect(PostContext.mentionsDigest("digest.1.x@y"))
        #expect(!PostContext.mentionsDigest("<digest-12@lists.example>"))
        #expect(!PostContext.mentionsDigest("abc@digest"))
        #expect(!PostContext.mentionsDigest(""))
    }
}
