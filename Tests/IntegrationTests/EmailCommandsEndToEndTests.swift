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
        try #require(mail.count >= count, "bob has \(mail.count) of \(count): \(mta.relay.logTail())")
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
}
