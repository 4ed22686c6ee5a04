import Foundation
import GRDB
import Testing
@testable import MailGateway
import TestSupport

/// Moderation by email through the ingest pipeline (issue 10): a moderator's plain Reply to the request
/// (`college-research+confirm.<token>@`), as Gmail, Outlook and Thunderbird build it, decides the hold and is
/// answered; late, unclear and non-moderator replies are answered and change nothing; "approve and accept the
/// sender" lets the author's next post through; mail to the owner address reaches the moderators, never the list.
@Suite("Moderation by email")
struct ModerationByEmailTests {
    let base = IngestPipelineTests()

    /// The token of a request's `Reply-To: …+confirm.<token>@`.
    static func replyToken(in text: String) -> String? {
        guard let range = text.range(of: "+confirm.") else { return nil }
        let token = String(text[range.upperBound...].prefix(ConfirmationToken.length))
        return ConfirmationToken(token) == nil ? nil : token
    }

    /// A gateway (Amélie moderates college-research) with a stranger's post held; its hold id and request token.
    func held(nonMember: NonMemberAction = .hold) throws -> (Gateway, URL, Int64, String) {
        let (gateway, dir) = try base.makeGateway(nonMember: nonMember)
        let outcome = try base.process(gateway, list: "college-research", TestMail.message(
            id: "offer@elsewhere.example", from: "Un Inconnu <someone@elsewhere.example>", subject: "Offre de stage"))
        guard case .archived(let row, _, let decision) = outcome, decision.action == .hold else {
            throw ArchiveError("not held: \(outcome)")
        }
        let hold = try #require(try gateway.database.pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM holds WHERE message_id = ?", arguments: [row])
        })
        return (gateway, dir, hold, try base.queuedToken(gateway))
    }

    func reply(_ id: String, from: String = "Amélie Nguyen <amelie@ird.example>", token: String, body: String,
               extraHeaders: [String] = []) -> [UInt8] {
        TestMail.message(id: id, from: from, to: "college-research+confirm.\(token)@lists.example.org",
                         subject: "RE: [college-research] Offre de stage — Un Inconnu (\(token))", body: body,
                         extraHeaders: extraHeaders)
    }

    func holdStatus(_ gateway: Gateway, _ id: Int64) throws -> String? {
        try gateway.database.pool.read { db in
            try String.fetchOne(db, sql: "SELECT status || ' ' || coalesce(decided_by, '') FROM holds WHERE id = ?", arguments: [id])
        }
    }

    /// The notices of one kind in the outbox: recipient and parsed message.
    func notices(_ gateway: Gateway, _ kind: NoticeKind) throws -> [(String, ParsedMessage)] {
        try gateway.database.pool.read { db in
            try GRDB.Row.fetchAll(db, sql: """
                SELECT o.recipient, b.bytes FROM outbox o JOIN outbox_body b ON b.id = o.body_id
                WHERE o.purpose = ? ORDER BY o.id
                """, arguments: ["notice:\(kind.rawValue)"]).map {
                let bytes: Data = $0["bytes"]
                return ($0["recipient"], try MessageParser.parse([UInt8](bytes)))
            }
        }
    }

    func posts(_ gateway: Gateway) throws -> [String] {
        try base.outbox(gateway).filter { $0.purpose == "post" }.map(\.recipient).sorted()
    }

    static let quotedRequest = """
        Bonjour Amélie,

        Un message adressé à la liste college-research attend votre décision.
        - approuver : le message est diffusé ;
        - rejeter : le message n'est pas diffusé
        """

    /// The same answer, "Bonjour, / approuver / Cordialement", as three mail clients build the reply.
    static let clientReplies: [(String, String)] = [
        ("Gmail", "Bonjour,\r\n\r\napprouver\r\n\r\nCordialement\r\nAmélie\r\n\r\n"
            + "On Wed, Nov 25, 2026 at 10:05 AM college-research <college-research+owner@lists.example.org> wrote:\r\n\r\n"
            + quotedRequest.split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }.joined(separator: "\r\n")),
        ("Outlook fr", "Bonjour,\r\n\r\napprouver\r\n\r\nCordialement\r\n\r\n________________________________\r\n"
            + "De : college-research <college-research+owner@lists.example.org>\r\nEnvoyé : mercredi 25 novembre 2026 10:05\r\n"
            + "À : Amélie Nguyen <amelie@ird.example>\r\nObjet : [college-research] Offre de stage\r\n\r\n"
            + quotedRequest.replacingOccurrences(of: "\n", with: "\r\n")),
        ("Outlook en", "Bonjour,\r\n\r\napprouver\r\n\r\nCordialement\r\n\r\n"
            + "From: college-research <college-research+owner@lists.example.org>\r\nSent: Wednesday, November 25, 2026 10:05 AM\r\n"
            + "To: Amélie Nguyen <amelie@ird.example>\r\nSubject: [college-research] Offre de stage\r\n\r\n"
            + quotedRequest.replacingOccurrences(of: "\n", with: "\r\n")),
        ("Thunderbird", "Bonjour,\r\n\r\napprouver\r\n\r\nCordialement\r\n\r\n"
            + "Le 25/11/2026 à 10:05, college-research a écrit :\r\n"
            + quotedRequest.split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }.joined(separator: "\r\n")),
    ]

    @Test("a plain Reply (greeting first, the request quoted below) approves through +confirm.<token>@", arguments: 0..<4)
    func clientReplyApproves(client: Int) throws {
        let (name, body) = Self.clientReplies[client]
        let (gateway, dir, hold, token) = try held()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = try base.process(gateway, list: "college-research", reply("r-\(client)@ird.example", token: token, body: body))
        guard case .moderatorReply(let id, true, "approve") = outcome else { Issue.record("\(name): \(outcome)"); return }
        #expect(id == hold)
        #expect(try holdStatus(gateway, hold) == "approved amelie@ird.example", "\(name)")
        #expect(try posts(gateway) == ["amelie@ird.example", "helene@inrae.example"], "\(name)")
        // One answer to the moderator, in French, from the owner address, null sender, auto-replied.
        let answers = try notices(gateway, .moderationApproved)
        try #require(answers.count == 1, "\(name)")
        let (recipient, answer) = answers[0]
        #expect(recipient == "amelie@ird.example")
        #expect(answer.subject == "Approuvé\u{00A0}: Offre de stage (college-research)")
        #expect(answer.text?.contains("approuvé et envoyé à 2 membre(s) de la liste college-research") == true, "\(answer.text ?? "")")
        #expect(answer.from.first?.address == "college-research+owner@lists.example.org")
        #expect(answer.header("Auto-Submitted") == "auto-replied")
        #expect(answer.header("In-Reply-To") == "<r-\(client)@ird.example>")
        #expect(try base.outbox(gateway).first { $0.purpose == "notice:moderation-approved" }?.envelope == "")
        // The token is spent.
        let used = try gateway.database.pool.read { db in
            try Confirmations.look(db, token: try #require(ConfirmationToken(token)), now: Date())
        }
        guard case .failure(.used(let record)) = used else { Issue.record("\(used)"); return }
        #expect(record.usedBy == "amelie@ird.example")
    }

    @Test("\"Ok, je regarde demain\" approves nothing: answered with the words to use; a later \"rejeter : hors sujet\" rejects")
    func okIsNotAnApproval() throws {
        let (gateway, dir, hold, token) = try held()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = try base.process(gateway, list: "college-research",
                                       reply("ok@ird.example", token: token, body: "Ok, je regarde demain\r\n\r\nAmélie\r\n"))
        guard case .moderatorReply(_, false, _) = outcome else { Issue.record("\(outcome)"); return }
        #expect(try holdStatus(gateway, hold) == "pending ")
        #expect(try posts(gateway).isEmpty)
        let answers = try notices(gateway, .moderationNotUnderstood)
        try #require(answers.count == 1)
        #expect(answers[0].1.text?.contains("la première ligne était «\u{00A0}Ok, je regarde demain\u{00A0}»") == true, "\(answers[0].1.text ?? "")")
        #expect(answers[0].1.text?.contains("- approuver et accepter l'expéditeur") == true)
        // The token still works.
        let rejected = try base.process(gateway, list: "college-research",
                                        reply("no@ird.example", token: token, body: "Bonjour,\r\nrejeter : hors sujet\r\n"))
        guard case .moderatorReply(_, true, "reject") = rejected else { Issue.record("\(rejected)"); return }
        #expect(try holdStatus(gateway, hold) == "rejected amelie@ird.example")
        let told = try notices(gateway, .rejectedByModerator)
        #expect(told.map(\.0) == ["someone@elsewhere.example"])
        #expect(try notices(gateway, .moderationRejected).first?.1.text?.contains("avec votre raison\u{00A0}: hors sujet") == true)
    }

    @Test("a second moderator's late reply is answered \"already decided by X at T\", in their language; nothing more is sent")
    func secondModeratorIsTooLate() throws {
        let (gateway, dir, hold, token) = try held()
        defer { try? FileManager.default.removeItem(at: dir) }
        let directory = MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
        _ = try directory.setMember(listID: "college-research", address: "jose@cirad.example", role: .moderator)
        _ = try base.process(gateway, list: "college-research", reply("first@ird.example", token: token, body: "approve\r\n"))
        let copies = try posts(gateway)
        #expect(copies.count == 2)
        let late = try base.process(gateway, list: "college-research", reply(
            "late@cirad.example", from: "José Martínez <jose@cirad.example>", token: token, body: "Hola,\r\n\r\nrechazar\r\n"))
        guard case .moderatorReply(_, false, let detail) = late else { Issue.record("\(late)"); return }
        #expect(detail == "already approved")
        #expect(try holdStatus(gateway, hold) == "approved amelie@ird.example")
        #expect(try posts(gateway) == copies, "nothing sent again")
        #expect(try notices(gateway, .rejectedByModerator).isEmpty)
        let answers = try notices(gateway, .moderationAlreadyDecided)
        try #require(answers.count == 1)
        #expect(answers[0].0 == "jose@cirad.example")
        #expect(answers[0].1.subject == "Ya decidido: Offre de stage (college-research)")
        let text = answers[0].1.text ?? ""
        #expect(text.contains("ya había sido aprobado por amelie@ird.example el "), "\(text)")
        #expect(text.contains(" de 20"), "a Spanish date: \(text)")
    }

    @Test("a reply after a CLI decision is answered \"already decided from the command line\"")
    func decidedByTheCLI() throws {
        let (gateway, dir, hold, token) = try held()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try gateway.decideHold(hold, action: .discard, reason: nil, by: "cli:sophie")
        _ = try base.process(gateway, list: "college-research", reply("after@ird.example", token: token, body: "approuver\r\n"))
        #expect(try posts(gateway).isEmpty)
        let text = try notices(gateway, .moderationAlreadyDecided).first?.1.text ?? ""
        #expect(text.contains("avait déjà été supprimé en ligne de commande (sophie) le "), "\(text)")
    }

    @Test("a non-moderator's reply decides nothing; they are told once a day; an auto-reply is never answered")
    func nonModeratorAndAutoReply() throws {
        let (gateway, dir, hold, token) = try held()
        defer { try? FileManager.default.removeItem(at: dir) }
        for n in 1...2 {
            let outcome = try base.process(gateway, list: "college-research", reply(
                "h\(n)@inrae.example", from: "Hélène Dubois <helene@inrae.example>", token: token, body: "approuver\r\n"))
            guard case .moderatorReply(_, false, "not a moderator of the list") = outcome else { Issue.record("\(outcome)"); return }
        }
        #expect(try holdStatus(gateway, hold) == "pending ")
        #expect(try posts(gateway).isEmpty)
        let told = try notices(gateway, .moderationNotAModerator)
        #expect(told.map(\.0) == ["helene@inrae.example"], "one answer a day")
        #expect(told.first?.1.subject == "Vous ne modérez pas la liste college-research")
        // The moderator's own vacation message: refused by the sender checks, never answered.
        let before = try base.outbox(gateway).count
        let auto = try base.process(gateway, list: "college-research", reply(
            "ooo@ird.example", token: token, body: "approuver\r\n", extraHeaders: ["Auto-Submitted: auto-replied"]))
        guard case .moderatorReply(nil, false, _) = auto else { Issue.record("\(auto)"); return }
        #expect(try base.outbox(gateway).count == before)
        #expect(try holdStatus(gateway, hold) == "pending ")
    }

    @Test("\"approuver et accepter l'expéditeur\": the post goes out and the author's next post to that list is accepted")
    func approveAndAcceptTheSender() throws {
        let (gateway, dir, hold, token) = try held()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = try base.process(gateway, list: "college-research", reply(
            "accept@ird.example", token: token, body: "Bonjour,\r\n\r\napprouver et accepter l'expéditeur\r\n"))
        guard case .moderatorReply(_, true, "approve") = outcome else { Issue.record("\(outcome)"); return }
        #expect(try holdStatus(gateway, hold) == "approved amelie@ird.example")
        #expect(try notices(gateway, .moderationApproved).first?.1.text?
            .contains("Les prochains messages de someone@elsewhere.example à la liste college-research seront acceptés") == true)
        let next = try base.process(gateway, list: "college-research", TestMail.message(
            id: "next@elsewhere.example", from: "Un Inconnu <Someone@Elsewhere.example>", subject: "Deuxième offre"))
        guard case .archived(_, _, let decision) = next else { Issue.record("\(next)"); return }
        #expect(decision.action == .accept, "\(decision)")
        // Only that address, only that list.
        let other = try base.process(gateway, list: "college-research", TestMail.message(
            id: "other@elsewhere.example", from: "Another <another@elsewhere.example>", subject: "Autre"))
        guard case .archived(_, _, let otherDecision) = other else { Issue.record("\(other)"); return }
        #expect(otherDecision.action == .hold)
        let elsewhere = try base.process(gateway, list: "interface-knowledge", TestMail.message(
            id: "elsewhere@elsewhere.example", from: "Un Inconnu <someone@elsewhere.example>",
            to: "interface-knowledge@lists.example.org", subject: "Ailleurs"))
        guard case .archived(_, _, let elsewhereDecision) = elsewhere else { Issue.record("\(elsewhere)"); return }
        #expect(elsewhereDecision.action != .accept)
    }

    @Test("a Reply to the owner address (From) with the token at the end of the subject decides as well")
    func replyToTheOwnerAddress() throws {
        let (gateway, dir, hold, token) = try held()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = try base.process(gateway, list: "college-research", TestMail.message(
            id: "owner-reply@ird.example", from: "Amélie Nguyen <amelie@ird.example>",
            to: "college-research+owner@lists.example.org",
            subject: "TR: RE: [college-research] Offre de stage — Un Inconnu (\(token.uppercased()))", body: "discard\r\n"))
        guard case .moderatorReply(_, true, "discard") = outcome else { Issue.record("\(outcome)"); return }
        #expect(try holdStatus(gateway, hold) == "discarded amelie@ird.example")
        #expect(try notices(gateway, .moderationDiscarded).count == 1)
    }

    @Test("a request already in flight (HMAC MOD token in the subject) still decides, by mail to the owner address")
    func legacyTokenStillWorks() throws {
        let (gateway, dir, hold, _) = try held()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = try #require(gateway.pipeline.moderationKey)
        let row = try #require(try gateway.database.pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT message_id FROM holds WHERE id = ?", arguments: [hold])
        })
        let (_, legacy) = try gateway.database.pool.write { db in
            try ModerationQueue.hold(messageRowID: row, listID: "college-research", reason: .nonMember, rule: "sender-identity",
                                     now: Date(), lifetimeDays: 7, key: key, in: db)
        }
        // A forged one (right shape, wrong MAC) is owner mail, forwarded, not a decision.
        let forged = "MOD-\(hold)-\(legacy.expirySeconds)-0123456789abcdef0123456789abcdef"
        let forward = try base.process(gateway, list: "college-research", TestMail.message(
            id: "forged@ird.example", from: "Amélie Nguyen <amelie@ird.example>", to: "college-research-owner@lists.example.org",
            subject: "Re: [\(forged)] À modérer", body: "approve\r\n"))
        guard case .routed(_, "owner", _) = forward else { Issue.record("\(forward)"); return }
        #expect(try holdStatus(gateway, hold) == "pending ")
        let outcome = try base.process(gateway, list: "college-research", TestMail.message(
            id: "legacy@ird.example", from: "Amélie Nguyen <amelie@ird.example>", to: "college-research-owner@lists.example.org",
            subject: "Re: [\(legacy)] À modérer pour college-research : Offre de stage", body: "Bonjour,\r\n\r\napprove\r\n"))
        guard case .moderatorReply(_, true, "approve") = outcome else { Issue.record("\(outcome)"); return }
        #expect(try holdStatus(gateway, hold) == "approved amelie@ird.example")
        #expect(try notices(gateway, .moderationApproved).count == 1)
    }

    @Test("an HTML-only reply (Outlook's HTML mode, greeting first) approves")
    func htmlOnlyReply() throws {
        let (gateway, dir, hold, token) = try held()
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = Array("""
            From: Amélie Nguyen <amelie@ird.example>\r
            To: college-research <college-research+confirm.\(token)@lists.example.org>\r
            Subject: RE: Offre de stage\r
            Message-ID: <html@ird.example>\r
            Date: Wed, 25 Nov 2026 10:10:00 +0100\r
            MIME-Version: 1.0\r
            Content-Type: text/html; charset=utf-8\r
            \r
            <html><body><p>Bonjour,</p><p>approuver</p><p>Cordialement</p><hr>\r
            <p><b>De :</b> college-research &lt;college-research+owner@lists.example.org&gt;<br>\r
            <b>Envoyé :</b> mercredi 25 novembre 2026 10:05</p><p>- rejeter : le message n'est pas diffusé</p>\r
            </body></html>\r

            """.utf8)
        let outcome = try base.process(gateway, list: "college-research", raw)
        guard case .moderatorReply(_, true, "approve") = outcome else { Issue.record("\(outcome)"); return }
        #expect(try holdStatus(gateway, hold) == "approved amelie@ird.example")
    }

    @Test("the CLI's approve --accept-sender: approved, and the author's next post accepted")
    func cliAcceptSender() throws {
        let (gateway, dir, hold, _) = try held()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try gateway.decideHold(hold, action: .approve, reason: nil, by: "cli:sophie", acceptSender: true)
        #expect(try holdStatus(gateway, hold) == "approved cli:sophie")
        let next = try base.process(gateway, list: "college-research", TestMail.message(
            id: "next@elsewhere.example", from: "Un Inconnu <someone@elsewhere.example>", subject: "Encore"))
        guard case .archived(_, _, let decision) = next else { Issue.record("\(next)"); return }
        #expect(decision.action == .accept)
    }
}
