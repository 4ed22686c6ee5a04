import Foundation
import Testing
@testable import MailGateway
import TestSupport

/// From rewriting decided by DNS, end to end: the gateway (`run --once`) reads posts from Dovecot, looks up the
/// authors' `_dmarc` records on a local DNS server (configuration `dmarc.nameserver`) before the transaction,
/// and sends the copies to an smtp-sink.
@Suite(.serialized) struct DMARCDeliveryTests {
    typealias W = DeliveryWorld

    @Test("an author whose domain publishes p=reject is sent 'via' the list with Reply-To; p=none keeps its From")
    func fromRewrittenByPublishedPolicy() async throws {
        let dns = try DNSTestServer.start(zone: [
            "_dmarc.inrae.example": .init(["v=DMARC1; p=reject"], ttl: 3600),
            "_dmarc.ird.example": .init(["v=DMARC1; p=none; rua=mailto:d@ird.example"], ttl: 3600),
        ])
        defer { dns.stop() }
        let sink = try SMTPSink.start()
        defer { sink.remove() }
        let world = try await W.start(smtpPort: sink.port) { json in
            var json = json
            json["dmarc"] = ["nameserver": dns.address, "timeout_seconds": 1]
            return json
        }
        defer { world.stop() }
        try await world.importPartners(W.register, mailboxes: false)
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
}
