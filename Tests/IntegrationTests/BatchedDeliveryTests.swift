import Foundation
import Testing
import MailGateway
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Issue 12, batched RCPTs: a list with `personalize: false` sends the byte-identical copies of a post in SMTP
/// transactions of up to 100 recipients, each recipient's result its own (a refused RCPT fails that copy only),
/// and a SIGKILL re-sends at most the transactions in flight.
@Suite("Batched delivery: unpersonalized copies share SMTP transactions",
       .enabled(if: DovecotServer.available && PostfixRelay.available,
                Comment(rawValue: DovecotServer.absentMessage + "; " + PostfixRelay.absentMessage)),
       .serialized)
struct BatchedDeliveryTests {
    typealias Faults = DeliveryFaultTests
    static let list = "college-research"
    static let bounceAddress = "college-research+bounce@lists.example.org"

    /// The configuration edit: the research list does not personalize; `connections` SMTP connections.
    static func unpersonalized(connections: Int) -> ([String: Any]) -> [String: Any] {
        { json in
            var json = json
            var delivery = json["delivery"] as! [String: Any]
            delivery["connections"] = connections
            json["delivery"] = delivery
            json["lists"] = (json["lists"] as! [[String: Any]]).map { list in
                var list = list
                if list["id"] as? String == Self.list { list["personalize"] = false }
                return list
            }
            return json
        }
    }

    static func world(sink: SMTPSink, connections: Int) async throws -> DeliveryWorld {
        try await DeliveryWorld.start(smtpPort: sink.port, configure: unpersonalized(connections: connections))
    }

    @Test("250 members, one connection: three transactions of at most 100 RCPTs, each member exactly once")
    func copiesShareTransactions() async throws {
        let sink = try SMTPSink.start()
        defer { sink.remove() }
        let world = try await Self.world(sink: sink, connections: 1)
        defer { world.stop() }
        let members = Faults.members(250)
        try await world.importAuthorAndMembers(members)
        try await world.harness.append([TestMail.message(id: "batch@inrae.example", subject: "Assemblée")], to: Self.list)
        try await world.runOnce()

        let dumps = try sink.dumps()
        #expect(dumps.map(\.recipients.count).sorted() == [50, 100, 100], "\(dumps.map(\.recipients.count))")
        #expect(dumps.allSatisfy { $0.envelopeFrom == Self.bounceAddress }, "\(Set(dumps.map(\.envelopeFrom)))")
        #expect(dumps.allSatisfy { $0.header("List-Unsubscribe") == "<mailto:college-research+leave@lists.example.org>" })
        #expect(Set(dumps.map(\.message)).count == 1, "every transaction carries the same bytes")
        let counts = try Faults.copiesPerRecipient(sink)
        #expect(Set(counts.keys) == Set(members.map(\.address)) && counts.values.allSatisfy { $0 == 1 })
        #expect(try await world.outbox(status: "sent").count == 250)
    }

