import Foundation
import Testing
import MailGateway
import TestSupport

/// Issue 9, end to end: posts ingested by `run --once`, then `mailgateway digest run --at` (a real process) twice;
/// the digests go through the outbox to a private Postfix relaying into Dovecot, and are read back from the
/// members' mailboxes: exactly one digest per digest member, listing exactly the posts.
@Suite("Digest end to end: digest run --at twice through Postfix",
       .enabled(if: DovecotServer.available && PostfixRelay.available,
                Comment(rawValue: DovecotServer.absentMessage + "; " + PostfixRelay.absentMessage)),
       .serialized)
struct DigestDeliveryTests {
    typealias W = DeliveryWorld
    static let list = "college-research"

    @Test("two digest members in two time zones get exactly one digest each; a second run sends nothing")
    func digestRunTwice() async throws {
        let world = try await W.start()
        defer { world.stop() }
        try await world.importPartners(W.register)
        try await world.cli(["members", "set", "--list", Self.list, W.juergen.address, "--delivery", "digest",
                             "--time-zone", "Europe/Berlin"])
        try await world.cli(["members", "set", "--list", Self.list, W.jose.address, "--delivery", "digest-plain",
                             "--time-zone", "America/Lima", "--digest-time", "06:30"])
        try await world.cli(["members", "set", "--list", Self.list, W.amelie.address, "--delivery", "nomail"])
        try await world.harness.append([
            TestMail.message(id: "p1@inrae.example", subject: "Carbone"),
            TestMail.message(id: "p2@inrae.example", subject: "Re: Carbone", inReplyTo: "p1@inrae.example",
                             references: ["p1@inrae.example"]),
        ], to: Self.list)
        try await world.runOnce()
        let at = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400 + 60))
        // The preview prints the issue and records nothing.
        let preview = try await world.cli(["digest", "preview", "--list", Self.list, "--member", W.jose.address,
                                           "--at", at, "--mode", "summary"])
        // A summary lists threads and authors, no bodies and no Message-IDs.
        #expect(preview.contains("Carbone") && !preview.contains("p2%40inrae.example"), "\(preview)")
        #expect(try await world.cli(["digest", "status", "--list", Self.list]).contains("digest 1, digest-plain 1"))
        let first = try await world.cli(["digest", "run", "--at", at, "--log-level", "warning"])
        #expect(first.contains("digest: 2 issue(s), 2 message(s) enqueued"), "\(first)")
        let second = try await world.cli(["digest", "run", "--at", at, "--log-level", "warning"])
        #expect(second.contains("digest: 0 issue(s), 0 message(s) enqueued"), "\(second)")

        let juergen = try await world.waitForMail("juergen", count: 1)
        let jose = try await world.waitForMail("jose", count: 1)
        let queue = try await world.settle()
        #expect(queue.contains("Mail queue is empty"), "\(queue)")
        #expect(try await world.mailbox("juergen").count == 1, "exactly one digest")
        #expect(try await world.mailbox("jose").count == 1, "exactly one digest")
        #expect(try await world.mailbox("amelie").isEmpty, "nomail")
        for digest in juergen + jose {
            // Both posts, each with its reply link naming it (RFC 6068: In-Reply-To=%3C<id>%3E).
            let text = try #require(digest.parsed.text, "the digest has a text part")
            let unfolded = text.replacingOccurrences(of: "\n", with: "")
            #expect(unfolded.contains("In-Reply-To=%3Cp1%40inrae.example%3E"), "\(text)")
            #expect(unfolded.contains("In-Reply-To=%3Cp2%40inrae.example%3E"), "\(text)")
            #expect(digest.all("List-Id").count == 1)
            #expect(digest.all("Auto-Submitted") == ["auto-generated"])
        }
        // digest-plain is RFC 1153 (one text/plain part with each post's Message-ID); digest is text + HTML.
        #expect(jose[0].all("Content-Type").first?.hasPrefix("text/plain") == true)
        #expect(String(decoding: jose[0].raw, as: UTF8.self).contains("Message-ID: <p2@inrae.example>"))
        #expect(juergen[0].all("Content-Type").first?.hasPrefix("multipart/alternative") == true)
        let status = try await world.cli(["digest", "status", "--list", Self.list, "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(status.utf8)) as? [[String: Any]])
        #expect(rows.first?["issues"] as? Int == 2)
        #expect(rows.first?["pendingItems"] as? Int == 0)
    }
}
