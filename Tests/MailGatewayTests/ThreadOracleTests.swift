import Foundation
import GRDB
import Logging
import Testing
import TestSupport
@testable import MailGateway

/// Threading scored against the consensus of notmuch, mthread and Dovecot REFS on the shared corpora.
@Suite("Threading against the oracles", .enabled(if: Corpora.available, Comment(rawValue: Corpora.absentMessage)))
struct ThreadOracleTests {
    static let exactNotmuchCorpora = ["default", "threading", "broken", "duplicate", "protected-headers", "crypto",
                                      "pkcs7", "mangling", "html", "attachment", "indexing"]

    func notmuchScore(_ name: String) throws -> (ThreadScore, [String: ParsedMessage]) {
        let folder = Corpora.url("notmuch/corpora/\(name)")!
        let raws = try CorpusMail.files(under: folder).map { Array(try Data(contentsOf: $0)) }
        let archive = try TemporaryArchive()
        try archiveCorpus(raws, into: archive.pool)
        let oracle = try ThreadOracle(Corpora.url("notmuch/oracle/\(name).consensus.json")!)
        return (try ThreadScore.compute(name: "notmuch/\(name)", pool: archive.pool, oracle: oracle),
                try archivedThreadingFields(archive.pool))
    }

    @Test(arguments: exactNotmuchCorpora)
    func notmuchCorpusMatchesConsensus(_ name: String) throws {
        let (score, _) = try notmuchScore(name)
        print("[threading score] \(score)")
        #expect(score.keyed > 0)
        #expect(score.partitionEqual, "split \(score.splitGroups), merged \(score.mergedGroups)")
        #expect(score.parentMismatches.isEmpty, "parents differ for \(score.parentMismatches)")
    }

    @Test func ghostRootAndPlaceholderThreads() throws {
        let (score, _) = try notmuchScore("threading")
        #expect(score.partitionEqual)
        // Checked by name as well: the RT ticket replies share a thread through the absent RT-Ticket id only.
        let archive = try TemporaryArchive()
        let folder = Corpora.url("notmuch/corpora/threading/ghost-root")!
        try archiveCorpus(CorpusMail.files(under: folder).map { Array(try Data(contentsOf: $0)) }, into: archive.pool)
        let threads = try archive.pool.threadOf()
        let parents = try archive.pool.parentOf()
        let resolved = threads.keys.first { $0.hasPrefix("rt-4.2.8-6644") }!
        let autoreply = threads.keys.first { $0.hasPrefix("rt-4.2.8-22046") }!
        #expect(threads[resolved] == threads["87bmc6lp3h.fsf@len.workgroup"])
        #expect(threads[autoreply] == threads["87bmc6lp3h.fsf@len.workgroup"])
        #expect(parents["001-fake-message-root@example.org"] == .some("001-child@example.org"))
    }

    /// lkml: duplicates with different References and `References: <yes>`. The consensus keys only 28 of 176
    /// messages; the garbage rule is measured here: with `<yes>` used as a link, unrelated patch series merge.
    @Test func lkmlRobustness() throws {
        let (score, _) = try notmuchScore("lkml")
        print("[threading score] \(score)")
        #expect(score.splitGroups.isEmpty)
        #expect(score.mergedGroups.isEmpty, "merged \(score.mergedGroups)")
        #expect(score.parentMismatches.isEmpty)
        // How many of our threads the `<yes>` messages span (read from the raw headers): with `<yes>` as a link
        // they would all be one.
        let archive = try TemporaryArchive()
        let raws = try CorpusMail.files(under: Corpora.url("notmuch/corpora/lkml")!).map { Array(try Data(contentsOf: $0)) }
        try archiveCorpus(raws, into: archive.pool)
        let threads = try archive.pool.threadOf()
        let yes = raws.enumerated().map { CorpusMail.parsed($1, fallbackID: "\($0)") }
            .filter { $0.references.contains("yes") || $0.inReplyTo.contains("yes") }
        let spanned = Set(yes.compactMap { threads[$0.messageID] })
        print("[threading score] lkml: \(yes.count) files carry <yes>; they belong to \(spanned.count) distinct threads (1 if <yes> were a link)")
        #expect(yes.count >= 20)
        #expect(spanned.count > 1)
    }

    /// Imports the mbox with the real importer (parser, batches) and scores it.
    func loreScore(_ mbox: String, oracle: String) throws -> (ThreadScore, [String: ParsedMessage], DatabasePool, TemporaryArchive) {
        let archive = try TemporaryArchive()
        let started = Date()
        let result = try ArchiveMbox.importMbox(url: Corpora.url(mbox)!, list: "corpus", into: archive.database,
                                                logger: Logger(label: "test.oracle"))
        print("[mbox import] \(mbox): \(result.messages) messages, \(result.inserted) inserted, "
              + "\(result.duplicates) duplicates, \(result.quarantined) quarantined, "
              + String(format: "%.1f s (debug build)", Date().timeIntervalSince(started)))
        #expect(result.quarantined == 0)
        let parsed = try archivedThreadingFields(archive.pool)
        let score = try ThreadScore.compute(name: mbox, pool: archive.pool, oracle: try ThreadOracle(Corpora.url(oracle)!))
        return (score, parsed, archive.pool, archive)
    }

