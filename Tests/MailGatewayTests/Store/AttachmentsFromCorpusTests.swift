import Crypto
import Foundation
import GRDB
import MailGatewayCore
import TestSupport
import Testing
@testable import MailGateway

/// Real mail no one here wrote: every attachment the archive describes is read back, decoded again from the raw
/// message, to the bytes its hash names (nothing is kept in `blobs` since archive-v4).
@Suite("Attachments decoded again from real mail", .enabled(if: Corpora.available, Comment(rawValue: Corpora.absentMessage)))
struct AttachmentsFromCorpusTests {
    @Test("every attachment of the mimekit and notmuch attachment corpora reads back to its hash",
          arguments: ["mimekit/messages", "notmuch/corpora/attachment"])
    func everyAttachmentReadsBack(_ corpus: String) throws {
        let raws = try CorpusMail.files(under: Corpora.url(corpus)!).map { Array(try Data(contentsOf: $0)) }
        let archive = try TemporaryArchive()
        try archiveCorpus(raws, into: archive.pool)
        try archive.pool.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM blobs") == 0)
            let described = try Row.fetchAll(db, sql: "SELECT DISTINCT sha256, size FROM attachments")
            #expect(!described.isEmpty, "\(corpus): no attachment archived")
            for row in described {
                let sha: String = row["sha256"]
                let data = try #require(try ArchiveQueries.attachmentData(db, sha256: sha), "\(corpus): \(sha) not read back")
                #expect(LowercaseHex.string(SHA256.hash(data: data)) == sha)
                #expect(data.count == row["size"] as Int)
            }
        }
    }
}
