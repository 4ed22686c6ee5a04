import Foundation
import Testing
import MailGateway
import TestSupport

/// Issue 3 §5, end to end through real mail servers: posts appended to a list's mailbox in a private Dovecot,
/// `mailgateway run --once` as a real process, its SMTP going to a private Postfix that relays into the same
/// Dovecot's LMTP, and every outcome read back from the members' IMAP mailboxes and the archive.
@Suite("Delivery end to end: Dovecot + Postfix relay + run --once",
       .enabled(if: DovecotServer.available && PostfixRelay.available,
                Comment(rawValue: DovecotServer.absentMessage + "; " + PostfixRelay.absentMessage)),
       .serialized)
struct DeliveryTests {
    typealias W = DeliveryWorld
    static let list = "college-research"
    static let listAddress = "college-research@lists.example.org"

    /// Members of the research college minus the author, immediate delivery.
    static func addStranger(_ world: DeliveryWorld) async throws {
        try await world.harness.dovecot.addUser("stranger", password: W.memberPassword)
    }

    static func collapse(_ s: String?) -> String? {
        s.map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }).joined(separator: " ") }
    }

    /// RFC 2047 base64 encoded-word, for non-ASCII subjects of the replies the tests write.
    static func encoded(_ text: String) -> String {
        "=?utf-8?b?\(Data(text.utf8).base64EncodedString())?="
    }

    @Test("a partner's reply reaches each immediate member once with the list headers, VERP, prefix once and footer; the author too unless they opted out; not a digest member")
    func partnerPostDelivered() async throws {
        let world = try await W.start { json in
            var json = json
            json["web_base_url"] = "https://lists.example.org"
            // The one-click link is advertised only with the HTTP listener's public URL (docs/http.md).
            json["http"] = ["listen": "127.0.0.1:0", "public_base_url": "https://lists.example.org"]
            return json
        }
        defer { world.stop() }
        try await world.importPartners(W.register)
        try await world.cli(["members", "set", "--list", Self.list, W.juergen.address, "--delivery", "digest"])
        // Authors get their own posts by default (Mailman 3's default); Hélène opts out.
        let set = try await world.cli(["members", "set", "--list", Self.list, W.helene.address, "--own-posts", "no"])
        #expect(set.contains("own posts no"), "\(set)")
        let listed = try await world.cli(["members", "list", "--list", Self.list, "--json"])
        let members = try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]] ?? []
        #expect(members.first { ($0["address"] as? String) == W.helene.address }?["ownPosts"] as? Bool == false)
        #expect(members.first { ($0["address"] as? String) == W.juergen.address }?["ownPosts"] as? Bool == true)

        let root = TestMail.message(id: "root@cirad.example", from: "José Martínez <jose@cirad.example>",
                                    subject: "Protocole d'échantillonnage")
        let reply = TestMail.message(id: "reply@inrae.example", subject: "Re: [Recherche] Protocole d'échantillonnage",
                                     inReplyTo: "root@cirad.example", references: ["root@cirad.example"],
                                     body: "Je suis d'accord.\r\n")
        try await world.harness.append([root, reply], to: Self.list)
        try await world.runOnce()

        // Root by José: Hélène, Amélie, Marc and José himself. Reply by Hélène: José, Amélie, Marc (not Hélène, who
        // opted out). Jürgen is on digest, Paul is in another college.
        let amelie = try await world.waitForMail("amelie", count: 2)
        let modo = try await world.waitForMail("modo", count: 2)
        let jose = try await world.waitForMail("jose", count: 2)
        let helene = try await world.waitForMail("helene", count: 1)
        let queue = try await world.settle()
        #expect(queue.contains("Mail queue is empty"), "\(queue)\n\(world.relay?.logTail() ?? "")")
        #expect(amelie.map(\.parsed.messageID).sorted() == ["reply@inrae.example", "root@cirad.example"])
        #expect(modo.map(\.parsed.messageID).sorted() == ["reply@inrae.example", "root@cirad.example"])
        #expect(jose.map(\.parsed.messageID).sorted() == ["reply@inrae.example", "root@cirad.example"],
                "the author of the root gets it back (default)")
        #expect(helene.map(\.parsed.messageID) == ["root@cirad.example"], "the author of the reply opted out")
        #expect(try await world.mailbox("juergen").isEmpty, "digest member: nothing immediate")
        #expect(try await world.mailbox("paul").isEmpty, "another college")
        #expect(try await world.mailbox("helene").count == 1, "exactly one copy")
        #expect(try await world.mailbox("jose").count == 2, "exactly one copy of each")

        // The reply as Amélie got it, header by header.
        let copy = try #require(amelie.first { $0.parsed.messageID == "reply@inrae.example" })
        #expect(copy.all("Message-ID") == ["<reply@inrae.example>"])
        #expect(copy.all("In-Reply-To") == ["<root@cirad.example>"])
        #expect(copy.all("References") == ["<root@cirad.example>"])
        #expect(copy.parsed.subject == "[Recherche] Re: Protocole d'échantillonnage", "prefix once, at the start, on a reply")
        #expect(copy.all("List-Id").map { Self.collapse($0)! } == ["\"Instituts de recherche\" <college-research.lists.example.org>"])
        #expect(copy.all("List-Post") == ["<mailto:college-research@lists.example.org>"])
        #expect(copy.all("List-Help") == ["<mailto:college-research+help@lists.example.org>"])
        #expect(copy.all("List-Subscribe") == ["<mailto:college-research+join@lists.example.org>"])
        #expect(copy.all("List-Owner") == ["<mailto:college-research+owner@lists.example.org>"])
        let unsubscribe = try #require(Self.collapse(copy.header("List-Unsubscribe")))
        let addressPart = Data("amelie@ird.example".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        #expect(unsubscribe.hasPrefix("<mailto:college-research+leave@lists.example.org>, <https://lists.example.org/lists/college-research/unsubscribe?token=\(addressPart)"),
                "\(unsubscribe)")
        #expect(copy.all("List-Unsubscribe").count == 1)
        #expect(copy.all("List-Unsubscribe-Post") == ["List-Unsubscribe=One-Click"])
        #expect(copy.all("List-Archive") == ["<https://lists.example.org/lists/college-research>"])
        #expect(copy.all("Precedence") == ["list"])
        #expect(copy.all("X-Loop") == [Self.listAddress])
        #expect(copy.all("Return-Path").count == 1 && copy.all("Return-Path")[0].hasPrefix("<college-research+bounce."),
                "per-copy VERP envelope sender, as Dovecot recorded it")
        #expect(Self.collapse(copy.header("From")) == "Hélène Dubois <helene@inrae.example>" || copy.parsed.from.first?.address == "helene@inrae.example")
        let text = try #require(copy.parsed.text)
        #expect(text.contains("Je suis d'accord."))
        #expect(text.contains("Quitter la liste\u{00A0}: écrivez à college-research+leave@lists.example.org"), "French footer: \(text)")
        #expect(text.components(separatedBy: "_______________________________________________").count == 2, "one footer")

        // The root got the prefix exactly once, and Marc's copy names Marc in its VERP sender and token.
        let rootCopy = try #require(modo.first { $0.parsed.messageID == "root@cirad.example" })
        #expect(rootCopy.parsed.subject == "[Recherche] Protocole d'échantillonnage")
        #expect(rootCopy.all("Return-Path").first?.hasPrefix("<college-research+bounce.") == true)
        #expect(rootCopy.all("Return-Path") != copy.all("Return-Path"), "one envelope per copy")
        #expect(rootCopy.all("In-Reply-To").isEmpty)

        #expect(try await world.archivedMessage("reply@inrae.example")["status"] as? String == "accepted")
        #expect(try await world.archivedMessage("root@cirad.example")["status"] as? String == "accepted")
        // Root: Hélène, Amélie, Marc and José (its author); reply: José, Amélie, Marc (Hélène opted out).
        #expect(try await world.outbox(status: "sent").count == 7)
    }

    @Test("without the HTTP listener, List-Unsubscribe is mailto only and there is no List-Unsubscribe-Post")
    func mailtoUnsubscribeOnly() async throws {
        // A web base URL (the archive) and the secret are there: still no one-click link without the listener.
        let world = try await W.start { json in
            var json = json
            json["web_base_url"] = "https://lists.example.org"
            return json
        }
        defer { world.stop() }
        try await world.importPartners([W.helene, W.amelie])
        try await world.harness.append([TestMail.message(id: "m1@inrae.example", subject: "Carbone")], to: Self.list)
        try await world.runOnce()
        let got = try await world.waitForMail("amelie", count: 1)
        try #require(got.count == 1)
        #expect(got[0].all("List-Unsubscribe") == ["<mailto:college-research+leave@lists.example.org>"])
        #expect(got[0].all("List-Unsubscribe-Post").isEmpty)
        #expect(got[0].all("List-Archive") == ["<https://lists.example.org/lists/college-research>"])
        #expect(got[0].parsed.subject == "[Recherche] Carbone")
    }

    @Test("a non-partner whose mail names no language gets one notice in French (the list's language) first, then English and Spanish; nobody else gets anything")
    func nonPartnerNotice() async throws {
        let world = try await W.start()
        defer { world.stop() }
        try await world.importPartners(W.register)
        try await Self.addStranger(world)
        try await world.harness.append([TestMail.message(id: "spam@nowhere.example", from: "Un Inconnu <\(W.stranger)>",
                                                         subject: "Proposition de collaboration")], to: Self.list)
        try await world.runOnce()
        let notices = try await world.waitForMail("stranger", count: 1)
        try await world.settle()
        try #require(notices.count == 1)
        let notice = notices[0]
        #expect(notice.all("Auto-Submitted") == ["auto-replied"])
        #expect(notice.parsed.subject.contains("Proposition de collaboration"), "\(notice.parsed.subject)")
        #expect(notice.all("In-Reply-To") == ["<spam@nowhere.example>"])
        let text = try #require(notice.parsed.text)
        #expect(text.contains("Votre message «\u{00A0}Proposition de collaboration\u{00A0}»"), "\(text)")
        #expect(text.contains("réservée aux partenaires"), "French, the list's language: \(text)")
        #expect(text.contains("reserved for partners") && text.contains("reservada a los socios"), "then English and Spanish: \(text)")
        #expect(text.range(of: "réservée aux partenaires")!.lowerBound < text.range(of: "reserved for partners")!.lowerBound)
        #expect(notice.all("Return-Path") == ["<>"], "null reverse-path")
        for partner in W.register {
            #expect(try await world.mailbox(partner.mailboxUser).isEmpty, "\(partner.address) got something")
        }
        #expect(try await world.archivedMessage("spam@nowhere.example")["status"] as? String == "rejected")
        #expect(try await world.outbox().count == 1, "only the notice was queued")

        // A second post from the same outsider the same day: no second notice (rate limit), still nothing for members.
        try await world.harness.append([TestMail.message(id: "spam2@nowhere.example", from: W.stranger,
                                                         subject: "Relance")], to: Self.list)
        try await world.runOnce()
        try await world.settle()
        #expect(try await world.mailbox("stranger").count == 1)
        #expect(try await world.mailbox("amelie").isEmpty)
    }

    @Test("a partner of another college gets the notice naming the groups they can post to; nobody else gets anything")
    func wrongCollegeNotice() async throws {
        let world = try await W.start()
        defer { world.stop() }
        try await world.importPartners(W.register)
        try await world.harness.append([TestMail.message(id: "prod@coopsol.example", from: "Paul Fermier <paul@coopsol.example>",
                                                         subject: "Couverts végétaux")], to: Self.list)
        try await world.runOnce()
        let notices = try await world.waitForMail("paul", count: 1)
        try await world.settle()
        try #require(notices.count == 1)
        let text = try #require(notices[0].parsed.text)
        #expect(notices[0].all("Auto-Submitted") == ["auto-replied"])
        #expect(text.contains("«\u{00A0}Couverts végétaux\u{00A0}»"), "\(text)")
        #expect(text.contains("Vous pouvez écrire aux groupes suivants"), "\(text)")
        #expect(text.contains("interface-knowledge@lists.example.org"), "the interface is open to every partner: \(text)")
        #expect(!text.contains("funders@lists.example.org"), "not a funder: \(text)")
        #expect(!text.contains("- Instituts de recherche"), "not the research college: \(text)")
        for partner in W.register where partner.address != W.farmer.address {
            #expect(try await world.mailbox(partner.mailboxUser).isEmpty, "\(partner.address) got something")
        }
        let archived = try await world.archivedMessage("prod@coopsol.example")
        #expect(archived["status"] as? String == "rejected")
    }

    @Test("a held post approved by a plain Reply (to +confirm.<token>@) is delivered once; the moderator is told; a non-moderator's reply and a second approval do nothing but answer")
    func emailedApproval() async throws {
        let world = try await W.start { json in
            var json = json
            var lists = json["lists"] as! [[String: Any]]
            lists[0]["non_member_action"] = "hold"
            json["lists"] = lists
            return json
        }
        defer { world.stop() }
        try await world.importPartners(W.register)
        try await Self.addStranger(world)
        try await world.cli(["members", "set", "--list", Self.list, W.modo.address, "--role", "moderator"])
        try await world.harness.append([TestMail.message(id: "offer@nowhere.example", from: "Un Inconnu <\(W.stranger)>",
                                                         subject: "Offre de stage")], to: Self.list)
        try await world.runOnce()
        let requests = try await world.waitForMail("modo", count: 1)
        try await world.settle()
        try #require(requests.count == 1)
        let request = requests[0]
        #expect(request.parsed.subject.hasPrefix("[Instituts de recherche] Offre de stage — Un Inconnu ("), "\(request.parsed.subject)")
        #expect(request.parsed.from.first?.address == "college-research+owner@lists.example.org")
        let replyTo = try #require(request.parsed.replyTo.first?.address)
        #expect(replyTo.hasPrefix("college-research+confirm.") && replyTo.hasSuffix("@lists.example.org"), "\(replyTo)")
        #expect(!request.text.contains("mailgateway moderation"), "no CLI line in an email")
        #expect(try await world.archivedMessage("offer@nowhere.example")["status"] as? String == "held")
        for user in ["amelie", "jose", "helene"] {
            #expect(try await world.mailbox(user).isEmpty, "held: \(user) got something")
        }

        func reply(id: String, from: String) -> [UInt8] {
            // A plain Reply: to the request's Reply-To.
            TestMail.message(id: id, from: from, to: replyTo, subject: Self.encoded("Re: " + request.parsed.subject),
                             inReplyTo: request.parsed.messageID, body: "approve\r\n\r\n> quoted request\r\n")
        }
        // José is a member but not a moderator: nothing happens, and he is told so (in Spanish).
        try await world.harness.append([reply(id: "r0@cirad.example", from: W.jose.address)], to: Self.list)
        try await world.runOnce()
        let told = try await world.waitForMail("jose", count: 1)
        try await world.settle()
        #expect(try await world.mailbox("amelie").isEmpty, "a non-moderator cannot approve")
        #expect(try await world.archivedMessage("offer@nowhere.example")["status"] as? String == "held")
        let refused = try await world.archivedMessage("r0@cirad.example")
        #expect(refused["status"] as? String == "discarded" && refused["decisionRule"] as? String == "moderator-reply",
                "kept, out of the public views: \(refused)")
        #expect(told.count == 1 && told.first?.parsed.subject.contains("no modera") == true, "\(told.map(\.parsed.subject))")

        // Marc approves by mail, and is told how many members it went to.
        try await world.harness.append([reply(id: "r1@inrae.example", from: "Marc Modo <modo@inrae.example>")], to: Self.list)
        try await world.runOnce()
        let amelie = try await world.waitForMail("amelie", count: 1)
        let jose = try await world.waitForMail("jose", count: 2)
        try #require(amelie.count == 1 && jose.count == 2)
        #expect(amelie[0].parsed.messageID == "offer@nowhere.example")
        #expect(amelie[0].parsed.subject == "[Recherche] Offre de stage")
        #expect(amelie[0].all("List-Id").count == 1)
        #expect(jose[1].parsed.messageID == "offer@nowhere.example")
        #expect(try await world.archivedMessage("offer@nowhere.example")["status"] as? String == "accepted")
        let answers = try await world.waitForMail("modo", count: 3)
        #expect(answers.count >= 2 && answers[1...].contains { $0.parsed.subject.hasPrefix("Approuvé\u{00A0}: Offre de stage") },
                "\(answers.map(\.parsed.subject))")

        // The same approval again (another copy of the reply): nothing more, but the answer "already decided".
        try await world.harness.append([reply(id: "r2@inrae.example", from: "Marc Modo <modo@inrae.example>")], to: Self.list)
        try await world.runOnce()
        try await world.settle()
        #expect(try await world.mailbox("amelie").count == 1)
        #expect(try await world.mailbox("jose").count == 2)
        #expect(try await world.mailbox("helene").count == 1)
        #expect(try await world.outbox(status: "sent").filter { $0["recipient"] as? String == "amelie@ird.example" }.count == 1)
        let late = try await world.waitForMail("modo", count: 4)
        #expect(late.contains { $0.parsed.subject.hasPrefix("Déjà décidé\u{00A0}: Offre de stage") }, "\(late.map(\.parsed.subject))")
    }

    @Test("a too-large post from a partner is held and an emailed approval delivers it")
    func tooLargeApproved() async throws {
        let world = try await W.start { json in
            var json = json
            var lists = json["lists"] as! [[String: Any]]
            lists[0]["max_post_bytes"] = 2000
            json["lists"] = lists
            return json
        }
        defer { world.stop() }
        try await world.importPartners(W.register)
        try await world.cli(["members", "set", "--list", Self.list, W.modo.address, "--role", "moderator"])
        let big = String(repeating: "Des données de carbone, ligne après ligne.\r\n", count: 80)
        try await world.harness.append([TestMail.message(id: "big@cirad.example", from: W.jose.address,
                                                         subject: "Jeu de données", body: big)], to: Self.list)
        try await world.runOnce()
        let requests = try await world.waitForMail("modo", count: 1)
        try #require(requests.count == 1)
        #expect(try await world.mailbox("amelie").isEmpty)
        // A client that replies to the From (the owner address): the token at the end of the subject decides.
        try await world.harness.append([TestMail.message(
            id: "ok@inrae.example", from: W.modo.address, to: requests[0].parsed.from.first?.address ?? "",
            subject: Self.encoded("Re: " + requests[0].parsed.subject),
            body: "Bonjour,\r\n\r\napprouver\r\n\r\nCordialement\r\n")], to: Self.list)
        try await world.runOnce()
        let amelie = try await world.waitForMail("amelie", count: 1)
        try #require(amelie.count == 1)
        #expect(amelie[0].parsed.messageID == "big@cirad.example")
        #expect(amelie[0].parsed.text?.contains("ligne après ligne") == true)
    }

    /// A world whose gateway trusts `mx.lists.example.org`'s Authentication-Results, with the partners imported.
    static func trustingWorld() async throws -> DeliveryWorld {
        let world = try await W.start { json in
            var json = json
            json["trusted_authserv_id"] = "mx.lists.example.org"
            return json
        }
        do {
            try await world.importPartners(W.register)
        } catch {
            world.stop()
            throw error
        }
        return world
    }

    @Test("a forged Authentication-Results from an untrusted server is ignored; the trusted server's aligned dkim=pass is honoured")
    func forgedAuthenticationResults() async throws {
        let world = try await Self.trustingWorld()
        defer { world.stop() }
        try await world.harness.append([
            TestMail.message(id: "forged@inrae.example", subject: "Forgé",
                             extraHeaders: ["Authentication-Results: evil.example; dkim=pass header.d=inrae.example"]),
            TestMail.message(id: "misaligned@inrae.example", subject: "Mal aligné",
                             extraHeaders: ["Authentication-Results: mx.lists.example.org; dkim=pass header.d=evil.example"]),
            TestMail.message(id: "genuine@inrae.example", subject: "Authentique",
                             extraHeaders: ["Authentication-Results: mx.lists.example.org;\r\n dkim=pass header.d=inrae.example header.s=sel"]),
        ], to: Self.list)
        try await world.runOnce()
        let amelie = try await world.waitForMail("amelie", count: 1)
        try await world.settle()
        #expect(try await world.mailbox("amelie").count == 1, "only the genuine post")
        #expect(amelie.map(\.parsed.messageID) == ["genuine@inrae.example"])
        for id in ["forged@inrae.example", "misaligned@inrae.example"] {
            let archived = try await world.archivedMessage(id)
            #expect(archived["status"] as? String == "held", "\(id): \(archived["status"] ?? "?")")
            #expect(archived["decisionRule"] as? String == "spoofing", "\(id): \(archived["decisionRule"] ?? "?")")
        }
        #expect(try await world.archivedMessage("genuine@inrae.example")["status"] as? String == "accepted")
        // Hélène gets her own genuine post (own posts on by default), and no notice about the unproven ones.
        let helene = try await world.mailbox("helene").map { try Delivered($0).parsed.messageID }
        #expect(helene == ["genuine@inrae.example"], "no notice to an unproven From")
    }

    @Test("a trusted-looking Authentication-Results planted below the first Received gets a forged partner post held, not delivered")
    func plantedAuthenticationResultsBelowReceived() async throws {
        let world = try await Self.trustingWorld()
        defer { world.stop() }
        // The border MTA's own result and Received on top; the sender's planted pass below them.
        let planted = Array(("Authentication-Results: mx.lists.example.org; spf=fail smtp.mailfrom=mallory@evil.example; dkim=none\r\n"
            + "Received: from evil.example by mx.lists.example.org; Wed, 25 Nov 2026 10:00:00 +0100\r\n"
            + "Authentication-Results: mx.lists.example.org; dkim=pass header.d=inrae.example\r\n").utf8)
            + TestMail.message(id: "planted@inrae.example", subject: "Planté")
        let genuine = Array(("Authentication-Results: mx.lists.example.org; dkim=pass header.d=inrae.example\r\n"
            + "Received: from mail.inrae.example by mx.lists.example.org; Wed, 25 Nov 2026 10:00:00 +0100\r\n").utf8)
            + TestMail.message(id: "genuine2@inrae.example", subject: "Authentique")
        try await world.harness.append([planted, genuine], to: Self.list)
        try await world.runOnce()
        let amelie = try await world.waitForMail("amelie", count: 1)
        try await world.settle()
        #expect(amelie.map(\.parsed.messageID) == ["genuine2@inrae.example"], "only the genuine post")
        #expect(try await world.mailbox("amelie").count == 1)
        let archived = try await world.archivedMessage("planted@inrae.example")
        #expect(archived["status"] as? String == "held", "\(archived["status"] ?? "?")")
        #expect(archived["decisionRule"] as? String == "spoofing")
    }

    @Test("smuggled From and Reply-To (a bare CR, a colon-less line) never reach a member's copy")
    func smuggledHeaderFields() async throws {
        let world = try await W.start()
        defer { world.stop() }
        try await world.importPartners(W.register)
        let bareCR = Array(("X-Note: hello\rFrom: \"Secretariat\" <secretariat@lists.example.org>\r\n").utf8)
            + TestMail.message(id: "smuggle1@inrae.example", subject: "Un")
        let colonless = TestMail.message(id: "smuggle2@inrae.example", subject: "Deux", extraHeaders: [
            "this line has no colon", "From: \"Secretariat\" <secretariat@lists.example.org>", "Reply-To: attacker@evil.example",
        ])
        try await world.harness.append([bareCR, colonless], to: Self.list)
        try await world.runOnce()
        let amelie = try await world.waitForMail("amelie", count: 1)
        try await world.settle()
        // The colon-less one is Hélène's post as the policy read it. The bare CR may reach the gateway as a line
        // break (the IMAP server is free to normalise it): then the policy judges the Secretariat's From and
        // rejects it, and no member gets a copy; either way members get only what the policy saw.
        #expect(try await world.archivedMessage("smuggle2@inrae.example")["status"] as? String == "accepted")
        let first = try await world.archivedMessage("smuggle1@inrae.example")["status"] as? String
        #expect(amelie.map(\.parsed.messageID).sorted()
                == (first == "accepted" ? ["smuggle1@inrae.example", "smuggle2@inrae.example"] : ["smuggle2@inrae.example"]))
        for copy in amelie {
            let text = String(decoding: copy.raw, as: UTF8.self)
            let header = String(text[..<(text.range(of: "\r\n\r\n")?.lowerBound ?? text.endIndex)])
            let lines = header.components(separatedBy: "\r\n")
            #expect(lines.filter { $0.lowercased().hasPrefix("from:") }.count == 1, "\(header)")
            #expect(!lines.contains { $0.lowercased().hasPrefix("from:") && $0.contains("ecretariat") }, "\(header)")
            #expect(!lines.contains { $0.lowercased().hasPrefix("reply-to:") && $0.contains("attacker") }, "\(header)")
            #expect(copy.parsed.from.first?.address == "helene@inrae.example")
            let archived = try await world.archivedMessage(copy.parsed.messageID)
            #expect(archived["status"] as? String == "accepted")
        }
    }

    @Test("loops (our List-Id, our X-Loop) and auto-replies are discarded: nobody receives or is answered, the archive says why")
    func loopsAndAutoRepliesDiscarded() async throws {
        let world = try await W.start()
        defer { world.stop() }
        try await world.importPartners(W.register)
        try await Self.addStranger(world)
        try await world.harness.append([
            TestMail.message(id: "loop1@cirad.example", from: W.jose.address, subject: "Boucle List-Id",
                             extraHeaders: ["List-Id: Instituts de recherche <college-research.lists.example.org>"]),
            TestMail.message(id: "loop2@cirad.example", from: W.jose.address, subject: "Boucle X-Loop",
                             extraHeaders: ["X-Loop: college-research@lists.example.org"]),
            TestMail.message(id: "loop3@cirad.example", from: W.jose.address, subject: "Autre liste",
                             extraHeaders: ["List-Id: <funders.lists.example.org>"]),
            TestMail.message(id: "ooo@cirad.example", from: W.jose.address, subject: "Absence du bureau",
                             extraHeaders: ["Auto-Submitted: auto-replied"]),
            TestMail.message(id: "ooo2@nowhere.example", from: W.stranger, subject: "Réponse automatique",
                             extraHeaders: ["Auto-Submitted: auto-replied"]),
        ], to: Self.list)
        let output = try await world.runOnce()
        try await world.settle()
        for user in W.register.map(\.mailboxUser) + ["stranger"] {
            #expect(try await world.mailbox(user).isEmpty, "\(user) got something")
        }
        #expect(try await world.outbox().isEmpty, "nothing queued at all: \(output)")
        for (id, rule) in [("loop1@cirad.example", "loop"), ("loop2@cirad.example", "loop"), ("loop3@cirad.example", "loop"),
                           ("ooo@cirad.example", "auto-reply"), ("ooo2@nowhere.example", "auto-reply")] {
            let archived = try await world.archivedMessage(id)
            #expect(archived["status"] as? String == "discarded", "\(id): \(archived["status"] ?? "?")")
            #expect(archived["decisionRule"] as? String == rule, "\(id): \(archived["decisionRule"] ?? "?")")
        }
    }
}
