import Digest
import Foundation
import GRDB
import Logging
@testable import MailGateway
import Testing
import TestSupport

/// Copies advertise only what works (CM-13): without the HTTP listener, no post or digest copy carries the https
/// link or `List-Unsubscribe-Post`, even with a web base URL and the secret; with the listener's public base URL,
/// every copy does, pointing at it.
@Suite struct OneClickAdvertisingTests {
    static let authserv = "mx.lists.example.org"
    static let csv = """
        organisation,country,college,funder,person,email,language
        INRAE,France,research,no,Hélène Dubois,helene@inrae.example,fr
        IRD,France,research,no,Amélie Nguyen,amelie@ird.example,fr
        CSIC,Spain,research,no,José Martínez,jose@csic.example,es
        Rothamsted,United Kingdom,research,no,Olivia Bennett,olivia@rothamsted.example,en
        """

    /// Posts once to `college-research` and flushes José's digest: every copy's full text by purpose and recipient.
    func copies(http: HTTPSettings?) throws -> (Gateway, [String]) {
        let list = IngestTestGateway.list("college-research", .college, .research, nonMember: .reject)
        let (gateway, dir) = try IngestTestGateway.make(prefix: "mg-oneclick", lists: [list],
                                                       trustedAuthservID: Self.authserv) { config in
            config.webBaseURL = "https://archive.example.org"
            config.http = http
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        let directory = MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
        _ = try directory.importRegister(try PartnerRegister(csv: Array(Self.csv.utf8)))
        try directory.setMember(listID: list.id, address: "jose@csic.example", delivery: .digest)
        let raw = TestMail.message(id: "oc1@inrae.example", subject: "Protocole",
                                   extraHeaders: ["Authentication-Results: \(Self.authserv); dmarc=pass header.from=inrae.example"])
        let logger = IngestTestGateway.quietLogger("oneclick")
        let outcome = try gateway.database.pool.write { db in
            try gateway.pipeline.process(db, list: list, raw: raw, fallbackDate: nil, source: .import, now: Date(), logger: logger)
        }
        guard case .archived(_, _, let decision) = outcome, decision.action == .accept else {
            Issue.record("not accepted: \(outcome)")
            return (gateway, [])
        }
        let run = DigestRun(config: gateway.config,
                            renderer: try makeDigestRenderer(templatesDirectory: gateway.config.templatesDirectory),
                            bounceTagKey: gateway.pipeline.distributor.bounceKey,
                            oneClick: gateway.pipeline.distributor.oneClick)
        // Leaving the digest: what accumulated goes out with the next digest pass.
        try directory.setMember(listID: list.id, address: "jose@csic.example", delivery: .immediate)
        #expect(try run.run(gateway.database.pool, at: Date().addingTimeInterval(1)).copies > 0)
        let texts = try gateway.database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT o.purpose, o.recipient, o.header_prefix, b.bytes FROM outbox o JOIN outbox_body b ON b.id = o.body_id
                WHERE o.purpose = 'post' OR o.purpose LIKE 'digest:%'
                """).map { row -> String in
                "\(row["purpose"] as String)\n\(row["recipient"] as String)\n"
                    + String(decoding: (row["header_prefix"] as Data) + (row["bytes"] as Data), as: UTF8.self)
            }
        }
        return (gateway, texts)
    }

    /// The unfolded values of `name` in a message's header.
    func fields(_ name: String, in message: String) -> [String] {
        let header = message.split(separator: "\n", maxSplits: 2).last.map(String.init)?
            .components(separatedBy: "\r\n\r\n").first ?? ""
        return header.replacingOccurrences(of: "\r\n ", with: " ").components(separatedBy: "\r\n").compactMap { line in
            guard let colon = line.firstIndex(of: ":"), line[..<colon].caseInsensitiveCompare(name) == .orderedSame
            else { return nil }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }

    @Test("no listener configured: no copy (post or digest) has List-Unsubscribe-Post or an https unsubscribe link")
    func withoutListener() throws {
        for http in [nil, HTTPSettings(publicBaseURL: nil)] {
            let (gateway, texts) = try copies(http: http)
            #expect(gateway.pipeline.distributor.oneClick == nil)
            #expect(texts.contains { $0.hasPrefix("post\n") })
            #expect(texts.contains { $0.hasPrefix("digest:") }, "the digest copy was checked too")
            for text in texts {
                #expect(fields("List-Unsubscribe-Post", in: text).isEmpty, "\(text.prefix(60))")
                #expect(fields("List-Unsubscribe", in: text) == ["<mailto:college-research+leave@lists.example.org>"])
            }
        }
    }

    @Test("listener with a public base URL: every copy has the member's link there and List-Unsubscribe-Post")
    func withListener() throws {
        let (gateway, texts) = try copies(http: HTTPSettings(publicBaseURL: "https://lists.example.org/gateway/"))
        let key = try #require(gateway.unsubscribeKey)
        #expect(texts.count >= 3)
        for text in texts {
            let recipient = text.split(separator: "\n")[1]
            #expect(fields("List-Unsubscribe-Post", in: text) == ["List-Unsubscribe=One-Click"], "\(text.prefix(60))")
            let value = try #require(fields("List-Unsubscribe", in: text).first)
            #expect(value.hasPrefix("<mailto:college-research+leave@lists.example.org>, <https://lists.example.org/gateway/lists/college-research/unsubscribe?token="), "\(value)")
            // The token in the link is valid for this list and names one member.
            let token = String(value.split(separator: "token=").last!.dropLast())
            #expect(key.address(in: token, list: "college-research") == String(recipient), "\(token)")
        }
    }
}
