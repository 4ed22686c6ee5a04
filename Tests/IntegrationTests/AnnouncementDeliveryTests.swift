import Foundation
import Testing
import MailGateway
import TestSupport

/// Announcements end to end: the `mailgateway` binary (`partners import`, `members set`, `run --once`), a private
/// Dovecot and a Postfix relay into it; what each member's mailbox holds.
@Suite("Announcements end to end: Dovecot + Postfix relay + run --once",
       .enabled(if: DovecotServer.available && PostfixRelay.available,
                Comment(rawValue: DovecotServer.absentMessage + "; " + PostfixRelay.absentMessage)),
       .serialized)
struct AnnouncementDeliveryTests {
    typealias W = DeliveryWorld
    static let secretariat = "secretariat@4p1000.example"
    static let authserv = "mx.lists.example.org"

    /// A world with an announcement list (its mailbox in Dovecot), the secretariat and a trusted authserv-id
    /// configured, the register imported.
    static func world() async throws -> DeliveryWorld {
        let world = try await W.start { json in
            var json = json
            json["trusted_authserv_id"] = authserv
            json["secretariat"] = [secretariat]
            var lists = json["lists"] as! [[String: Any]]
            lists.append([
                "id": "announce", "kind": "announce", "name": ["fr": "Annonces", "en": "Announcements", "es": "Anuncios"],
                "address": "announce@lists.example.org", "language": "fr", "subject_prefix": "[Annonce]",
                "mailbox": ["user": "announce", "password_env": "MG_TEST_IMAP_PASSWORD", "folder": "INBOX"],
            ])
            json["lists"] = lists
            return json
        }
        do {
            try await world.harness.dovecot.addUser("announce", password: GatewayHarness.listPassword)
            try await world.importPartners(W.register)
        } catch {
            world.stop()
            throw error
        }
        return world
    }

    static func authenticated(_ domain: String) -> [String] {
        ["Authentication-Results: \(authserv); dkim=pass header.d=\(domain); dmarc=pass header.from=\(domain)",
         "Received: from mail.\(domain) by \(authserv); Wed, 25 Nov 2026 10:00:01 +0100"]
    }

    @Test("the secretariat's announcement reaches every register person but nomail, the digest member at once; a forged one nobody; a partner's goes nowhere")
    func announcementDelivered() async throws {
        let world = try await Self.world()
        defer { world.stop() }
        let members = try await world.cli(["members", "list", "--list", "announce"])
        for p in W.register { #expect(members.contains(p.address), "\(p.address) is a member of announce") }
        try await world.cli(["members", "set", "--list", "announce", W.farmer.address, "--delivery", "none"])
        try await world.cli(["members", "set", "--list", "announce", W.juergen.address, "--delivery", "digest"])
        try await world.harness.append([
            TestMail.message(id: "ag@4p1000.example", from: "Secrétariat <\(Self.secretariat)>",
                             to: "announce@lists.example.org", subject: "Assemblée générale",
                             extraHeaders: Self.authenticated("4p1000.example")),
            TestMail.message(id: "forged@evil.example", from: "Secrétariat <\(Self.secretariat)>",
                             to: "announce@lists.example.org", subject: "Vos coordonnées bancaires"),
            TestMail.message(id: "reply@inrae.example", to: "announce@lists.example.org", subject: "Re: Assemblée",
                             extraHeaders: Self.authenticated("inrae.example")),
        ], to: "announce")
        try await world.runOnce()
        let juergen = try await world.waitForMail("juergen", count: 1)
        for user in ["jose", "amelie", "modo"] { _ = try await world.waitForMail(user, count: 1) }
        // Hélène: the announcement and the not-an-announcer notice.
        let helene = try await world.waitForMail("helene", count: 2)
        try await world.settle()
        #expect(juergen.map(\.parsed.messageID) == ["ag@4p1000.example"], "a digest member gets it at once, once")
        #expect(juergen[0].all("List-Post") == ["NO"])
        #expect(juergen[0].all("Reply-To") == ["<\(Self.secretariat)>"])
        for user in ["jose", "amelie", "modo"] {
            let got = try await world.mailbox(user).map(Delivered.init)
            #expect(got.map(\.parsed.messageID) == ["ag@4p1000.example"], "\(user): exactly the announcement")
        }
        #expect(try await world.mailbox("paul").isEmpty, "nomail")
        #expect(helene.contains { $0.parsed.messageID == "ag@4p1000.example" })
        let notice = try #require(helene.first { $0.parsed.messageID != "ag@4p1000.example" })
        #expect(notice.parsed.text?.contains(Self.secretariat) == true, "names where to write instead")
        #expect(notice.all("In-Reply-To") == ["<reply@inrae.example>"])
        let forged = try await world.archivedMessage("forged@evil.example")
        #expect(forged["status"] as? String == "held")
    }

    @Test("a post sent to two lists reaches a member of both once")
    func crossPostOnce() async throws {
        let world = try await Self.world()
        defer { world.stop() }
        try await world.cli(["members", "add", "--list", "interface-knowledge", W.amelie.address, "--no-welcome"])
        let post = TestMail.message(
            id: "cross@inrae.example",
            to: "college-research@lists.example.org, interface-knowledge@lists.example.org", subject: "Sols et climat",
            extraHeaders: Self.authenticated("inrae.example"))
        try await world.harness.append([post], to: "college-research")
        try await world.harness.append([post], to: "interface-knowledge")
        try await world.runOnce()
        _ = try await world.waitForMail("amelie", count: 1)
        _ = try await world.waitForMail("jose", count: 1)
        try await world.settle()
        // Give a second copy, if one were queued, the time to arrive.
        try await world.runOnce()
        try await world.settle()
        #expect(try await world.mailbox("amelie").count == 1, "one copy across the two lists")
        #expect(try await world.mailbox("jose").count == 1)
    }
}
