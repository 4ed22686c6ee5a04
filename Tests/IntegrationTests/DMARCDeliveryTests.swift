import Foundation
import GRDB
import Testing
@testable import MailGateway
import TestSupport

/// From rewriting decided by DNS, end to end: the gateway (`run --once`) reads posts from Dovecot, looks up the
/// authors' `_dmarc` records on a local DNS server (configuration `dmarc.nameserver`) before the transaction,
/// and sends the copies to an smtp-sink.
@Suite(.serialized) struct DMARCDeliveryTests {
    typealias W = DeliveryWorld

    /// A local DNS server with `zone`, an smtp-sink, and a gateway asking that server (`dmarc.nameserver`), the
    /// register imported without mailboxes; with `holdNonMembers`, the research college holds non-members' posts.
    static func start(zone: [String: DNSTestServer.Records], holdNonMembers: Bool = false) async throws
        -> (DNSTestServer, SMTPSink, DeliveryWorld) {
        let dns = try await DNSTestServer.start(zone: zone)
        let sink: SMTPSink
        do { sink = try SMTPSink.start() } catch { dns.stop(); throw error }
        let world: DeliveryWorld
        do { world = try await W.start(smtpPort: sink.port) { json in
            var json = json
            // A bound on a late answer, not a speed: the local server answers in milliseconds, but a starved test
            // process may read its answer late, and these tests need the answer (the silent server's timeout is
            // DMARCDNSTests').
            json["dmarc"] = ["nameserver": dns.address, "timeout_seconds": 10]
            if holdNonMembers {
                var lists = json["lists"] as? [[String: Any]] ?? []
                for index in lists.indices where lists[index]["id"] as? String == "college-research" {
                    lists[index]["non_member_action"] = "hold"
                }
                json["lists"] = lists
            }
            return json
        } } catch { sink.remove(); dns.stop(); throw error }
        do { try await world.importPartners(W.register, mailboxes: false) } catch {
            world.stop(); sink.remove(); dns.stop()
            throw error
        }
        return (dns, sink, world)
    }

    @Test("an author whose domain publishes p=reject is sent 'via' the list with Reply-To; p=none keeps its From")
    func fromRewrittenByPublishedPolicy() async throws {
        let (dns, sink, world) = try await Self.start(zone: [
            "_dmarc.inrae.example": .init(["v=DMARC1; p=reject"], ttl: 3600),
            "_dmarc.ird.example": .init(["v=DMARC1; p=none; rua=mailto:d@ird.example"], ttl: 3600),
        ])
        defer { world.stop(); sink.remove(); dns.stop() }
        try await world.harness.append([
            TestMail.message(id: "strict@inrae.example", subject: "Protocole"),
            TestMail.message(id: "lax@ird.example", from: "Amélie Nguyen <amelie@ird.example>", subject: "Données"),
        ], to: "college-research")
        try await world.runOnce()
        let deadline = Date().addingTimeInterval(20)
        while sink.count() < 8, Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }

        let copies = try sink.dumps().map { try MessageParser.parse(Array($0.message.utf8)) }
        let strict = copies.filter { $0.messageID == "strict@inrae.example" }
        let lax = copies.filter { $0.messageID == "lax@ird.example" }
        #expect(!strict.isEmpty && !lax.isEmpty, "\(copies.count) copies")
        for copy in strict {
            #expect(copy.from.first?.address == "college-research@lists.example.org")
            #expect(copy.from.first?.name == "Hélène Dubois via Instituts de recherche")
            #expect(copy.replyTo.first?.address == "helene@inrae.example")
        }
        for copy in lax {
            #expect(copy.from.first?.address == "amelie@ird.example")
            #expect(copy.replyTo.isEmpty)
        }
        #expect(dns.queries.contains("_dmarc.inrae.example 16"))
        #expect(dns.queries.contains("_dmarc.ird.example 16"))
    }

    @Test("a held post approved from the CLI (a process that never saw it) follows the author domain's p=reject")
    func approvalFromTheCLILooksThePolicyUp() async throws {
        let (dns, sink, world) = try await Self.start(
            zone: ["_dmarc.strict-demo.example": .init(["v=DMARC1; p=reject"], ttl: 3600)], holdNonMembers: true)
        defer { world.stop(); sink.remove(); dns.stop() }
        try await world.harness.append([TestMail.message(id: "held@strict-demo.example",
                                                         from: "Ana Pérez <ana@strict-demo.example>", subject: "Question")],
                                       to: "college-research")
        try await world.runOnce()
        #expect(try await world.archivedMessage("held@strict-demo.example")["status"] as? String == "held")
        let before = dns.queries.count
        try await world.cli(["moderation", "approve", "1"])
        #expect(dns.queries.count > before, "the CLI looked the policy up: \(dns.queries)")
        try await world.runOnce()
        let deadline = Date().addingTimeInterval(20)
        var copies: [ParsedMessage] = []
        while Date() < deadline {
            copies = try sink.dumps().map { try MessageParser.parse(Array($0.message.utf8)) }
                .filter { $0.messageID == "held@strict-demo.example" }
            if copies.count >= 4 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(!copies.isEmpty)
        for copy in copies {
            #expect(copy.from.first?.address == "college-research@lists.example.org", "\(copy.from)")
            #expect(copy.replyTo.first?.address == "ana@strict-demo.example")
        }
    }

    @Test("a stranger's post to a list that rejects strangers costs no DNS query and is archived from its header (its text parsed from raw when shown); a partner's post in the same run is looked up and archived whole")
    func rejectedMailIsNeverLookedUp() async throws {
        let (dns, sink, world) = try await Self.start(zone: [
            "_dmarc.inrae.example": .init(["v=DMARC1; p=reject"], ttl: 3600),
            "_dmarc.junk-demo.example": .init(["v=DMARC1; p=reject"], ttl: 3600),
        ])
        defer { world.stop(); sink.remove(); dns.stop() }
        try await world.harness.append([
            TestMail.message(id: "junk@junk-demo.example", from: "Offre <offre@mail.junk-demo.example>", subject: "Promo"),
            TestMail.message(id: "post@inrae.example", subject: "Protocole"),
        ], to: "college-research")
        try await world.runOnce()
        #expect(try await world.archivedMessage("junk@junk-demo.example")["status"] as? String == "rejected")
        #expect(try await world.archivedMessage("post@inrae.example")["status"] as? String == "accepted")
        #expect(dns.queries.contains("_dmarc.inrae.example 16"), "\(dns.queries)")
        #expect(!dns.queries.contains { $0.contains("junk-demo") }, "\(dns.queries)")
        // The ingest's plan (MailboxSync.prepareGroup): the stranger's post without its text, the partner's with it.
        let stored = try await world.harness.openDatabase().pool.read { db in
            try [String: Bool](uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT message_id, text IS NOT NULL AS t FROM messages")
                .map { ($0["message_id"], $0["t"]) })
        }
        #expect(stored == ["junk@junk-demo.example": false, "post@inrae.example": true])
        let shown = try await world.archivedMessage("junk@junk-demo.example")["text"] as? String
        #expect(shown?.contains("le carbone des sols") == true, "\(shown ?? "nil")")
    }
}
