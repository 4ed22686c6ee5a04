import Foundation
import GRDB
import Testing
@testable import MailGateway
import TestSupport

/// Free-form command mail to `list+request@` (CM-2) in French, English and Spanish, HTML-only, and quoted replies:
/// what the handler does with what the grammar reads.
@Suite("Email commands: list+request@")
struct RequestCommandTests {
    @Test("French: \"abonner\" in the body asks Hélène to confirm, in French")
    func french() throws {
        let world = try CommandWorld()
        defer { world.close() }
        try world.process(CommandWorld.command("request", from: "helene@inrae.example", body: "abonner\r\n"))
        let request = try #require(try world.outbox().first)
        #expect(request.purpose.hasPrefix("confirm:") && request.recipient == "helene@inrae.example")
        #expect(request.message.subject == "Confirmer\u{00A0}: abonnement à interface-knowledge")
    }

    @Test("Spanish: \"darse de baja\" in the subject asks José to confirm leaving, in Spanish")
    func spanish() throws {
        let world = try CommandWorld()
        defer { world.close() }
        try world.process(CommandWorld.command("request", list: "college-research", from: "jose@cirad.example",
                                               subject: "darse de baja"), list: "college-research")
        let request = try #require(try world.outbox().first)
        #expect(request.message.subject == "Confirmar: baja de college-research")
        let token = try #require(request.token)
        // The fallback: "confirm <token>" in a +request mail.
        try world.process(CommandWorld.command("request", list: "college-research", from: "jose@cirad.example",
                                               body: "confirm \(token)\r\n"), list: "college-research")
        #expect(try world.membership("jose@cirad.example", list: "college-research") == nil)
    }

    @Test("English keywords from an unknown sender: the reply is in English (the keywords' language)")
    func englishKeywords() throws {
        let world = try CommandWorld()
        defer { world.close() }
        try world.process(CommandWorld.command("request", from: "someone@example.com", subject: "Re: help"))
        let reply = try #require(try world.outbox().first)
        #expect(reply.message.subject == "Your request to interface-knowledge")
        #expect(reply.text.contains("How to use this list by email"))
        #expect(reply.text.contains("subject \"Re: help\""), "the request is summarised")
    }

