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

    @Test("only ids naming digest. reach the digest check, in any case")
    func digestPrefilter() {
        #expect(PostContext.mentionsDigest("<DIGEST.12.list@lists.example>"))
        #expect(PostContext.mentionsDigest("digest.1.x@y"))
        #expect(!PostContext.mentionsDigest("<digest-12@lists.example>"))
        #expect(!PostContext.mentionsDigest("abc@digest"))
        #expect(!PostContext.mentionsDigest(""))
    }
}
