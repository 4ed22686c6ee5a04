import Foundation
import GRDB
import Testing
@testable import MailGateway
import TestSupport

/// Commands by email against a temporary store and the real templates: join, leave, set and lang by their
/// subaddresses, confirmations, undo, the caps of CM-12.
@Suite("Email commands: membership")
struct MembershipCommandTests {
    static let authserv = "mx.lists.example.org"

    /// A trusted aligned pass for a From of `domain`, as the border MTA writes it above the first Received.
    static func pass(_ domain: String) -> [String] {
        ["Authentication-Results: \(authserv); dkim=pass header.d=\(domain); dmarc=pass header.from=\(domain)"]
    }

    @Test("join an interface: a confirmation to the From, confirmed by +confirm.<token> from any From, then member and welcome")
    func joinConfirmed() throws {
        let world = try CommandWorld()
        defer { world.close() }
        try world.process(CommandWorld.command("join", from: "Hélène Dubois <helene@inrae.example>"))
        #expect(try world.membership("helene@inrae.example") == nil, "nothing changes before the confirmation")
        let copies = try world.outbox()
        #expect(copies.count == 1)
        let request = try #require(copies.first)
        #expect(request.recipient == "helene@inrae.example" && request.purpose.hasPrefix("confirm:"))
        let token = try #require(request.token)
        #expect(request.header("Reply-To") == "interface-knowledge+confirm.\(token)@lists.example.org")
        #expect(request.header("From")?.contains("interface-knowledge+owner@lists.example.org") == true)
        #expect(request.header("Auto-Submitted") == "auto-replied")
        #expect(!request.message.subject.contains(token), "the token is never in the subject")
        #expect(request.message.subject.hasPrefix("Confirmer\u{00A0}: abonnement"), "Hélène reads French")
        #expect(request.text.hasPrefix("Reply to this message to confirm.\nRépondez à ce message pour confirmer.\n"
                                       + "Responda a este mensaje para confirmar."))
        // Confirmed from another address (a forward): the token is the proof.
        try world.process(CommandWorld.command("confirm.\(token)", from: "someone@elsewhere.example", subject: "Re: x"))
        let member = try #require(try world.membership("helene@inrae.example"))
        #expect(member.origin == .manual && member.delivery == .immediate)
        let welcome = try #require(try world.newCopies(after: 1).first { $0.purpose.hasPrefix("welcome:") })
        #expect(welcome.recipient == "helene@inrae.example")
        #expect(welcome.text.contains("interface-knowledge@lists.example.org"))
        #expect(welcome.text.contains("interface-knowledge+set.digest@lists.example.org"))
        #expect(welcome.text.contains("interface-knowledge+set.nomail@lists.example.org"))
        #expect(welcome.text.contains("interface-knowledge+leave@lists.example.org"))
        #expect(welcome.text.contains("secretariat@initiative.example"))
        #expect(welcome.header("Return-Path") == nil)
    }

    @Test("a join by someone outside the directory is refused with who may join and the secretariat's address")
    func joinRefused() throws {
        let world = try CommandWorld()
        defer { world.close() }
        try world.process(CommandWorld.command("join", from: "stranger@example.com",
                                               headers: ["Content-Language: en"]))
        let copies = try world.outbox()
        #expect(copies.map(\.purpose) == ["notice:command-reply"])
        let reply = try #require(copies.first)
        #expect(reply.recipient == "stranger@example.com")
        #expect(reply.text.contains("You cannot join"))
        #expect(reply.text.contains("secretariat@initiative.example"))
        #expect(try world.gateway.database.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM confirmations") } == 0)
        // A college list: a partner of another college may not join it either.
        try world.process(CommandWorld.command("join", list: "college-research", from: "olivia@soilfund.example"),
                          list: "college-research")
        #expect(try world.newCopies(after: 1).first?.text.contains("this group is for the partners of its college") == true)
    }

    @Test("a forged leave changes nothing until confirmed; the confirmation goes to the real address and cannot be replayed")
    func forgedLeave() throws {
        let world = try CommandWorld()
        defer { world.close() }
        try world.directory.addMember(listID: "interface-knowledge", address: "jose@cirad.example")
        try world.process(CommandWorld.command("leave", from: "José <jose@cirad.example>",
                                               headers: ["Reply-To: attacker@evil.example"]))
        #expect(try world.membership("jose@cirad.example") != nil)
        let request = try #require(try world.outbox().first)
        #expect(request.recipient == "jose@cirad.example", "never the Reply-To")
        #expect(request.message.subject.hasPrefix("Confirmar: baja de"), "José reads Spanish")
        let token = try #require(request.token)
        try world.process(CommandWorld.command("confirm.\(token)", from: "jose@cirad.example"))
        #expect(try world.membership("jose@cirad.example") == nil)
        #expect(try world.outbox().contains { $0.purpose.hasPrefix("goodbye:") && $0.recipient == "jose@cirad.example" })
        // The same confirmation again (a replay): "already used", nothing more.
        let before = try world.outbox().count
        try world.process(CommandWorld.command("confirm.\(token)", from: "jose@cirad.example"))
        let replay = try world.newCopies(after: before)
        #expect(replay.map(\.purpose) == ["notice:command-reply"])
        #expect(replay.first?.text.contains("ya se utilizó") == true)
        #expect(try world.membership("jose@cirad.example") == nil)
    }

    @Test("a reply that says no to the confirmation request changes nothing and spends the code; 'Non merci' too")
    func declinedConfirmation() throws {
        let world = try CommandWorld()
        defer { world.close() }
        try world.directory.addMember(listID: "interface-knowledge", address: "jose@cirad.example")
        try world.process(CommandWorld.command("leave", from: "José <jose@cirad.example>"))
        let token = try #require(try world.outbox().first?.token)
        try world.process(CommandWorld.command("confirm.\(token)", from: "José <jose@cirad.example>", subject: "Re: Confirmar",
                                               body: "Hola,\r\nNo, me equivoqué.\r\n\r\n> Responda a este mensaje para confirmar.\r\n"))
        #expect(try world.membership("jose@cirad.example") != nil, "still a member")
        let answer = try #require(try world.newCopies(after: 1).first)
        #expect(answer.purpose == "notice:command-reply")
        #expect(answer.text.contains("Ha respondido que no"))
        // The code is spent: a later plain reply cannot confirm any more.
        try world.process(CommandWorld.command("confirm.\(token)", from: "José <jose@cirad.example>"))
        #expect(try world.membership("jose@cirad.example") != nil)
        #expect(MembershipCommandSupport.declines("Non merci\r\n"))
        #expect(!MembershipCommandSupport.declines("Oui, je confirme.\r\n"))
        #expect(!MembershipCommandSupport.declines("\r\n> no\r\n"), "a quoted no is not the person's")
    }

    @Test("an expired token is answered \"expired\" with the address to start again")
    func expired() throws {
        let world = try CommandWorld()
        defer { world.close() }
        let start = Date()
        try world.process(CommandWorld.command("join", from: "olivia@soilfund.example"), now: start)
        let token = try #require(try world.outbox().first?.token)
        try world.process(CommandWorld.command("confirm.\(token)", from: "olivia@soilfund.example"),
                          now: start.addingTimeInterval(Confirmations.defaultLifetime + 60))
        #expect(try world.membership("olivia@soilfund.example") == nil)
        let reply = try #require(try world.newCopies(after: 1).first)
        #expect(reply.text.contains("has expired") && reply.text.contains("interface-knowledge+join@lists.example.org"))
        // An unknown (tampered) token: "not known".
        try world.process(CommandWorld.command("confirm.\(String(repeating: "a", count: 26))", from: "olivia@soilfund.example"))
        #expect(try world.newCopies(after: 2).first?.text.contains("is not known") == true)
    }

    @Test("a DMARC-aligned leave runs at once, with a goodbye carrying an undo that restores mode, language and role")
    func alignedLeaveAndUndo() throws {
        let world = try CommandWorld(trustedAuthservID: Self.authserv)
        defer { world.close() }
        try world.directory.addMember(listID: "interface-knowledge", address: "olivia@soilfund.example", role: .moderator,
                                      delivery: .digest, language: .fr)
        try world.process(CommandWorld.command("leave", from: "olivia@soilfund.example",
                                               headers: Self.pass("soilfund.example")))
        #expect(try world.membership("olivia@soilfund.example") == nil)
        let goodbye = try #require(try world.outbox().first)
        #expect(goodbye.purpose.hasPrefix("goodbye:") && goodbye.recipient == "olivia@soilfund.example")
        // A plain Reply ("Merci !") goes to the owners, never to the undo: it must not put her back.
        #expect(goodbye.header("Reply-To") == nil)
        let words = try #require(goodbye.text.split(separator: " ").first { $0.hasPrefix("interface-knowledge+confirm.") })
        let undo = String(words.prefix { $0 != "@" }) + "@lists.example.org"
        let detail = String(undo.split(separator: "@")[0].dropFirst("interface-knowledge+".count))
        // The undo is used by writing to its address, from an unauthenticated copy: the token is the proof.
        try world.process(CommandWorld.command(detail, from: "olivia@soilfund.example", headers: Self.pass("soilfund.example")))
        let back = try #require(try world.membership("olivia@soilfund.example"))
        #expect(back.role == .moderator && back.delivery == .digest && back.languageOverride == .fr)
    }

    @Test("an aligned set runs at once and answers with the settings and an undo; without a pass it asks for confirmation; a dmarc=fail is ignored")
    func setAndLang() throws {
        let world = try CommandWorld(trustedAuthservID: Self.authserv)
        defer { world.close() }
        try world.directory.addMember(listID: "interface-knowledge", address: "olivia@soilfund.example")
        try world.process(CommandWorld.command("set.digest", from: "olivia@soilfund.example",
                                               headers: Self.pass("soilfund.example")))
        #expect(try world.membership("olivia@soilfund.example")?.delivery == .digest)
        let reply = try #require(try world.outbox().first)
        #expect(reply.purpose == "notice:command-reply" && reply.recipient == "olivia@soilfund.example")
        #expect(reply.text.contains("Your delivery mode is now: digest") && reply.text.contains("delivery: digest"))
        #expect(reply.header("Reply-To") == nil, "a Reply (\"thanks\") must not undo: the undo is an address to write to")
        #expect(reply.text.contains("interface-knowledge+confirm."))
        #expect(reply.header("Auto-Submitted") == "auto-replied" && reply.header("In-Reply-To") != nil)
        // lang.es without a pass (trusted authserv configured, no aligned result): nothing changes until the
        // address confirms; the confirmation goes to the From, whose real owner alone can confirm (CM-3).
        try world.process(CommandWorld.command("lang.es", from: "olivia@soilfund.example"))
        #expect(try world.membership("olivia@soilfund.example")?.languageOverride == nil)
        let confirmation = try #require(try world.newCopies(after: 1).first)
        #expect(confirmation.recipient == "olivia@soilfund.example" && confirmation.purpose.hasPrefix("confirm:"))
        let token = try #require(confirmation.token)
        try world.process(CommandWorld.command("confirm.\(token)", from: "olivia@soilfund.example"))
        #expect(try world.membership("olivia@soilfund.example")?.languageOverride == .es)
        // A trusted dmarc=fail is a forgery: kept, neither acted on nor answered.
        let before = try world.outbox().count
        try world.process(CommandWorld.command("set.nomail", from: "olivia@soilfund.example", headers: [
            "Authentication-Results: \(Self.authserv); dmarc=fail header.from=soilfund.example"]))
        #expect(try world.membership("olivia@soilfund.example")?.delivery == .digest)
        #expect(try world.outbox().count == before, "a dmarc=fail command is not answered")
    }

    @Test("at most 3 confirmations per address per day: the 4th request is dropped silently")
    func confirmationCap() throws {
        let world = try CommandWorld()
        defer { world.close() }
        for _ in 0..<4 { try world.process(CommandWorld.command("join", from: "helene@inrae.example")) }
        let copies = try world.outbox()
        #expect(copies.count == 3 && copies.allSatisfy { $0.purpose.hasPrefix("confirm:") })
    }

    @Test("at most 10 replies per address per day: the 11th is dropped")
    func replyCap() throws {
        let world = try CommandWorld()
        defer { world.close() }
        for _ in 0..<11 { try world.process(CommandWorld.command("help", from: "helene@inrae.example")) }
        let copies = try world.outbox()
        #expect(copies.count == 10 && copies.allSatisfy { $0.purpose == "notice:command-reply" })
        #expect(copies.first?.text.contains("interface-knowledge+leave@lists.example.org") == true)
    }

    @Test("the 10-replies cap holds however the From is written: case, +tags, Gmail's dots")
    func replyCapPerMailbox() throws {
        let world = try CommandWorld()
        defer { world.close() }
        // A forger aiming answers at one mailbox, spelling its address eleven ways.
        let spellings = (1...6).map { "victim+\($0)@inrae.example" } + ["VICTIM@inrae.example", "victim@inrae.example"]
        for from in spellings { try world.process(CommandWorld.command("help", from: from)) }
        let gmail = (1...6).map { "vic.tim+\($0)@gmail.com" } + ["v.i.c.t.i.m@googlemail.com"]
        for from in gmail { try world.process(CommandWorld.command("help", from: from)) }
        let copies = try world.outbox()
        #expect(copies.count(where: { $0.recipient.hasSuffix("@inrae.example") }) == 8)
        for from in ["victim+7@inrae.example", "Victim+8@INRAE.example", "victim+9@inrae.example"] {
            try world.process(CommandWorld.command("help", from: from))
        }
        for from in ["victim+7@gmail.com", "v.ictim@gmail.com", "victim@gmail.com", "victim+x@googlemail.com"] {
            try world.process(CommandWorld.command("help", from: from))
        }
        let after = try world.outbox()
        #expect(after.count(where: { $0.recipient.lowercased().hasSuffix("@inrae.example") }) == 10)
        #expect(after.count(where: { $0.recipient.hasSuffix("mail.com") }) == 10, "gmail.com and googlemail.com")
        #expect(MailAddress.mailboxKey("Anne.Marie+lists@Example.org") == "anne.marie@example.org",
                "dots are kept outside Gmail")
        #expect(MailAddress.mailboxKey("+x@example.org") == "+x@example.org")
    }

    @Test("an unknown subaddress is quoted back cut short: a forger cannot make the answer carry their text")
    func unknownSubaddressQuotedShort() throws {
        let world = try CommandWorld()
        defer { world.close() }
        let payload = "buy-now-at-example-shop-" + String(repeating: "x", count: 5_000)
        try world.process(CommandWorld.command(payload, from: "helene@inrae.example"))
        let reply = try #require(try world.outbox().first)
        #expect(reply.purpose == "notice:command-reply" && reply.text.contains("buy-now-at-example-shop-"))
        #expect(!reply.text.contains(String(repeating: "x", count: CommandParser.maxQuotedLineLength)))
        #expect(reply.raw.count < 8_000)
    }

    @Test("automatic mail is neither acted on nor answered (Auto-Submitted, Precedence, mailer-daemon, noreply, null path)")
    func noBackscatter() throws {
        let world = try CommandWorld()
        defer { world.close() }
        try world.process(CommandWorld.command("join", from: "helene@inrae.example", headers: ["Auto-Submitted: auto-replied"]))
        try world.process(CommandWorld.command("help", from: "helene@inrae.example", headers: ["Precedence: bulk"]))
        try world.process(CommandWorld.command("help", from: "MAILER-DAEMON@inrae.example"))
        try world.process(CommandWorld.command("help", from: "no-reply@inrae.example"))
        try world.process(CommandWorld.command("help", from: "helene@inrae.example", headers: ["Return-Path: <>"]))
        #expect(try world.outbox().isEmpty)
    }
}

extension MembershipCommandTests {
    @Test("a token sent to another list's confirmation address is refused as unknown and stays usable on its own list")
    func tokenOfAnotherList() throws {
        let world = try CommandWorld()
        defer { world.close() }
        try world.process(CommandWorld.command("join", from: "olivia@soilfund.example"))
        let token = try #require(try world.outbox().first?.token)
        try world.process(CommandWorld.command("confirm.\(token)", list: "college-research", from: "olivia@soilfund.example"),
                          list: "college-research")
        #expect(try world.newCopies(after: 1).first?.text.contains("is not known") == true)
        try world.process(CommandWorld.command("confirm.\(token)", from: "olivia@soilfund.example"))
        #expect(try world.membership("olivia@soilfund.example") != nil)
    }
}

/// The decline reading, as the confirmation uses it.
enum MembershipCommandSupport {
    static func declines(_ body: String) -> Bool { CommandSession.declines(body) }
}
