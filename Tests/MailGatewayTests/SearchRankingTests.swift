import Foundation
import GRDB
import MailGatewayCore
import Testing
@testable import MailGateway

/// The ranked page from the best scored candidates (`MessageFTS.rankedCandidates`) against the join over every
/// match (`MessageFTS.rankedJoin`), which was the only way before: the same ids, in the same order, with the same
/// scores, whatever the page size and the ties. Messages that are not accepted are not in the index at all.
@Suite("Archive search ranking")
struct SearchRankingTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    /// 90 messages with "peat": four scores (how often the word comes in the same length of text), two messages per
    /// date (ties in both keys), every third one held (never found); 12 held ones that would score best (the word
    /// in the subject); and 40 accepted ones that all score the same, best: more equal scores than a small page's
    /// candidates, which then cannot prove the page.
    func archive() throws -> TemporaryArchive {
        let archive = try TemporaryArchive()
        let words = ["peat moss loam clay", "peat peat loam clay", "peat peat peat clay", "peat peat peat peat"]
        let all = (0..<90).map { i in
            (i, makeMessage("m\(i)@x", subject: "Note", date: t0 + Double(i / 2), text: "Sample: " + words[i % 4] + "."))
        }
        try archive.pool.archive(all.filter { $0.0 % 3 != 0 }.map(\.1))
        try archive.pool.archive(all.filter { $0.0 % 3 == 0 }.map(\.1), status: .held)
        try archive.pool.archive((0..<12).map { i in
            makeMessage("held\(i)@x", subject: "peat peat", date: t0 + Double(i), text: "Sample: peat moss loam clay.")
        }, status: .held)
        try archive.pool.archive((0..<40).map { i in
            makeMessage("tie\(i)@x", subject: "peat moss", date: t0 + Double(i % 3), text: "Sample: peat moss loam clay.")
        })
        return archive
    }

    @Test("the candidates' page is the join's page, or nil when they cannot prove it")
    func candidatesGiveTheJoinsPage() throws {
        let archive = try archive()
        var proved = 0, refused = 0
        try archive.pool.read { (db: Database) throws in
            for query in ["peat", "moss", "peat clay", "\"peat peat\""] {
                let match = try #require(ArchiveSearch.ftsQuery(query))
                for limit in [1, 2, 3, 5, 8, 13, 20, 30, 45, 60, 100] {
                    let join = try MessageFTS.rankedJoin(db, match: match, filter: .init(limit: limit), limit: limit)
                    let page = try MessageFTS.rankedPage(db, match: match, filter: .init(limit: limit))
                    #expect(page.map(\.id) == join.map(\.id), "\(query) \(limit)")
                    #expect(page.map(\.rank) == join.map(\.rank), "\(query) \(limit)")
                    if let candidates = try MessageFTS.rankedCandidates(db, match: match, limit: limit) {
                        proved += 1
                        #expect(candidates.map(\.id) == join.map(\.id), "\(query) \(limit)")
                    } else {
                        refused += 1
                    }
                }
            }
        }
        // Both ways were taken: pages the candidates prove, and pages left to the join (the 40 equal best scores).
        #expect(proved > 10)
        #expect(refused > 3)
    }
}
