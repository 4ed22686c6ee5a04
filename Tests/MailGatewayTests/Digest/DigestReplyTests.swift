import Digest
import Foundation
import GRDB
import Logging
import Testing
@testable import MailGateway
import TestSupport

/// Replies to a digest: one to the digest as a whole is not distributed and its author is told, in their language,
/// how to answer one message; one made from an item's Reply link threads under that post and goes out.
@Suite("Digest replies")
struct DigestReplyTests {
    func process(_ world: DigestRunTests.World, _ raw: [UInt8], at: String) throws -> IngestOutcome {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return try world.gateway.database.pool.write { db in
            try world.gateway.pipeline.process(db, list: world.list, raw: raw, fallbackDate: nil, source: .import,
                                               now: DigestRunTests.utc(at), logger: logger)
        }
    }

    /// Recipients and purposes of the outbox copies of archived message `row`.
    func copies(_ world: DigestRunTests.World, of row: Int64) throws -> [String] {
        try world.gateway.database.pool.read { db in
            try String.fetchAll(db, sql: "SELECT purpose || ' ' || recipient FROM outbox WHERE message_id = ? ORDER BY id",
                                arguments: [row])
        }
    }

    /// The body of the notice answering archived message `row`, soft line breaks of quoted-printable removed.
    func notice(_ world: DigestRunTests.World, of row: Int64) throws -> String {
        let notice = try world.gateway.database.pool.read { db in
            try Data.fetchOne(db, sql: """
                SELECT b.bytes FROM outbox o JOIN outbox_body b ON b.id = o.body_id WHERE o.message_id = ?
                """, arguments: [row])
        }
        return String(decoding: try #require(notice), as: UTF8.self).replacingOccurrences(of: "=\r\n", with: "")
    }

    /// The first value of header `name` in the header of Wanjiru's digest.
    func digestHeader(_ world: DigestRunTests.World, _ name: String) throws -> String {
        let header = try world.gateway.database.pool.read { db in
            try Data.fetchOne(db, sql: """
                SELECT header_prefix FROM outbox WHERE purpose LIKE 'digest:%' AND recipient = 'wanjiru@kalro.example'
                """)
        }
        let text = String(decoding: try #require(header), as: UTF8.self)
        let line = try #require(text.components(separatedBy: "\r\n").first { $0.hasPrefix("\(name): ") })
        return String(line.dropFirst(name.count + 2))
    }

    @Test("a reply to a whole digest is not distributed; its author is told how to answer one message; a reply from an item's link threads and goes out")
    func replies() throws {
        let world = try DigestRunTests.World()
        defer { try? FileManager.default.removeItem(at: world.dir) }
        try world.post("a@inrae.example", subject: "Protocole", at: "2026-03-02T10:00:00Z")
        let run = DigestRun(config: world.gateway.config,
                            renderer: try DigestRenderer(templatesDirectory: world.gateway.config.templatesDirectory))
        try run.run(world.gateway.database.pool, at: DigestRunTests.utc("2026-03-03T04:30:00Z"))
        let digestID = try digestHeader(world, "Message-ID")
        let digestSubject = try digestHeader(world, "Subject")
        #expect(digestID.hasPrefix("<digest.") && digestSubject.contains("Digest 1,"))

        // Wanjiru (English) answers the digest itself, the whole digest quoted.
        let whole = try process(world, TestMail.message(
            id: "whole@kalro.example", from: "Wanjiru Kamau <wanjiru@kalro.example>", subject: "Re: " + digestSubject,
            inReplyTo: String(digestID.dropFirst().dropLast()), body: "Thanks!\r\n\r\n> Protocole\r\n> Bonjour\r\n"),
            at: "2026-03-03T06:00:00Z")
        guard case let .archived(wholeRow, _, decision) = whole else { Issue.record("\(whole)"); return }
        #expect(decision.action == .reject && decision.reason == .replyToDigest && decision.rule == "digest-reply")
        #expect(try copies(world, of: wholeRow) == ["notice:reply-to-digest wanjiru@kalro.example"],
                "no member gets it; its author gets one notice")
        let noticeText = try self.notice(world, of: wholeRow)
        #expect(noticeText.contains("To answer one message of the digest, use the \"Reply\" link"))
        #expect(noticeText.contains("college-research@lists.example.org"))

        // Rosa (Spanish) answers with the digest's subject only (her client dropped the references).
        let bySubject = try process(world, TestMail.message(
            id: "subject@inia.example", from: "Rosa Quispe <rosa@inia.example>", subject: "RE: " + digestSubject,
            body: "Gracias\r\n"), at: "2026-03-03T13:00:00Z")
        guard case let .archived(subjectRow, _, subjectDecision) = bySubject else { Issue.record("\(bySubject)"); return }
        #expect(subjectDecision.reason == .replyToDigest)
        #expect(try copies(world, of: subjectRow) == ["notice:reply-to-digest rosa@inia.example"])
        #expect(try notice(world, of: subjectRow).contains("Para responder a un mensaje del resumen"), "in her language")

        // Wanjiru answers one post from its Reply link: In-Reply-To and References name the post.
        let threadOfA = try world.gateway.database.pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT thread_id FROM messages WHERE message_id = 'a@inrae.example'")
        }
        let item = try process(world, TestMail.message(
            id: "item@kalro.example", from: "Wanjiru Kamau <wanjiru@kalro.example>", subject: "Re: Protocole",
            inReplyTo: "a@inrae.example", references: ["a@inrae.example"], body: "Agreed.\r\n"),
            at: "2026-03-03T06:10:00Z")
        guard case let .archived(itemRow, itemThread, itemDecision) = item else { Issue.record("\(item)"); return }
        #expect(itemDecision.action == .accept)
        #expect(itemThread == threadOfA, "it threads under the post")
        #expect(try copies(world, of: itemRow).contains("post amelie@ird.example"), "and goes to the list")
    }