    /// The partition equals the consensus except for groups merged by the subject fallback: each merged group
    /// must contain a reply without usable references (the message the fallback moved), and Dovecot's
    /// `THREAD REFERENCES` (RFC 5256, which merges by subject: the disagreement the READMEs document) must put
    /// both groups in one thread too. Every reference-less reply and its fate is printed for the report.
    func checkLore(_ mbox: String, oracle: String, dovecotReferences: String) throws -> ThreadScore {
        let (score, parsed, pool, archive) = try loreScore(mbox, oracle: oracle)
        _ = archive
        var lines = ["[threading score] \(score)"]
        #expect(score.splitGroups.isEmpty, "split \(score.splitGroups)")
        let consensus = try ThreadOracle(Corpora.url(oracle)!)
        let dovecot = try DovecotThreads(Corpora.url(dovecotReferences)!)
        let threads = try pool.threadOf()
        let referenceless = parsed.values.filter {
            ThreadReferences.chain(messageID: $0.messageID, inReplyTo: $0.inReplyTo, references: $0.references).isEmpty
                && SubjectNormalizer.normalize($0.subject).isReply
        }
        let bySubject = Set(try pool.read { (db: Database) throws in
            try String.fetchAll(db, sql: "SELECT message_id FROM messages WHERE threaded_by_subject = 1")
        })
        let rootOf = try pool.read { (db: Database) throws -> [Int64: String] in
            var out: [Int64: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT t.id, m.message_id FROM threads t JOIN messages m ON m.id = t.root_message") {
                out[row[0]] = row[1]
            }
            return out
        }
        for merged in score.mergedGroups {
            let moved = bySubject.filter { [merged.group, merged.into].contains(consensus.thread[$0]) }
            #expect(!moved.isEmpty, "group \(merged.group) merged into \(merged.into) without a subject-fallback reply")
            #expect(dovecot.thread[merged.group] != nil && dovecot.thread[merged.group] == dovecot.thread[merged.into],
                    "Dovecot REFERENCES keeps \(merged.group) apart from \(merged.into)")
        }
        for m in referenceless.sorted(by: { ($0.date ?? .distantPast) < ($1.date ?? .distantPast) }) {
            let fate = bySubject.contains(m.messageID)
                ? "MOVED by subject into the thread rooted at \(rootOf[threads[m.messageID] ?? 0] ?? "?")"
                : "kept apart (no thread with that base subject active within the 30 days before)"
            lines.append("[reference-less reply] \(mbox): \(m.messageID) \"\(m.subject.prefix(70))\" \(m.date.map { "\($0)" } ?? "-") -> \(fate)")
        }
        #expect(bySubject.isSubset(of: Set(referenceless.map(\.messageID))))
        print(lines.joined(separator: "\n"))
        #expect(score.parentMismatches.isEmpty, "parents differ for \(score.parentMismatches)")
        #expect(try inconsistentThreadFigures(pool).isEmpty)
        return score
    }

    @Test func ksummitMatchesConsensus() throws {
        let score = try checkLore("lore-ksummit/ksummit.mbox.gz", oracle: "lore-ksummit/oracle/ksummit.consensus.json.gz",
                                  dovecotReferences: "lore-ksummit/oracle/ksummit.dovecot-references.json.gz")
        #expect(score.keyed == 3112)
        #expect(score.archiveThreadCount == score.oracleThreadCount - score.mergedGroups.count)
    }

    @Test func usrpUsersMatchesConsensus() throws {
        let score = try checkLore("lore-usrp-users/usrp-users-2022-08_10.mbox.gz",
                                  oracle: "lore-usrp-users/oracle/usrp-users-2022-08_10.consensus.json.gz",
                                  dovecotReferences: "lore-usrp-users/oracle/usrp-users-2022-08_10.dovecot-references.json.gz")
        #expect(score.keyed == 366)
        #expect(score.archiveThreadCount == score.oracleThreadCount - score.mergedGroups.count)
    }

    /// Incremental threading must not depend on arrival order: ksummit imported newest first (nearly every
    /// message arrives before its parent, so placeholders are filled and threads merged all the time) gives the
    /// same partition and the same parents as the consensus, apart from the subject fallback.
    @Test func ksummitInReverseOrder() throws {
        let reader = try MboxReader(url: Corpora.url("lore-ksummit/ksummit.mbox.gz")!)
        var raws: [[UInt8]] = []
        while let m = try reader.next() { raws.append(m.raw) }
        let archive = try TemporaryArchive()
        try archiveCorpus(raws.reversed(), into: archive.pool)
        let oracle = try ThreadOracle(Corpora.url("lore-ksummit/oracle/ksummit.consensus.json.gz")!)
        let score = try ThreadScore.compute(name: "ksummit reversed", pool: archive.pool, oracle: oracle)
        print("[threading score] \(score)")
        #expect(score.splitGroups.isEmpty)
        #expect(score.parentMismatches.isEmpty, "parents differ for \(score.parentMismatches)")
        let bySubject = try archive.pool.read { (db: Database) throws in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM messages WHERE threaded_by_subject = 1")
        }
        #expect(score.mergedGroups.count <= (bySubject ?? 0))
        #expect(try inconsistentThreadFigures(archive.pool).isEmpty)
        try archive.pool.read { (db: Database) throws in
            // Every reference node points to a live thread, and thread figures match their messages.
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM thread_nodes WHERE thread_id NOT IN (SELECT id FROM threads)") == 0)
            #expect(try Int.fetchOne(db, sql: """
                SELECT count(*) FROM threads t WHERE message_count != (SELECT count(*) FROM messages m WHERE m.thread_id = t.id)
                """) == 0)
        }
    }
}
