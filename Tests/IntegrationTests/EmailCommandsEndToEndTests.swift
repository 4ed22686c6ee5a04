import Foundation
import Testing
import MailGateway
import TestSupport

/// Partners who only use email (issue 10), end to end through the real MTA: mail to `list+…@` goes through the
/// Postfix relay into the list's Dovecot mailbox (docs/mta.md), `mailgateway run --once` reads it, and what the
/// gateway answers comes back through the relay into the partner's own Dovecot mailbox.
@Suite("Email commands end to end: Postfix delivers list+*@ into the list's mailbox, run --once answers",
       .enabled(if: DovecotServer.available && PostfixRelay.available,
                Comment(rawValue: DovecotServer.absentMessage + "; " + PostfixRelay.absentMessage)),
       .serialized)
struct EmailCommandsEndToEndTests {
    static let register = """
        organisation,country,college,funder,person,email,language
        INRAE,France,research,no,Hélène Dubois,helene@inrae.example,fr
        Farmers United,Kenya,producers,no,Bob Otieno,bob@farmers.example,en
        """
    static let secretariat = "secretariat@initiative.example"

    static func start() async throws -> ListMTAHarness {
        let mta = try await ListMTAHarness.start(members: ["helene", "bob"]) { json in
            var json = json
            json["secretariat"] = [secretariat]
            return json
        }
        let path = mta.gateway.directory.appendingPathComponent("partners.csv").path
        try register.write(toFile: path, atomically: true, encoding: .utf8)
        try await mta.cli(["partners", "import", path, "--no-welcome"])
        return mta
    }

    /// Bob's newest message, parsed, after waiting for his mailbox to hold `count`.
    static func bobs(_ mta: ListMTAHarness, count: Int) async throws -> ParsedMessage {
        let mail = try await mta.waitForMail(user: "bob", count: count)
        let subjects = mail.compactMap { try? MessageParser.parse($0).subject }
        try #require(mail.count >= count, "bob has \(mail.count) of \(count): \(subjects)")
        return try MessageParser.parse(mail[count - 1])
    }