    @Test("SIGKILL twice during a 600-copy unpersonalized fan-out: every member has the post, duplicates only within the transactions in flight")
    func killedMidBatchedFanOut() async throws {
        let connections = 2
        // The sink dumps each message, then waits a second before its 250: the in-flight window of a transaction.
        let sink = try SMTPSink.start(options: ["-W", ".:1"])
        defer { sink.remove() }
        let world = try await Self.world(sink: sink, connections: connections)
        defer { world.stop() }
        let members = Faults.members(600)
        try await world.importAuthorAndMembers(members)
        try await world.harness.append([TestMail.message(id: "batchkill@inrae.example", subject: "Assemblée")],
                                       to: Self.list)
        var kills = 0
        for point in [1, 3] {
            let daemon = try world.harness.spawn(["run", "--log-level", "warning"])
            let reached = try await Faults.wait(seconds: 60) { sink.count() >= point }
            // The sink frozen from the point until the daemon is dead: no transaction completes between the
            // observation and the kill, however late the signal is sent (6 transactions make the whole fan-out). What
            // the frozen sink reads to "." once resumed is the in-flight window, which the bound below allows.
            let paused = Result { try sink.pause() }
            daemon.signal(SIGKILL)
            let outcome = await daemon.waitOffPool()
            try sink.resume()
            try paused.get()
            #expect(reached, "the fan-out reached \(point) transactions: \(outcome.output)")
            kills += 1
        }
        let final = try await Faults.finish(world, expected: 600)
        #expect(final.status == 0, "\(final.output)")

        let counts = try Faults.copiesPerRecipient(sink)
        #expect(Set(counts.keys) == Set(members.map(\.address)), "every member got the post, nobody else")
        let duplicates = counts.values.reduce(0) { $0 + ($1 - 1) }
        #expect(counts.values.allSatisfy { $0 <= 1 + kills })
        #expect(duplicates <= kills * connections * OutboxTransaction.maxRecipients,
                "at most the transactions in flight (\(connections) × 100 RCPTs) per SIGKILL: \(duplicates)")
        #expect(try await world.outbox(status: "sent").count == 600)
        #expect(try await world.outbox(status: "pending").isEmpty)
        print("killedMidBatchedFanOut: \(duplicates) duplicate(s) in \(sink.count()) transactions")
    }

    @Test("a RCPT the relay refuses fails that copy alone (a bounce event); the others arrive from one transaction")
    func refusedRecipientFailsAlone() async throws {
        let mta = try await ListMTAHarness.start(members: ["ana", "ben", "helene"],
                                                 configure: Self.unpersonalized(connections: 1))
        defer { mta.stop() }
        var csv = "organisation,country,college,funder,person,email,language\n"
        csv += "INRAE,France,research,no,Hélène Dubois,helene@inrae.example,fr\n"
        csv += "IRD,France,research,no,Ana Lima,ana@ird.example,fr\n"
        // An address of the lists' domain that is no list: Postfix refuses it at RCPT time (docs/mta.md).
        csv += "Fantôme,France,research,no,Gaspard Fantôme,ghost@lists.example.org,fr\n"
        csv += "CIRAD,France,research,no,Ben Durand,ben@cirad.example,fr\n"
        let path = mta.gateway.directory.appendingPathComponent("partners.csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        try await mta.cli(["partners", "import", path, "--no-welcome"])
        try await mta.send(from: "Hélène Dubois <helene@inrae.example>", to: "college-research@lists.example.org",
                           subject: "Compte rendu")
        _ = try await mta.waitForMail(user: Self.list, count: 1)
        try await mta.runOnce()

        var queueIDs: Set<String> = []
        for user in ["ana", "ben", "helene"] {
            let copy = try #require(try await mta.waitForMail(user: user, count: 1).first)
            let parsed = try MessageParser.parse(copy)
            #expect(parsed.header("Return-Path") == "<\(Self.bounceAddress)>", "\(user)")
            #expect(parsed.header("List-Unsubscribe-Post") == nil)
            // The relay's Received field for the gateway's transaction names its queue id (the post's own Received
            // fields, kept in the copy, say `from partner.test`; Dovecot's say LMTP).
            let ids = parsed.headerValues("Received").filter { $0.hasPrefix("from gateway.test") }.compactMap { value in
                value.range(of: #"with E?SMTP id [0-9A-Za-z]+"#, options: .regularExpression).map { String(value[$0]) }
            }
            #expect(ids.count == 1, "\(user): \(parsed.headerValues("Received"))")
            queueIDs.formUnion(ids)
        }
        #expect(queueIDs.count == 1, "the three copies came from one SMTP transaction: \(queueIDs)")
        let output = try await mta.cli(["outbox", "list", "--json", "--limit", "100"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]])
        let ghost = try #require(rows.first { $0["recipient"] as? String == "ghost@lists.example.org" })
        #expect(ghost["status"] as? String == "failed")
        #expect((ghost["lastErrorCode"] as? Int).map { (500..<600).contains($0) } == true, "\(ghost)")
        #expect(ghost["lastErrorCommand"] as? String == "RCPT")
        #expect(rows.filter { $0["status"] as? String == "sent" }.count == 3, "\(rows)")
        let bounces = try await mta.cli(["bounces", "list", "--json"])
        #expect(bounces.contains("ghost@lists.example.org"), "the refusal is a bounce event: \(bounces)")
    }
}
