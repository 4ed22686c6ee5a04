import Foundation
import Testing
import MailGateway
import TestSupport

/// `ListMTAHarness` end to end: a partner's message goes through the Postfix relay into a list's mailbox, the
/// gateway (`mailgateway run --once`) reads and distributes it, and the copy comes back through the relay into a
/// member's mailbox.
@Suite("ListMTAHarness: a partner's post through the MTA, run --once, a member's mailbox",
       .enabled(if: DovecotServer.available && PostfixRelay.available,
                Comment(rawValue: DovecotServer.absentMessage + "; " + PostfixRelay.absentMessage)),
       .serialized)
struct ListMTAHarnessTests {
    @Test("a partner's post to an interface list, sent through the relay, reaches the interface's member and not the author")
    func interfacePostDelivered() async throws {
        let mta = try await ListMTAHarness.start(members: ["helene", "bob"])
        defer { mta.stop() }
        let csv = "organisation,country,college,funder,person,email,language\n"
            + "INRAE,France,research,no,Hélène Dubois,helene@inrae.example,fr\n"
            + "Partner Org,France,producers,no,Bob Martin,bob@partner.example,en\n"
        let path = mta.gateway.directory.appendingPathComponent("partners.csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        try await mta.cli(["partners", "import", path, "--no-welcome"])
        try await mta.cli(["members", "add", "--list", "interface-knowledge", "bob@partner.example", "--no-welcome"])

        let id = try await mta.send(from: "Hélène Dubois <helene@inrae.example>",
                                    to: "interface-knowledge@lists.example.org", subject: "Carbone des sols : atelier",
                                    body: "Bonjour,\r\nun atelier le 12 janvier.\r\n")
        let inbox = try await mta.waitForMail(user: "interface-knowledge", count: 1)
        #expect(inbox.count == 1, "the post is in the interface's mailbox before the gateway runs")
        try await mta.runOnce()
        let bob = try await mta.waitForMail(user: "bob", count: 1)
        try await mta.settle()
        try #require(bob.count == 1, "\(mta.relay.logTail())")
        let copy = try MessageParser.parse(bob[0])
        #expect(copy.messageID == id)
        #expect(copy.headerValues("Delivered-To") == ["bob@partner.example"])
        #expect(copy.headerValues("List-Post") == ["<mailto:interface-knowledge@lists.example.org>"])
        #expect(copy.subject.contains("Carbone des sols : atelier"), "\(copy.subject)")
        #expect(try await mta.fetch(user: "helene").isEmpty, "the author does not get her post back")
    }
}
