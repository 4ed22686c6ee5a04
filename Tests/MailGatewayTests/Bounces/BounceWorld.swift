import Foundation
import GRDB
@testable import MailGateway
import TestSupport

/// The command tests' gateway (``CommandWorld``: two lists, a small register) with what the bounce tests need:
/// copies queued with their per-copy VERP address, bounces written from the fixtures to a given address, and the
/// bounce actions run at a given instant.
struct BounceWorld {
    let world: CommandWorld
    var gateway: Gateway { world.gateway }
    let list = "interface-knowledge"
    static let listAddress = "interface-knowledge@lists.example.org"

    init() throws {
        world = try CommandWorld()
        // Hélène moderates the interface; José and Olivia read it.
        _ = try world.directory.addMember(listID: list, address: "helene@inrae.example", role: .moderator)
        _ = try world.directory.addMember(listID: list, address: "jose@cirad.example")
        _ = try world.directory.addMember(listID: list, address: "olivia@soilfund.example")
    }

    func close() { world.close() }

    /// Queues one copy of a post to `recipient` at `now`; returns its outbox id and envelope sender.
    @discardableResult
    func copy(to recipient: String, list: String = "interface-knowledge", now: Date = Date()) throws -> (Int64, String) {
        let address = gateway.config.list(id: list)!.address
        let envelope = BounceEnvelope(listAddress: address, key: gateway.pipeline.distributor.bounceKey)
        return try gateway.database.pool.write { db in
            try Outbox.enqueue(db, listID: list, messageID: nil, purpose: .event("test-copy:\(UUID().uuidString)"),
                               copies: [OutgoingCopy(recipient: recipient, bounceEnvelope: envelope, headerPrefix: [],
                                                     shared: Array("Subject: x\r\n\r\nx\r\n".utf8))], now: now)
            let row = try Row.fetchOne(db, sql: "SELECT id, envelope_from FROM outbox ORDER BY id DESC LIMIT 1")!
            return (row["id"], row["envelope_from"])
        }
    }

    /// Fixture `name` as delivered to `envelope` (its placeholder bounce address replaced), with a fresh Message-ID.
    static func bounce(_ name: String, to envelope: String) throws -> [UInt8] {
        let url = Corpora.repositoryRoot.appendingPathComponent("Tests/Fixtures/bounces/\(name)")
        var text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        text = text.replacingOccurrences(of: "recherche+bounce.b.aaaaaaaaaaaaa@lists.example.org", with: envelope)
        var lines = text.components(separatedBy: "\n")
        if let i = lines.firstIndex(where: { $0.lowercased().hasPrefix("message-id:") }) {
            lines[i] = "Message-ID: <\(UUID().uuidString)@bounce.test>"
        }
        return LineEndings.crlf(Array(lines.joined(separator: "\n").utf8))
    }

    /// Processes a bounce message in the list's mailbox at `now`.
    @discardableResult
    func deliver(_ raw: [UInt8], list: String = "interface-knowledge", now: Date = Date()) throws -> IngestOutcome {
        try world.process(raw, list: list, now: now)
    }

    func events() throws -> [BounceEventRecord] {
        try gateway.database.pool.read { db in try BounceEventRecord.fetchAll(db, sql: "SELECT * FROM bounce_events ORDER BY id") }
    }

    func state(_ address: String) throws -> BounceState? {
        try gateway.database.pool.read { db in try BounceLedger.state(db, address: address) }
    }

    func addressRows() throws -> Int {
        try gateway.database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM bounce_addresses") ?? 0 }
    }

    @discardableResult
    func runActions(at now: Date) throws -> BounceActions.Report {
        let actions = gateway.bounceActions
        return try gateway.database.pool.write { db in try actions.run(db, now: now) }
    }

    /// Outbox copies whose purpose starts with `prefix`.
    func copies(_ prefix: String) throws -> [CommandWorld.Copy] {
        try world.outbox().filter { $0.purpose.hasPrefix(prefix) }
    }

    /// Records a hard SMTP refusal of a new copy to `address` at `now` (what the outbox sender records).
    func hardRefusal(_ address: String, at now: Date) throws {
        let (id, _) = try copy(to: address, now: now)
        try gateway.database.pool.write { db in
            _ = try BounceLedger.recordRefusal(db, copyID: id, listID: list, recipient: address, error: SMTPError(
                kind: .permanent, code: 550, reply: "5.1.1 <\(address)>: Recipient address rejected: User unknown",
                command: "RCPT"), now: now)
        }
    }
}
