import Foundation
import GRDB
import Testing
@testable import MailGateway

@Suite("Confirmation tokens (CM-4) and their caps (CM-12)")
struct ConfirmationsTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)

    @Test("a token is 26 base32 characters from 128 random bits; its text is read back, any case; bad shapes are not")
    func tokenShape() {
        let tokens = (0..<200).map { _ in ConfirmationToken() }
        #expect(Set(tokens.map(\.description)).count == 200)
        for token in tokens {
            #expect(token.description.count == 26)
            #expect(token.description.allSatisfy { "abcdefghijklmnopqrstuvwxyz234567".contains($0) })
            #expect(ConfirmationToken(token.description.uppercased()) == token)
            #expect(token.hash.count == 64)
        }
        #expect(ConfirmationToken.base32([0xff, 0x00]) == "74aa")
        #expect(ConfirmationToken("short") == nil)
        #expect(ConfirmationToken(String(repeating: "1", count: 26)) == nil, "1 is not in the alphabet")
        #expect(ConfirmationToken(String(repeating: "a", count: 27)) == nil)
    }

    @Test("redeem once; a second use is 'used' (by whom), an expired one 'expired', a tampered one 'unknown'; the database keeps only the hash")
    func singleUse() throws {
        let archive = try TemporaryArchive()
        try archive.pool.write { db in
            try ArchiveWriter.registerList(db, id: "interface-knowledge")
            let issued = try #require(try Confirmations.issue(db, listID: "interface-knowledge", action: .join,
                                                              address: "Marie@INRAE.fr", parameters: ["mode": "digest"],
                                                              now: Self.now))
            #expect(try String.fetchAll(db, sql: "SELECT token_hash FROM confirmations") == [issued.token.hash])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM confirmations WHERE token_hash = ?",
                                     arguments: [issued.token.description]) == 0)
            let first = try Confirmations.redeem(db, token: issued.token, by: "marie@inrae.fr", now: Self.now + 60)
            guard case .success(let record) = first else { Issue.record("\(first)"); return }
            #expect(record.action == .join && record.address == "Marie@INRAE.fr" && record.addressKey == "marie@inrae.fr")
            #expect(record.parameterValues == ["mode": "digest"])
            let second = try Confirmations.redeem(db, token: issued.token, by: "other@example.org", now: Self.now + 120)
            guard case .failure(.used(let used)) = second else { Issue.record("\(second)"); return }
            #expect(used.usedBy == "marie@inrae.fr")

            let late = try #require(try Confirmations.issue(db, listID: "interface-knowledge", action: .leave,
                                                            address: "jose@cirad.fr", now: Self.now))
            let expired = try Confirmations.redeem(db, token: late.token, by: "jose@cirad.fr",
                                                   now: Self.now + Confirmations.defaultLifetime + 1)
            guard case .failure(.expired) = expired else { Issue.record("\(expired)"); return }
            var tampered = Array(late.token.description)
            tampered[0] = tampered[0] == "a" ? "b" : "a"
            let unknown = try Confirmations.redeem(db, token: try #require(ConfirmationToken(String(tampered))),
                                                   by: "jose@cirad.fr", now: Self.now)
            #expect(unknown == .failure(.unknown))
        }
    }

    @Test("a person who confirms what they ask is never capped: used tokens are not pending")
    func usedTokensAreNotPending() throws {
        let archive = try TemporaryArchive()
        try archive.pool.write { db in
            try ArchiveWriter.registerList(db, id: "a")
            for i in 0..<6 {
                let issued = try #require(try Confirmations.issue(db, listID: "a", action: .set, address: "bob@example.org",
                                                                  now: Self.now + Double(i)), "request \(i)")
                guard case .success = try Confirmations.redeem(db, token: issued.token, by: "bob@example.org",
                                                               now: Self.now + Double(i)) else {
                    Issue.record("request \(i) not redeemed"); return
                }
            }
            #expect(try Confirmations.issue(db, listID: "a", action: .undo, address: "bob@example.org", now: Self.now) != nil)
        }
    }

    @Test("at most 3 pending tokens per target address per 24 h across lists; moderation tokens are not counted")
    func cap() throws {
        let archive = try TemporaryArchive()
        try archive.pool.write { db in
            for list in ["a", "b"] { try ArchiveWriter.registerList(db, id: list) }
            var issued = 0
            for i in 0..<5 {
                if try Confirmations.issue(db, listID: i % 2 == 0 ? "a" : "b", action: .join,
                                           address: i % 2 == 0 ? "victim@example.org" : "VICTIM@example.org",
                                           now: Self.now + Double(i)) != nil { issued += 1 }
            }
            #expect(issued == 3)
            #expect(try Confirmations.issue(db, listID: "a", action: .moderate, address: "victim@example.org",
                                            now: Self.now) != nil)
            #expect(try Confirmations.issue(db, listID: "a", action: .join, address: "victim@example.org",
                                            now: Self.now + 86_401) != nil, "a day later")
        }
    }
}
