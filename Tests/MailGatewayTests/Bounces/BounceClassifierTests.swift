import Foundation
import Testing
@testable import MailGateway
import TestSupport

/// The classifier (BN-4) on SMTP replies, on the fixtures written after real formats, and on every message of the
/// shared bounce corpus.
@Suite struct BounceClassifierTests {
    /// (reply text, expected class): the strings quoted in lists-features.md §4.2 and common MTA wordings.
    static let replies: [(String, BounceClass)] = [
        ("550 5.1.1 <anne@example.org>: Recipient address rejected: User unknown in virtual mailbox table", .hard),
        ("550-5.1.1 The email account that you tried to reach does not exist.", .hard),
        ("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", .hard),
        ("550 5.2.1 The email account that you tried to reach is disabled.", .hard),
        ("550 Requested action not taken: mailbox unavailable", .hard),
        ("550 utilisateur inconnu", .hard),
        ("550 El usuario no existe", .hard),
        ("554 delivery error: dd This user doesn't have a yahoo.com account", .hard),
        ("550-5.7.26 Unauthenticated email from yahoo.com is not accepted due to domain's DMARC policy.", .policy),
        ("550 5.7.1 Unauthenticated email from example.no is not accepted due to domain's DMARC policy", .policy),
        ("550 5.7.509 Access denied, sending domain [YAHOO.COM] does not pass DMARC verification", .policy),
        ("554 5.7.9 Message not accepted for policy reasons.", .policy),
        ("550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using Spamhaus", .policy),
        ("550 5.7.1 Our system has detected that this message is likely unsolicited mail", .policy),
        ("550 5.7.23 SPF validation failed", .policy),
        ("550 5.7.1 <x@example.org>: Recipient address rejected: User unknown", .hard),
        // A user-unknown wording with a block list named: the list's reputation, not the member's address.
        ("550 5.7.1 Requested action not taken: mailbox unavailable (blocked, listed in Spamhaus)", .policy),
        ("552 5.3.4 Message size exceeds fixed maximum message size", .content),
        ("550 5.6.0 Lone CR or LF in headers", .content),
        ("552 5.2.2 <anne@example.org>: Mailbox full", .soft),
        ("452 4.2.2 The email account that you tried to reach is over quota.", .soft),
        ("421 4.7.0 Try again later, closing connection.", .policy),
        ("451 4.3.0 Temporary lookup failure", .soft),
        ("554 5.4.4 Unable to route", .soft),
        ("550 5.0.0 Something went wrong", .unknown),
    ]

    @Test("SMTP replies: one class each, first matching rule wins", arguments: replies)
    func reply(_ text: String, _ expected: BounceClass) {
        let code = Int(text.prefix(3)) ?? 0
        #expect(BounceClassifier.classify(reply: text, code: code) == expected, "\(text)")
    }

    @Test("only hard, soft and unknown count against the member, hard most")
    func weights() {
        #expect(BounceClass.hard.weight == 1 && BounceClass.soft.weight == 0.5 && BounceClass.unknown.weight == 0.25)
        #expect(!BounceClass.policy.countsAgainstMember && !BounceClass.content.countsAgainstMember)
        #expect([BounceClass.soft, .hard, .policy].max() == .hard)
    }

    static func fixture(_ name: String) throws -> (ParsedMessage, [UInt8]) {
        let url = Corpora.repositoryRoot.appendingPathComponent("Tests/Fixtures/bounces/\(name)")
        let raw = LineEndings.crlf(Array(try Data(contentsOf: url)))
        return (try MessageParser.parse(raw), raw)
    }

    /// (fixture, kind, failed recipients with their classes).
    static let fixtures: [(String, BounceReport.Kind, [String: BounceClass])] = [
        ("postfix-user-unknown.eml", .dsn, ["marie.dupont@partner.example": .hard]),
        ("exim-user-unknown.eml", .nonDSN, ["jdoe@univ.example": .hard]),
        ("gmail-5.7.26.eml", .dsn, ["pedro.silva@gmail.com": .policy]),
        ("outlook-5.7.509.eml", .dsn, ["luis@outlook.com": .policy]),
        ("yahoo-mailbox-unavailable.eml", .nonDSN, ["kofi.mensah@yahoo.com": .hard]),
        ("qmail-no-mailbox.eml", .nonDSN, ["amadou@coop.example": .hard]),
        ("vacation-reply.eml", .autoReply, [:]),
        ("multi-recipient-dsn.eml", .dsn, ["a.full@agro.example": .soft, "b.gone@agro.example": .hard]),
    ]

