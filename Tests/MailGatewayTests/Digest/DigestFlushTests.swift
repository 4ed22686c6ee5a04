import Digest
import Foundation
import GRDB
import Testing
@testable import MailGateway
import TestSupport

/// Leaving the digest by email sends what accumulated: the mode change records a flush request in its own
/// transaction (`digest_flushes`), the next digest run sends it once.
@Suite("Digest flush on leaving")
struct DigestFlushTests {
    @Test("a digest member who sends list+set.each@ and confirms gets their accumulated posts once, then posts at once")
    func setEachByEmail() throws {
        let world = try CommandWorld()
        defer { world.close() }
        try world.directory.addMember(listID: "interface-knowledge", address: "olivia@soilfund.example")
        try world.directory.setMember(listID: "interface-knowledge", address: "olivia@soilfund.example", delivery: .digest)
        // Real instants throughout: the mode change is recorded at the time of its transaction.
        try world.process(CommandWorld.command(nil, from: "Hélène Dubois <helene@inrae.example>", id: "acc-1@inrae.example",
                                               subject: "Soil carbon data"))
        try world.process(CommandWorld.command(nil, from: "Hélène Dubois <helene@inrae.example>", id: "acc-2@inrae.example",
                                               subject: "Field trip"))
        let digestCopies = { try world.outbox().filter { $0.purpose.hasPrefix("digest:") } }
        #expect(try digestCopies().isEmpty)

        // set.each without an authenticated From: a confirmation first, nothing changes.
        try world.process(CommandWorld.command("set.each", from: "olivia@soilfund.example"))
        #expect(try world.membership("olivia@soilfund.example")?.delivery == .digest)
        let confirmation = try #require(try world.outbox().first { $0.purpose.hasPrefix("confirm:") })
        let token = try #require(confirmation.token)
        try world.process(CommandWorld.command("confirm.\(token)", from: "olivia@soilfund.example"))
        #expect(try world.membership("olivia@soilfund.example")?.delivery == .immediate)

        let run = DigestRun(config: world.gateway.config,
                            renderer: try DigestRenderer(templatesDirectory: world.gateway.config.templatesDirectory))
        let report = try run.run(world.gateway.database.pool, at: Date().addingTimeInterval(5))
        #expect(report.issues == 1)
        let digest = try #require(try digestCopies().first)
        #expect(try digestCopies().count == 1 && digest.recipient == "olivia@soilfund.example")
        let text = String(decoding: digest.raw, as: UTF8.self).replacingOccurrences(of: "=\r\n", with: "")
        #expect(text.contains("Soil carbon data") && text.contains("Field trip"), "both accumulated posts")
        // Once: a second run (or the daemon's next wake-up) sends nothing, and the request is gone.
        #expect(try run.run(world.gateway.database.pool, at: Date().addingTimeInterval(6)).issues == 0)
        #expect(try digestCopies().count == 1)
        #expect(try world.gateway.database.pool.read { db in
            try DigestFlushRecord.pending(db, upTo: .distantFuture) }.isEmpty)
        // From now on each post goes to her at once.
        try world.process(CommandWorld.command(nil, from: "Hélène Dubois <helene@inrae.example>", id: "acc-3@inrae.example",
                                               subject: "After"))
        #expect(try world.outbox().contains { $0.purpose == "post" && $0.recipient == "olivia@soilfund.example" })
    }
}