    @Test("digest Message-IDs and subjects are recognised, other lists' and look-alikes are not")
    func facts() {
        let lists = [ListConfig(id: "college-research", kind: .college, college: .research,
                                name: LocalizedName(fr: "Recherche", en: "Research"),
                                address: "college-research@lists.example.org", language: .fr,
                                mailbox: MailboxConfig(user: "r", passwordEnv: "X"))]
        func message(subject: String, refs: [String] = []) -> ParsedMessage {
            ParsedMessage(messageID: "x@b.example", references: refs, subject: subject,
                          from: [MailAddress(address: "a@b.example")])
        }
        for id in ["digest.12.college-research@lists.example.org", "<digest.7.college-research.2@lists.example.org>"] {
            #expect(PostContext.repliesToDigest(message(subject: "Hello", refs: ["p@x.org", id]), lists: lists), "\(id)")
        }
        for id in ["digest.12.college-research@other.example", "digest.12.college-research-x@lists.example.org",
                   "digest.preview.college-research@lists.example.org", "digest-12@lists.example.org"] {
            #expect(!PostContext.repliesToDigest(message(subject: "Hello", refs: [id]), lists: lists), "\(id)")
        }
        #expect(PostContext.repliesToDigest(message(subject: "Re: [Recherche] Digest 42, 6 December 2026"), lists: lists))
        #expect(PostContext.repliesToDigest(message(subject: "RE: [Recherche] Resumen 3, 6 de diciembre de 2026"), lists: lists))
        #expect(!PostContext.repliesToDigest(message(subject: "[Recherche] Digest 42, 6 December 2026"), lists: lists),
                "not a reply")
        #expect(!PostContext.repliesToDigest(message(subject: "Re: Digest of soil data, 2026"), lists: lists))
        // Any ASCII case and white space: the subject is normalized only when it names `digest` or `resumen`.
        #expect(PostContext.repliesToDigest(message(subject: "re:\t[Recherche]  dIGEST\t42, 6 December"), lists: lists))
        #expect(PostContext.repliesToDigest(message(subject: "AW: RESUMEN 3, diciembre"), lists: lists))
        #expect(!PostContext.repliesToDigest(message(subject: "Re: [Recherche] Dige st 42, 6 December"), lists: lists))
        #expect(HeaderScan.containsIgnoringCase("a DiGeSt.", "digest.") && !HeaderScan.containsIgnoringCase("diges", "digest"))
    }
}
