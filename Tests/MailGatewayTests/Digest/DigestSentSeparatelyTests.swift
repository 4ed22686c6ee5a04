import Digest
import Foundation
import GRDB
import Testing
@testable import MailGateway
import TestSupport

/// An announcement reaches digest members at once; their next digest lists it "sent separately" and does not
/// repeat it, while one they did not get on its own (they read nothing when it was sent) is in full.
@Suite("Digest: sent separately")
struct DigestSentSeparatelyTests {
    static func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    /// Each digest copy to `recipient`, header and body, soft line breaks of quoted-printable removed.
    static func digests(_ gateway: Gateway, to recipient: String) throws -> [String] {
        try gateway.database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT o.header_prefix, b.bytes FROM outbox o JOIN outbox_body b ON b.id = o.body_id
                WHERE o.recipient = ? AND o.purpose LIKE 'digest:%' ORDER BY o.id
                """, arguments: [recipient]).map { row in
                String(decoding: (row["header_prefix"] as Data) + (row["bytes"] as Data), as: UTF8.self)
                    .replacingOccurrences(of: "=\r\n", with: "")
            }
        }
    }

    @Test("an announcement a digest member got at once is listed 'sent separately', not embedded; one they did not get is")
    func announcementInDigest() throws {
        let announcements = AnnouncementTests()
        let (gateway, directory, dir) = try announcements.makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Ana reads announce as a digest from the start; José and Olivia read nothing when the first is sent.
        try directory.setMember(listID: "announce", address: "ana@individual.example", delivery: .digest)
        try directory.setMember(listID: "announce", address: "jose@cirad.example", delivery: DeliveryMode.none)
        try directory.setMember(listID: "announce", address: "olivia@soilfund.example", delivery: DeliveryMode.none)
        func announce(_ id: String, _ subject: String, body: String, at: String) throws {
            _ = try announcements.process(gateway, list: "announce", TestMail.message(
                id: id, from: "Secretariat <\(AnnouncementTests.secretariat)>", to: "announce@lists.example.org",
                subject: subject, body: body, extraHeaders: AnnouncementTests.authenticated("4p1000.example")),
                now: Self.utc(at))
        }
        try announce("first@4p1000.example", "General assembly", body: "first-body-marker\r\n", at: "2026-03-02T10:00:00Z")
        try directory.setMember(listID: "announce", address: "jose@cirad.example", delivery: .digest)
        try directory.setMember(listID: "announce", address: "olivia@soilfund.example", delivery: .digestMIME)
        try announce("second@4p1000.example", "Call for projects", body: "second-body-marker\r\n", at: "2026-03-02T11:00:00Z")

        let run = DigestRun(config: gateway.config,
                            renderer: try DigestRenderer(templatesDirectory: gateway.config.templatesDirectory))
        let report = try run.run(gateway.database.pool, at: Self.utc("2026-03-03T08:00:00Z"))
        #expect(report.issues == 3)

        // Ana (es, digest) got both at once: both listed as sent separately, neither body repeated.
        let ana = try #require(try Self.digests(gateway, to: "ana@individual.example").first)
        #expect(ana.components(separatedBy: "General assembly (enviado por separado)").count == 2)
        #expect(ana.components(separatedBy: "Call for projects (enviado por separado)").count == 2)
        #expect(!ana.contains("first-body-marker") && !ana.contains("second-body-marker"))
        // José reads the same issue the same way but got only the second at once: his body is his own.
        let jose = try #require(try Self.digests(gateway, to: "jose@cirad.example").first)
        #expect(!jose.contains("General assembly (enviado por separado)"))
        #expect(jose.contains("first-body-marker"))
        #expect(jose.contains("Call for projects (enviado por separado)") && !jose.contains("second-body-marker"))
        // Olivia (en, RFC 2046): the second in the contents, marked, and not a message/rfc822 part; the first embedded.
        let olivia = try #require(try Self.digests(gateway, to: "olivia@soilfund.example").first)
        let contents = olivia.components(separatedBy: "\r\n").filter { $0.contains(". Call for projects (") }
        #expect(contents.count == 1 && contents.allSatisfy { $0.hasSuffix(" [sent separately]") })
        #expect(!olivia.contains("second-body-marker") && !olivia.contains("Message-ID: <second@4p1000.example>"))
        #expect(olivia.contains("Message-ID: <first@4p1000.example>") && olivia.contains("first-body-marker"))
        #expect(olivia.components(separatedBy: "Content-Type: message/rfc822").count == 2)
    }
}