    @Test("HTML-only mail: the commands are read from the text of the HTML")
    func htmlOnly() throws {
        let world = try CommandWorld()
        defer { world.close() }
        let raw = Array(("From: someone@example.com\r\nTo: interface-knowledge+request@lists.example.org\r\n"
            + "Delivered-To: interface-knowledge+request@lists.example.org\r\nSubject: \r\nMessage-ID: <h1@example.com>\r\n"
            + "Date: Wed, 25 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            + "<html><body><p>ayuda</p></body></html>\r\n").utf8)
        try world.process(raw)
        let reply = try #require(try world.outbox().first)
        #expect(reply.text.contains("Cómo usar esta lista por correo"))
    }

    @Test("a quoted reply: only the lines above the quote count (digest, not the quoted unsubscribe)")
    func quotedReply() throws {
        let world = try CommandWorld()
        defer { world.close() }
        let body = "digest\r\n\r\nLe mer. 25 nov. 2026 à 10:00, Liste <x@y> a écrit :\r\n> unsubscribe\r\n> leave\r\n"
        try world.process(CommandWorld.command("request", list: "college-research", from: "helene@inrae.example",
                                               subject: "Re: votre demande", body: body), list: "college-research")
        let request = try #require(try world.outbox().first)
        #expect(request.message.subject.hasPrefix("Confirmer\u{00A0}: changement de réception"))
        #expect(request.text.contains("digest"))
        let token = try #require(request.token)
        try world.process(CommandWorld.command("confirm.\(token)", list: "college-research", from: "helene@inrae.example"),
                          list: "college-research")
        #expect(try world.membership("helene@inrae.example", list: "college-research")?.delivery == .digest)
    }
}

/// CM-7's `who`: the roster goes to whom the list's `roster_visibility` allows, and only ever to the From.
@Suite("Email commands: who")
struct WhoCommandTests {
    /// Sends `body` from `from` (with a Reply-To elsewhere) and returns the one reply, which must go to the From.
    static func who(_ world: CommandWorld, from: String, word: String = "who", body: String? = nil,
                    list: String = "college-research") throws -> CommandWorld.Copy {
        let before = try world.outbox().count
        try world.process(CommandWorld.command("request", list: list, from: from, body: body ?? "\(word)\r\n",
                                               headers: ["Reply-To: harvester@elsewhere.example"]), list: list)
        let replies = try world.newCopies(after: before)
        #expect(replies.map(\.recipient) == [from], "one answer, to the From only")
        return try #require(replies.first)
    }

    @Test("moderators only by default: a member is told so, a moderator gets the roster with roles, in their language")
    func moderatorsOnly() throws {
        let world = try CommandWorld()
        defer { world.close() }
        let refused = try Self.who(world, from: "helene@inrae.example", word: "qui")
        #expect(refused.text.contains("n'est communiquée qu'à ses modérateurs et responsables"))
        #expect(!refused.text.contains("jose@cirad.example"))
        let stranger = try Self.who(world, from: "someone@example.com")
        #expect(stranger.text.contains("shown to its moderators and owners only"))
        #expect(!stranger.text.contains("jose@cirad.example"))

        try world.directory.setMember(listID: "college-research", address: "helene@inrae.example", role: .moderator)
        let roster = try Self.who(world, from: "helene@inrae.example")
        #expect(roster.text.contains("Les membres de"))
        #expect(roster.text.contains("José Martínez <jose@cirad.example>\n") || roster.text.contains("José Martínez <jose@cirad.example>\r\n"),
                "\(roster.text)")
        #expect(roster.text.contains("Hélène Dubois <helene@inrae.example> (modérateur)"))
        #expect(!roster.text.contains("n'est communiquée"))

        // An owner may read it too; the role is named in the reader's language.
        try world.directory.setMember(listID: "college-research", address: "jose@cirad.example", role: .owner)
        let owner = try Self.who(world, from: "jose@cirad.example", word: "miembros")
        #expect(owner.text.contains("José Martínez <jose@cirad.example> (responsable)"))
        #expect(owner.text.contains("Hélène Dubois <helene@inrae.example> (moderador)"))
    }

    @Test("who counts alone on its line and once per mail; a question that starts with it is not one")
    func aloneAndOnce() throws {
        let world = try CommandWorld()
        defer { world.close() }
        try world.directory.setMember(listID: "college-research", address: "helene@inrae.example", role: .moderator)
        let twice = try Self.who(world, from: "helene@inrae.example", body: "qui\r\nqui\r\nwho\r\n")
        #expect(twice.text.components(separatedBy: "José Martínez <jose@cirad.example>").count == 2, "\(twice.text)")
        let question = try Self.who(world, from: "helene@inrae.example", body: "Qui peut m'aider ?\r\n")
        #expect(!question.text.contains("jose@cirad.example"))
        #expect(question.text.contains("Qui peut m'aider"), "quoted as not understood")
    }

    @Test("a roster of more than 500 lists the first 500 and counts the rest")
    func longRoster() throws {
        let world = try CommandWorld()
        defer { world.close() }
        let rows = (1...505).map { "Lab \($0),France,research,no,Person \($0),p\($0)@lab\($0).example,fr" }
        let csv = CommandWorld.csv + "\n" + rows.joined(separator: "\n")
        _ = try world.directory.importRegister(try PartnerRegister(csv: Array(csv.utf8)))
        try world.directory.setMember(listID: "college-research", address: "helene@inrae.example", role: .moderator)
        let members = try world.directory.members(listID: "college-research").count
        #expect(members > 505)
        let reply = try Self.who(world, from: "helene@inrae.example", word: "who")
        let lines = reply.text.split(separator: "\n").filter { $0.hasPrefix("  ") && $0.contains("@") }
        #expect(lines.count == CommandResult.rosterLimit)
        #expect(reply.text.contains("et \(members - CommandResult.rosterLimit) autres, non listés ici"))
    }

    @Test("roster_visibility members: any member gets it; a non-member does not")
    func members() throws {
        let world = try CommandWorld(roster: .members)
        defer { world.close() }
        let roster = try Self.who(world, from: "jose@cirad.example", word: "quién")
        #expect(roster.text.contains("Los miembros de"))
        #expect(roster.text.contains("Hélène Dubois <helene@inrae.example>"))
        let outsider = try Self.who(world, from: "olivia@soilfund.example")
        #expect(outsider.text.contains("shown to its members only"))
        #expect(!outsider.text.contains("helene@inrae.example"))
    }

    @Test("a post that starts with \"Qui\" or \"Who\" is a question for the members, not a misaddressed command")
    func notAdministrivia() {
        #expect(!AdministriviaRule.looksLikeACommand("Qui vient à la réunion de Montpellier ?"))
        #expect(!AdministriviaRule.looksLikeACommand("who"))
    }
}