    @Test("fixtures: Postfix, Exim, Gmail 5.7.26, Outlook 5.7.509, Yahoo, qmail, a vacation reply, a multi-recipient DSN",
          arguments: fixtures)
    func fixture(_ name: String, _ kind: BounceReport.Kind, _ expected: [String: BounceClass]) throws {
        let (parsed, raw) = try Self.fixture(name)
        let report = BounceMessageReader.read(parsed, raw: raw)
        #expect(report.kind == kind, "\(name)")
        var failures: [String: BounceClass] = [:]
        for failure in report.failures {
            if let address = failure.address, let c = failure.bounceClass { failures[address.lowercased()] = c }
        }
        #expect(failures == expected, "\(name): \(report.failures)")
    }

    @Test("a bounce in words whose addresses run into each other (a@b.com@c.org) is read without a crash")
    func overlappingAddresses() throws {
        let found = NonDSNBounce.addresses(in: "x a@b.com@c.org and anne@example.org")
        #expect(found.map(\.0) == ["a@b.com", "anne@example.org"])
        for (a, b) in zip(found, found.dropFirst()) { #expect(a.1.upperBound <= b.1.lowerBound) }
        let parsed = try MessageParser.parse(Array("""
            From: MAILER-DAEMON@mx.example.org\r
            To: list+bounce@lists.example.org\r
            Subject: Undelivered Mail Returned to Sender\r
            \r
            x a@b.com@c.org\r
            """.utf8))
        _ = NonDSNBounce.recipients(in: parsed)
    }

    @Test("a delivery report naming thousands of recipients is read up to its caps")
    func hugeReportIsCapped() throws {
        let block = "Final-Recipient: rfc822;a@b.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        let body = "Reporting-MTA: dns; mx.example.org\r\n\r\n" + String(repeating: block, count: 20_000)
        let raw = Array("""
            From: MAILER-DAEMON@mx.example.org\r
            To: list+bounce@lists.example.org\r
            Subject: Undelivered Mail Returned to Sender\r
            MIME-Version: 1.0\r
            Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r
            \r
            --b\r
            Content-Type: text/plain\r
            \r
            \(String(repeating: "The mail system could not deliver. ", count: 200))\r
            --b\r
            Content-Type: message/delivery-status\r
            \r
            \(body)\r
            --b--\r
            """.utf8)
        let report = BounceMessageReader.read(try MessageParser.parse(raw), raw: raw)
        #expect(report.kind == .dsn)
        #expect(report.recipients.count == BounceMessageReader.maxRecipients)
        #expect(report.recipients.allSatisfy { $0.diagnostic.count <= BounceMessageReader.maxDiagnostic })
    }

    @Test("a delayed recipient of a DSN is no failure")
    func delayed() throws {
        let (parsed, raw) = try Self.fixture("multi-recipient-dsn.eml")
        let report = BounceMessageReader.read(parsed, raw: raw)
        let delayed = report.recipients.first { $0.address == "c.later@agro.example" }
        #expect(delayed?.action == "delayed" && delayed?.bounceClass == nil)
        #expect(report.worst?.bounceClass == .hard)
    }

    @Test("every message of the shared bounce corpus is read and classified (distribution printed)")
    func corpus() throws {
        guard let folder = Corpora.url("bounces-bounceparser/corpus") else {
            print(Corpora.absentMessage)
            return
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".msg") }.sorted()
        #expect(files.count == 126)
        var kinds: [String: Int] = [:]
        var classes: [String: Int] = [:]
        var lines: [String] = []
        for file in files {
            let raw = Array(try Data(contentsOf: folder.appendingPathComponent(file)))
            guard let parsed = try? MessageParser.parse(raw) else {
                kinds["unparsed", default: 0] += 1
                continue
            }
            let report = BounceMessageReader.read(parsed, raw: raw)
            kinds[report.kind.rawValue, default: 0] += 1
            let worst = report.worst?.bounceClass?.rawValue ?? "none"
            classes[worst, default: 0] += 1
            lines.append("\(file)\t\(report.kind.rawValue)\t\(worst)\t\(report.failures.count)")
        }
        let table = lines.joined(separator: "\n")
        print("BOUNCE-CORPUS kinds \(kinds.sorted { $0.key < $1.key })")
        print("BOUNCE-CORPUS classes \(classes.sorted { $0.key < $1.key })")
        print("BOUNCE-CORPUS-TABLE\n\(table)")
        #expect(kinds["unparsed"] == nil)
        // Files whose names say what they are.
        func row(_ file: String) -> [Substring] { lines.first { $0.hasPrefix(file + "\t") }?.split(separator: "\t") ?? [] }
        #expect(row("aol-vacation.msg").dropFirst().first == "auto-reply")
        #expect(row("postfix-smtp-550.msg").dropFirst(2).first == "hard")
    }
}
