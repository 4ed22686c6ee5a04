import Foundation
import GRDB
import Testing
@testable import MailGateway
import TestSupport

/// AN-2 on a real SQLite file: a poster's post without a trusted aligned pass goes out only once the poster
/// confirms the preview mailed to their own address.
@Suite("Announcement poster confirmation")
struct AnnouncementConfirmationTests {
    let base = AnnouncementTests()
    static let secretariat = AnnouncementTests.secretariat
    static let members = ["amelie@ird.example", "ana@individual.example", "helene@inrae.example",
                          "jose@cirad.example", "olivia@soilfund.example"]

    /// The secretariat's announcement, with no Authentication-Results the gateway trusts.
    static func announcement(id: String = "an1@4p1000.example", extra: [String] = []) -> [UInt8] {
        TestMail.message(id: id, from: "Secrétariat <\(secretariat)>", to: "announce@lists.example.org",
                         subject: "Assemblée générale 2027", body: "Chers partenaires,\r\nl'assemblée aura lieu le 3 mars.\r\n",
                         extraHeaders: ["Reply-To: <attacker@evil.example>"] + extra)
    }

    /// The preview notice to the secretariat and the confirmation address in its Reply-To.
    func preview(_ gateway: Gateway) throws -> (text: String, confirm: String) {
        let text = try base.text(gateway, to: Self.secretariat, purpose: "notice:poster-preview")
        // The notice's own Reply-To (folded after the display name) comes before the attached copy's.
        let header = String(text[..<(text.range(of: "\r\n\r\n")?.lowerBound ?? text.endIndex)])
        let match = try #require(header.firstMatch(of: /Reply-To:[^<]*<(announce\+confirm\.[a-z0-9]+@lists\.example\.org)>/))
        return (text, String(match.1))
    }

    func holdStatus(_ gateway: Gateway) throws -> String? {
        try gateway.database.pool.read { db in try String.fetchOne(db, sql: "SELECT status FROM holds") }
    }

    func posts(_ gateway: Gateway) throws -> [String] {
        try base.outbox(gateway).filter { $0.purpose == "post" }.map(\.recipient).sorted()
    }

    @Test("without a trusted authserv-id the secretariat's post is held; the preview goes to the From (not the Reply-To) with exactly the members' copy")
    func previewSent() throws {
        let (gateway, _, dir) = try base.makeGateway(trusted: false)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = try base.process(gateway, list: "announce", Self.announcement())
        guard case .archived(_, _, let decision) = outcome else { Issue.record("\(outcome)"); return }
        #expect(decision.action == .hold && decision.reason == .awaitingPosterConfirmation && decision.rule == "announce-poster")
        #expect(try posts(gateway).isEmpty, "nothing goes out before the poster confirms")
        #expect(try base.outbox(gateway).map(\.recipient) == [Self.secretariat], "no mail to the Reply-To, none to moderators")
        let (text, _) = try preview(gateway)
        // The attached preview is, byte for byte, the copy the distribution composes (list headers, footer).
        let list = try #require(gateway.config.list(id: "announce"))
        let raw = Self.announcement()
        let expected = gateway.pipeline.distributor.preview(
            list: list, raw: raw, parsed: try MessageParser.parse(raw), for: Self.secretariat,
            reader: FooterReader(language: NoticeComposer.language(for: nil, list: list)))
        #expect(text.contains(String(decoding: expected, as: UTF8.self)))
        #expect(text.contains("Content-Type: message/rfc822"))
        #expect(text.contains("\r\nList-Post: NO\r\n"))
        #expect(text.contains("\r\nReply-To: <\(Self.secretariat)>\r\n"), "the members' copy answers the secretariat")
        #expect(text.contains("l'assemblée aura lieu le 3 mars"))
    }

    @Test("replying to the preview (even empty, from an unauthenticated From where an authserv-id is trusted) sends the announcement once; a second reply sends nothing")
    func confirmSends() throws {
        let (gateway, _, dir) = try base.makeGateway(trusted: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try base.process(gateway, list: "announce", Self.announcement())
        let (_, confirm) = try preview(gateway)
        let reply = TestMail.message(id: "c1@4p1000.example", from: "Secrétariat <\(Self.secretariat)>", to: confirm,
                                     subject: "Re: Confirmez votre annonce", inReplyTo: "an1@4p1000.example",
                                     body: "\r\n")
        let outcome = try base.process(gateway, list: "announce", reply)
        guard case .moderatorReply(_, let applied, let detail) = outcome else { Issue.record("\(outcome)"); return }
        #expect(applied && detail == "poster approve")
        #expect(try posts(gateway) == Self.members, "the secretariat is not a member: all five")
        #expect(try holdStatus(gateway) == "approved")
        let rule = try gateway.database.pool.read { db in
            try String.fetchOne(db, sql: "SELECT decision_rule FROM messages WHERE message_id = 'an1@4p1000.example'")
        }
        #expect(rule == "poster-approved")
        let answer = try base.text(gateway, to: Self.secretariat, purpose: "notice:poster-sent")
        #expect(answer.replacingOccurrences(of: "=\r\n", with: "").contains("=C3=A0 5 membre(s)"),
                "tells the poster, in French, how many members it went to")
        let again = try base.process(gateway, list: "announce", TestMail.message(
            id: "c2@4p1000.example", from: "Secrétariat <\(Self.secretariat)>", to: confirm, subject: "Re: again",
            body: "ok\r\n"))
        guard case .moderatorReply(_, let appliedAgain, _) = again else { Issue.record("\(again)"); return }
        #expect(!appliedAgain)
        #expect(try posts(gateway).count == 5, "no second distribution")
    }

