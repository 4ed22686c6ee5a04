import Foundation
import GRDB
import Testing
@testable import MailGateway

@Suite("Archive search")
struct SearchTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func populated() throws -> TemporaryArchive {
        let archive = try TemporaryArchive()
        try archive.pool.archive([
            makeMessage("body@x", subject: "Weekly notes", from: "bob@example.org", name: "Bob", date: t0,
                        text: "We met at the café near the station to discuss soil carbon."),
            makeMessage("subj@x", subject: "Café meeting", from: "carol@example.org", name: "Carol", date: t0 + 10,
                        text: "See you there."),
            makeMessage("other@x", subject: "Budget", from: "dave@example.org", name: "Dave", date: t0 + 20,
                        text: "Numbers for \"next\" year: soil, water."),
        ])
        try archive.pool.archive([
            makeMessage("elsewhere@x", subject: "café elsewhere", date: t0 + 30, text: "café"),
        ], list: "other-list")
        try archive.pool.archive([
            makeMessage("held@x", subject: "café held", date: t0 + 40, text: "café"),
        ], status: .held)
        return archive
    }

    @Test func accentFoldingAndSubjectRanksFirst() throws {
        let archive = try populated()
        let hits = try archive.pool.read { try ArchiveSearch.search($0, query: "cafe", filter: .init(list: "test-list")) }
        #expect(hits.map(\.messageID) == ["subj@x", "body@x"])
        #expect(hits[0].snippet.contains("«Café»"))
        #expect(hits[1].snippet.contains("«café»"))
    }

    @Test func filtersListSenderAndDate() throws {
        let archive = try populated()
        try archive.pool.read { (db: Database) throws in
            let all = try ArchiveSearch.search(db, query: "café")
            #expect(Set(all.map(\.messageID)) == ["subj@x", "body@x", "elsewhere@x"])  // held one excluded
            #expect(try ArchiveSearch.search(db, query: "cafe", filter: .init(fromAddress: "BOB@example.org")).map(\.messageID) == ["body@x"])
            #expect(try ArchiveSearch.search(db, query: "cafe", filter: .init(since: t0 + 5)).map(\.messageID).sorted()
                    == ["elsewhere@x", "subj@x"])
            #expect(try ArchiveSearch.search(db, query: "carol").map(\.messageID) == ["subj@x"])  // author column
        }
    }

    @Test func phrasesAndHostileInputNeverError() throws {
        let archive = try populated()
        try archive.pool.read { (db: Database) throws in
            #expect(try ArchiveSearch.search(db, query: "\"soil carbon\"").map(\.messageID) == ["body@x"])
            #expect(try ArchiveSearch.search(db, query: "\"carbon soil\"").isEmpty)
            #expect(try ArchiveSearch.search(db, query: "soil").count == 2)
            #expect(try ArchiveSearch.search(db, query: "bud*").map(\.messageID) == ["other@x"])
            for hostile in ["\"", "AND", "soil OR", "NEAR(", "col:umn", "*", "-soil", "(", "'; DROP TABLE messages; --",
                            "\"unterminated soil", "^soil", "soil\"\"carbon", "{subject}: x", ""] {
                _ = try ArchiveSearch.search(db, query: hostile)
            }
            #expect(try ArchiveSearch.search(db, query: "AND").isEmpty)
            #expect(try ArchiveSearch.search(db, query: "\"unterminated soil").map(\.messageID) == [])
        }
    }

    @Test("each hit of a page carries its own snippet, the page cut from more matches than it holds")
    func snippetsFollowTheirHits() throws {
        let archive = try TemporaryArchive()
        // Twelve matches: "peat" once in every body, and a word of each message's own (w0 … w11) beside it.
        try archive.pool.archive((0..<12).map { i in
            makeMessage("peat\(i)@x", subject: "Note \(i)", date: t0 + Double(i),
                        text: "Filler words here. The peat sample w\(i) was dried. More filler after it.")
        })
        let hits = try archive.pool.read { try ArchiveSearch.search($0, query: "peat", filter: .init(limit: 5)) }
        #expect(hits.count == 5)
        for hit in hits {
            let i = try #require(hit.messageID.dropFirst(4).split(separator: "@").first)
            #expect(hit.snippet.contains("«peat» sample w\(i) "), "\(hit.messageID): \(hit.snippet)")
        }
        // Equal BM25 scores: latest first.
        #expect(hits.map(\.messageID) == ["peat11@x", "peat10@x", "peat9@x", "peat8@x", "peat7@x"])
    }

    @Test("a quote followed by a combining mark opens a phrase like any other: never FTS5 syntax of the user's")
    func quotesAreReadByScalars() throws {
        // `"` + U+0301 is one Character: read by Characters, it was neither a phrase mark nor doubled.
        #expect(ArchiveSearch.ftsQuery("x\"\u{301}y") == "\"x\" \"\u{301}y\"")
        #expect(ArchiveSearch.ftsQuery("\"a\"\u{301} OR subject:b\"\u{301} c\"") == "\"a\" \"\u{301}\" \"OR\" \"subject:b\" \"\u{301} c\"")
        let archive = try populated()
        try archive.pool.read { (db: Database) throws in
            for hostile in ["x\"\u{301}y", "\"soil\"\u{301} OR subject:budget\"\u{301} carbon\"", "\u{301}\"\u{301}\""] {
                _ = try ArchiveSearch.search(db, query: hostile)
            }
            // The phrase still reads as one: "soil carbon" is found, the would-be column filter is only words.
            #expect(try ArchiveSearch.search(db, query: "\"soil carbon\"\u{301}").map(\.messageID) == ["body@x"])
        }
    }

    @Test("a page larger than SQLite's bound-variable slices keeps every hit with its own snippet")
    func largePagesAreReadInSlices() throws {
        let archive = try TemporaryArchive()
        try archive.pool.archive((0..<1_050).map { i in
            makeMessage("loam\(i)@x", subject: "Sample \(i)", date: t0 + Double(i), text: "The loam sample w\(i) was sieved.")
        })
        let hits = try archive.pool.read { try ArchiveSearch.search($0, query: "loam", filter: .init(limit: 5_000)) }
        #expect(hits.count == 1_050)
        #expect(Set(hits.map(\.messageID)).count == 1_050)
        for hit in hits {
            let i = try #require(hit.messageID.dropFirst(4).split(separator: "@").first)
            #expect(hit.snippet.contains("sample w\(i) "), "\(hit.messageID): \(hit.snippet)")
            #expect(hit.date == t0 + Double(Int(i)!))
        }
    }
}
