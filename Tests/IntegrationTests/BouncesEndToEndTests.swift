import Foundation
import Testing
import MailGateway
import TestSupport

/// Bounces end to end (issue 11): a member's address is removed from Dovecot, the list's posts go through the
/// real Postfix relay, Postfix's DSNs come back to the copies' `list+bounce.<token>@` addresses in the list's own
/// mailbox, `run --once` reads them, the member is probed, then disabled, and the moderators are told.
@Suite("Bounces end to end: Postfix DSNs into the list's mailbox disable a dead address",
       .enabled(if: DovecotServer.available && PostfixRelay.available,
                Comment(rawValue: DovecotServer.absentMessage + "; " + PostfixRelay.absentMessage)),
       .serialized)
struct BouncesEndToEndTests {
    static let register = """
        organisation,country,college,funder,person,email,language
        INRAE,France,research,no,Hélène Dubois,helene@inrae.example,fr
        Farmers United,Kenya,producers,no,Bob Otieno,bob@farmers.example,en
        CIRAD,France,research,no,Gaston Parti,gone@cirad.example,fr
        """
    static let list = "interface-knowledge"

    /// Removes a Dovecot account (its line in the passwd-file, which Dovecot re-reads): mail to it is refused at
    /// LMTP RCPT from now on, so Postfix bounces it.
    static func removeMailbox(_ user: String, in mta: ListMTAHarness) throws {
        let users = mta.gateway.dovecot.directory.appendingPathComponent("users")
        let kept = try String(contentsOf: users, encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("\(user):") }.joined(separator: "\n") + "\n"
        let tmp = users.appendingPathExtension("tmp")
        try kept.write(to: tmp, atomically: false, encoding: .utf8)
        try #require(rename(tmp.path, users.path) == 0, "rename the passwd-file in place")
    }

    static func bouncesShow(_ mta: ListMTAHarness) async throws -> [String: Any] {
        let output = try await mta.cli(["bounces", "show", "gone@cirad.example", "--json"])
        return try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] ?? [:]
    }

    @Test("a dead address: DSNs arrive in the list's mailbox, the probe bounces, delivery is suspended, the moderator is told")
    func deadAddressIsDisabled() async throws {
        let mta = try await ListMTAHarness.start(members: ["helene", "bob", "gone"]) { json in
            var json = json
            // One bounce-day reaches the threshold, so the test needs no five days.
            json["bounces"] = ["threshold": 1]
            return json
        }
        defer { mta.stop() }
        let path = mta.gateway.directory.appendingPathComponent("partners.csv").path
        try Self.register.write(toFile: path, atomically: true, encoding: .utf8)
        try await mta.cli(["partners", "import", path, "--no-welcome"])
        try await mta.cli(["members", "add", "--list", Self.list, "helene@inrae.example", "--role", "moderator", "--no-welcome"])
        try await mta.cli(["members", "add", "--list", Self.list, "bob@farmers.example", "--no-welcome"])
        try await mta.cli(["members", "add", "--list", Self.list, "gone@cirad.example", "--no-welcome"])
        try Self.removeMailbox("gone", in: mta)

        // A post: Bob gets it; Gaston's copy is refused by Dovecot and Postfix returns a DSN to the copy's address.
        try await mta.send(from: "Hélène Dubois <helene@inrae.example>", to: "\(Self.list)@lists.example.org",
                           subject: "Réunion du 12")
        try await mta.runOnce()
        #expect(try await mta.waitForMail(user: "bob", count: 1).count == 1)
        let listMail = try await mta.waitForMail(user: Self.list, count: 2, seconds: 30)
        let dsn = try #require(listMail.dropFirst().first.map { try MessageParser.parse($0) })
        let deliveredTo = dsn.header("Delivered-To") ?? ""
        #expect(deliveredTo.hasPrefix("\(Self.list)+bounce."), "the DSN reached the copy's VERP address: \(deliveredTo)")
        #expect(dsn.contentType == "multipart/report")

        // Read: one hard event; the threshold (1) sends a probe, which bounces too.
        try await mta.runOnce()
        var shown = try await Self.bouncesShow(mta)
        let events = shown["events"] as? [[String: Any]] ?? []
        #expect(events.first?["bounceClass"] as? String == "hard", "\(shown)")
        #expect(events.first?["source"] as? String == "dsn")
        #expect((shown["state"] as? [String: Any])?["phase"] as? String == "probing", "\(shown)")
        _ = try await mta.waitForMail(user: Self.list, count: 3, seconds: 30)

        // The probe's DSN disables the address; the moderator is told.
        try await mta.runOnce()
        shown = try await Self.bouncesShow(mta)
        #expect((shown["state"] as? [String: Any])?["phase"] as? String == "disabled", "\(shown)")
        let helene = try await mta.waitForMail(user: "helene", count: 1, seconds: 30)
        let notice = try #require(helene.last.map { try MessageParser.parse($0) })
        #expect(notice.subject.contains("gone@cirad.example"), "\(notice.subject)")
        #expect(notice.text?.contains("mailgateway bounces show gone@cirad.example") == true)

        // The next post reaches Bob only; Gaston is still a member, suspended.
        try await mta.send(from: "Hélène Dubois <helene@inrae.example>", to: "\(Self.list)@lists.example.org",
                           subject: "Compte rendu")
        try await mta.runOnce()
        #expect(try await mta.waitForMail(user: "bob", count: 2).count == 2)
        let outbox = try await mta.cli(["outbox", "list", "--list", Self.list, "--json"])
        let copies = try JSONSerialization.jsonObject(with: Data(outbox.utf8)) as? [[String: Any]] ?? []
        let posts = copies.filter { $0["purpose"] as? String == "post" }
        #expect(posts.filter { $0["recipient"] as? String == "gone@cirad.example" }.count == 1, "only the first post")
        #expect(posts.filter { $0["recipient"] as? String == "bob@farmers.example" }.count == 2)
        let listed = try await mta.cli(["bounces", "list"])
        #expect(listed.contains("gone@cirad.example") && listed.contains("disabled"), "\(listed)")
    }
}