    @Test("'Annuler' on the first line drops the post; nothing is sent to members; the poster is told")
    func cancelDrops() throws {
        let (gateway, _, dir) = try base.makeGateway(trusted: false)
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try base.process(gateway, list: "announce", Self.announcement())
        let (_, confirm) = try preview(gateway)
        let outcome = try base.process(gateway, list: "announce", TestMail.message(
            id: "x1@4p1000.example", from: "Secrétariat <\(Self.secretariat)>", to: confirm, subject: "Re: annonce",
            body: "Bonjour,\r\nAnnuler, il y a une erreur de date.\r\n"))
        guard case .moderatorReply(_, let applied, let detail) = outcome else { Issue.record("\(outcome)"); return }
        #expect(applied && detail == "poster discard")
        #expect(try posts(gateway).isEmpty)
        #expect(try holdStatus(gateway) == "discarded")
        #expect(try base.outbox(gateway).contains { $0.purpose == "notice:poster-cancelled" && $0.recipient == Self.secretariat })
    }

    @Test("automatic mail to the confirmation address sends nothing and is not answered", arguments: [
        "Auto-Submitted: auto-replied", "Return-Path: <>", "X-Auto-Response-Suppress: All",
    ])
    func automaticAnswersIgnored(header: String) throws {
        let (gateway, _, dir) = try base.makeGateway(trusted: false)
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try base.process(gateway, list: "announce", Self.announcement())
        let (_, confirm) = try preview(gateway)
        _ = try base.process(gateway, list: "announce", TestMail.message(
            id: "ooo@4p1000.example", from: "Secrétariat <\(Self.secretariat)>", to: confirm,
            subject: "Votre message", body: "Message reçu.\r\n", extraHeaders: [header]))
        #expect(try posts(gateway).isEmpty)
        #expect(try holdStatus(gateway) == "pending")
        #expect(try base.outbox(gateway).map(\.purpose) == ["notice:poster-preview"], "no answer to a robot")
    }

    @Test("owner mail carrying the token in its subject (a helpdesk's acknowledgement) confirms nothing; it is forwarded")
    func ownerMailDoesNotConfirm() throws {
        let (gateway, directory, dir) = try base.makeGateway(trusted: false)
        defer { try? FileManager.default.removeItem(at: dir) }
        try directory.setMember(listID: "announce", address: "amelie@ird.example", role: .moderator)
        _ = try base.process(gateway, list: "announce", Self.announcement())
        let (_, confirm) = try preview(gateway)
        let token = String(confirm.dropFirst("announce+confirm.".count).prefix { $0 != "@" })
        _ = try base.process(gateway, list: "announce", TestMail.message(
            id: "desk@4p1000.example", from: "Helpdesk <helpdesk@4p1000.example>", to: "announce+owner@lists.example.org",
            subject: "[#123] Re: Confirmez votre annonce (\(token))", body: "Ticket opened.\r\n"))
        #expect(try posts(gateway).isEmpty)
        #expect(try holdStatus(gateway) == "pending")
        #expect(try base.outbox(gateway).contains { $0.purpose == "notice:owner-mail" && $0.recipient == "amelie@ird.example" })
    }

    @Test("the confirmation address of another list's hold does nothing on this list")
    func otherListToken() throws {
        let (gateway, _, dir) = try base.makeGateway(trusted: false)
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try base.process(gateway, list: "announce", Self.announcement())
        let (_, confirm) = try preview(gateway)
        let elsewhere = confirm.replacingOccurrences(of: "announce+", with: "college-research+")
        _ = try base.process(gateway, list: "college-research", TestMail.message(
            id: "x2@4p1000.example", from: "Secrétariat <\(Self.secretariat)>", to: elsewhere, subject: "Re: annonce",
            body: "\r\n"))
        #expect(try posts(gateway).isEmpty)
        #expect(try holdStatus(gateway) == "pending")
    }