    /// The membership of bob in a list, from `members list --json` (nil: not a member).
    static func membership(_ mta: ListMTAHarness, list: String) async throws -> [String: Any]? {
        let output = try await mta.cli(["members", "list", "--list", list, "--json"])
        let members = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]] ?? []
        return members.first { ($0["address"] as? String) == "bob@farmers.example" }
    }

    /// Bob answers a confirmation as a mail client does: a Reply goes to its Reply-To.
    static func reply(_ mta: ListMTAHarness, to message: ParsedMessage) async throws {
        let target = try #require(message.replyTo.first?.address, "a confirmation has a Reply-To")
        try await mta.send(from: "Bob Otieno <bob@farmers.example>", to: target, subject: "Re: " + message.subject,
                           body: "\r\n> " + (message.text ?? "").prefix(200).replacingOccurrences(of: "\n", with: "\n> "),
                           headers: ["In-Reply-To: <\(message.messageID)>"])
    }

    @Test("a partner joins an interface, confirms, receives a post, switches to digest, changes language, leaves and gets the goodbye")
    func joinUseLeave() async throws {
        let mta = try await Self.start()
        defer { mta.stop() }
        let list = "interface-knowledge"

        // Join: a confirmation to Bob, nothing changed yet.
        try await mta.send(from: "Bob Otieno <bob@farmers.example>", to: "\(list)+join@lists.example.org", subject: "join")
        try await mta.runOnce()
        let confirm = try await Self.bobs(mta, count: 1)
        #expect(confirm.replyTo.first?.address.hasPrefix("\(list)+confirm.") == true, "\(confirm.replyTo)")
        #expect(confirm.header("Auto-Submitted") == "auto-replied")
        #expect(try await Self.membership(mta, list: list) == nil, "nothing changes before the confirmation")

        // Confirm by a plain Reply: member, and a welcome in English with the working addresses.
        try await Self.reply(mta, to: confirm)
        try await mta.runOnce()
        let welcome = try await Self.bobs(mta, count: 2)
        let member = try #require(try await Self.membership(mta, list: list))
        #expect(member["delivery"] as? String == "immediate")
        let welcomeText = welcome.text ?? ""
        #expect(welcomeText.contains("\(list)+leave@lists.example.org"), "\(welcomeText)")
        #expect(welcomeText.contains("\(list)+set.digest@lists.example.org"))
        #expect(welcomeText.contains(Self.secretariat), "a human contact")

        // A post reaches him, with an English footer that says how to leave.
        try await mta.send(from: "Hélène Dubois <helene@inrae.example>", to: "\(list)@lists.example.org",
                           subject: "Atelier carbone des sols", body: "Bonjour,\r\nun atelier le 12 janvier.\r\n")
        try await mta.runOnce()
        let post = try await Self.bobs(mta, count: 3)
        #expect(post.subject.contains("Atelier carbone des sols"))
        #expect(post.header("List-Unsubscribe")?.contains("\(list)+leave@lists.example.org") == true)
        #expect(post.text?.contains("\(list)+leave@lists.example.org") == true, "\(post.text ?? "")")

        // Digest: asked by address, confirmed by a Reply (no authenticated pass in this setup).
        try await mta.send(from: "bob@farmers.example", to: "\(list)+set.digest@lists.example.org", subject: "digest")
        try await mta.runOnce()
        try await Self.reply(mta, to: try await Self.bobs(mta, count: 4))
        try await mta.runOnce()
        _ = try await Self.bobs(mta, count: 5)
        #expect(try await Self.membership(mta, list: list)?["delivery"] as? String == "digest")

        // Spanish for this list.
        try await mta.send(from: "bob@farmers.example", to: "\(list)+lang.es@lists.example.org", subject: "idioma")
        try await mta.runOnce()
        try await Self.reply(mta, to: try await Self.bobs(mta, count: 6))
        try await mta.runOnce()
        _ = try await Self.bobs(mta, count: 7)
        #expect(try await Self.membership(mta, list: list)?["languageOverride"] as? String == "es")

        // Leave: confirmed, then out, and a goodbye (in Spanish now) with the address to come back.
        try await mta.send(from: "bob@farmers.example", to: "\(list)+leave@lists.example.org", subject: "leave")
        try await mta.runOnce()
        let leaveConfirm = try await Self.bobs(mta, count: 8)
        #expect(try await Self.membership(mta, list: list) != nil)
        try await Self.reply(mta, to: leaveConfirm)
        try await mta.runOnce()
        let goodbye = try await Self.bobs(mta, count: 9)
        #expect(try await Self.membership(mta, list: list) == nil)
        #expect(goodbye.text?.contains("\(list)+join@lists.example.org") == true, "\(goodbye.text ?? "")")
        // None of it reached the list: Hélène has nothing (she is not a member of the interface, and no command
        // was distributed).
        try await mta.settle()
        #expect(try await mta.fetch(user: "helene").isEmpty)
    }

    @Test("a join to a college the partner is not entitled to is refused with the reason and the secretariat's address")
    func notEntitled() async throws {
        let mta = try await Self.start()
        defer { mta.stop() }
        try await mta.send(from: "Bob Otieno <bob@farmers.example>", to: "college-research+join@lists.example.org",
                           subject: "subscribe")
        try await mta.runOnce()
        let answer = try await Self.bobs(mta, count: 1)
        #expect(answer.text?.contains(Self.secretariat) == true, "\(answer.text ?? "")")
        #expect(answer.replyTo.first?.address.hasPrefix("college-research+confirm.") != true, "nothing to confirm")
        #expect(try await Self.membership(mta, list: "college-research") == nil)
    }

    @Test("moderation by Reply: the request's Reply-To is read, the moderator is told it went out, a second moderator's late reply is answered 'already decided'")
    func moderationByReply() async throws {
        let mta = try await ListMTAHarness.start(members: ["helene", "marc", "stranger"]) { json in
            var json = json
            var lists = json["lists"] as! [[String: Any]]
            lists[0]["non_member_action"] = "hold"
            json["lists"] = lists
            return json
        }
        defer { mta.stop() }
        let path = mta.gateway.directory.appendingPathComponent("partners.csv").path
        try (Self.register + "\nCIRAD,France,research,no,Marc Durand,marc@cirad.example,fr\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        try await mta.cli(["partners", "import", path, "--no-welcome"])
        for moderator in ["helene@inrae.example", "marc@cirad.example"] {
            try await mta.cli(["members", "set", "--list", "college-research", moderator, "--role", "moderator"])
        }
        // A stranger's post is held; both moderators get the request.
        let post = try await mta.send(from: "Un Inconnu <stranger@nowhere.example>",
                                      to: "college-research@lists.example.org", subject: "Offre de stage")
        try await mta.runOnce()
        let requests = try await mta.waitForMail(user: "helene", count: 1)
        try #require(requests.count == 1)
        let request = try MessageParser.parse(requests[0])
        #expect(request.subject.contains("Offre de stage") && request.subject.contains("Un Inconnu"), "\(request.subject)")
        let replyTo = try #require(request.replyTo.first?.address)
        #expect(replyTo.hasPrefix("college-research+confirm."), "\(replyTo)")
        #expect(!(request.text ?? "").contains("mailgateway moderation"), "no CLI line in mail to a secretariat")
        let marcRequest = try MessageParser.parse(try #require(try await mta.waitForMail(user: "marc", count: 1).first))

        // Hélène answers as Thunderbird builds a Reply: greeting first, the word, the quoted request below.
        try await mta.send(from: "Hélène Dubois <helene@inrae.example>", to: replyTo, subject: "Re: " + request.subject,
                           body: "Bonjour,\r\n\r\napprouver\r\n\r\nCordialement\r\n\r\nLe 06/12/2026 à 10:00, "
                               + "Instituts de recherche a écrit :\r\n> " + (request.text ?? "").prefix(300)
                               .replacingOccurrences(of: "\n", with: "\n> "),
                           headers: ["In-Reply-To: <\(request.messageID)>"])
        try await mta.runOnce()
        // The post reaches the members (Marc: his request, then the post); Hélène is told it went out.
        let marc = try await mta.waitForMail(user: "marc", count: 2)
        try #require(marc.count == 2)
        #expect(try MessageParser.parse(marc[1]).messageID == post)
        let helene = try await mta.waitForMail(user: "helene", count: 3)
        let answers = try helene.map { try MessageParser.parse($0) }.filter { $0.messageID != post && $0.messageID != request.messageID }
        let approved = try #require(answers.first, "\(helene.count) messages")
        #expect(approved.header("Auto-Submitted") == "auto-replied")
        #expect(approved.subject.hasPrefix("Approuvé"), "\(approved.subject)")
        #expect((approved.text ?? "").contains("envoyé à 2 membre(s)"), "Hélène and Marc: \(approved.text ?? "")")

        // Marc replies late to his own copy of the request: already decided, by Hélène.
        try await mta.send(from: "Marc Durand <marc@cirad.example>", to: try #require(marcRequest.replyTo.first?.address),
                           subject: "Re: " + marcRequest.subject, body: "approuver\r\n")
        try await mta.runOnce()
        let late = try await mta.waitForMail(user: "marc", count: 3)
        try #require(late.count == 3)
        let answer = try MessageParser.parse(late[2])
        #expect(answer.subject.hasPrefix("Déjà décidé"), "\(answer.subject)")
        #expect((answer.text ?? "").contains("avait déjà été approuvé par"), "\(answer.text ?? "")")
        #expect((answer.text ?? "").contains("helene@inrae.example") || (answer.text ?? "").contains("Hélène"),
                "already decided by Hélène: \(answer.text ?? "")")
        try await mta.settle()
        let posts = try await mta.fetch(user: "marc").filter { (try? MessageParser.parse($0).messageID) == post }
        #expect(posts.count == 1, "delivered once")
    }
}