    @Test("at most five unanswered previews per poster a day: forged posts cannot flood the secretariat")
    func previewBudget() throws {
        let (gateway, _, dir) = try base.makeGateway(trusted: false)
        defer { try? FileManager.default.removeItem(at: dir) }
        for n in 1...7 { _ = try base.process(gateway, list: "announce", Self.announcement(id: "f\(n)@4p1000.example")) }
        #expect(try base.outbox(gateway).filter { $0.purpose == "notice:poster-preview" }.count == IngestPipeline.maxPendingPreviews)
        let holds = try gateway.database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM holds WHERE status = 'pending'") }
        #expect(holds == 7, "every post is kept and held")
    }

    @Test("cancel words: in the first line or the subject; 'No changes, send it' is no cancel")
    func cancelWords() {
        #expect(PosterConfirmation.cancels(subject: "Re: Confirmez votre annonce", body: "Bonjour,\r\nAnnuler svp\r\n"))
        #expect(PosterConfirmation.cancels(subject: "cancelar", body: ""))
        #expect(PosterConfirmation.cancels(subject: "Re: x", body: "discard\r\n"))
        #expect(!PosterConfirmation.cancels(subject: "Re: Confirm your announcement: Cancel the meeting", body: ""))
        #expect(!PosterConfirmation.cancels(subject: "Re: x", body: "No changes, send it.\r\n"))
        #expect(!PosterConfirmation.cancels(subject: "Re: x", body: "\r\n> annuler\r\n"), "quoted text is not the poster's")
    }

    @Test("with the trusted authserv-id: a DMARC pass for the From's domain sends at once; a DKIM pass alone, or one from another authserv-id, asks the poster")
    func trustedAuthserv() throws {
        let (gateway, _, dir) = try base.makeGateway(trusted: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let direct = try base.process(gateway, list: "announce", Self.announcement(
            id: "ok@4p1000.example", extra: AnnouncementTests.authenticated("4p1000.example")))
        guard case .archived(_, _, let accepted) = direct else { Issue.record("\(direct)"); return }
        #expect(accepted.action == .accept)
        #expect(try posts(gateway).count == 5)
        let other = try base.process(gateway, list: "announce", Self.announcement(
            id: "other@4p1000.example",
            extra: ["Authentication-Results: mx.evil.example; dkim=pass header.d=4p1000.example; dmarc=pass header.from=4p1000.example",
                    "Received: from mail.4p1000.example by \(AnnouncementTests.authserv); Wed, 25 Nov 2026 10:00:01 +0100"]))
        guard case .archived(_, _, let held) = other else { Issue.record("\(other)"); return }
        #expect(held.action == .hold && held.reason == .awaitingPosterConfirmation, "RFC 8601 §5: other authserv-ids are ignored")
        let dkimOnly = try base.process(gateway, list: "announce", Self.announcement(
            id: "dkim@4p1000.example",
            extra: ["Authentication-Results: \(AnnouncementTests.authserv); dkim=pass header.d=4p1000.example",
                    "Received: from mail.4p1000.example by \(AnnouncementTests.authserv); Wed, 25 Nov 2026 10:00:01 +0100"]))
        guard case .archived(_, _, let dkimHeld) = dkimOnly else { Issue.record("\(dkimOnly)"); return }
        #expect(dkimHeld.reason == .awaitingPosterConfirmation, "AN-2 (a) asks for the MTA's DMARC verdict")
        #expect(try posts(gateway).count == 5, "the others wait")
    }

    @Test("a trusted DMARC fail on the secretariat's From is held for the moderators, and the secretariat is not asked")
    func dmarcFailNotPreviewed() throws {
        let (gateway, _, dir) = try base.makeGateway(trusted: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = try base.process(gateway, list: "announce", Self.announcement(extra: [
            "Authentication-Results: \(AnnouncementTests.authserv); dmarc=fail header.from=4p1000.example",
            "Received: from evil.example by \(AnnouncementTests.authserv); Wed, 25 Nov 2026 10:00:01 +0100"]))
        guard case .archived(_, _, let decision) = outcome else { Issue.record("\(outcome)"); return }
        #expect(decision.action == .hold && decision.reason == .dmarcFail)
        #expect(try base.outbox(gateway).allSatisfy { $0.purpose != "notice:poster-preview" })
    }

    @Test("a partner who is not a poster is not asked to confirm anything: the not-an-announcer notice as before")
    func nonPosterNotAsked() throws {
        let (gateway, _, dir) = try base.makeGateway(trusted: false)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = try base.process(gateway, list: "announce", TestMail.message(
            id: "p1@inrae.example", to: "announce@lists.example.org", subject: "Question"))
        guard case .archived(_, _, let decision) = outcome else { Issue.record("\(outcome)"); return }
        #expect(decision.action == .reject && decision.reason == .notEntitled)
        #expect(try base.outbox(gateway).map(\.purpose) == ["notice:not-an-announcer"])
    }
}
