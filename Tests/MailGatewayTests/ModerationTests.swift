import Foundation
import GRDB
import Testing
@testable import MailGateway

@Suite("Moderation")
struct ModerationTests {
    static let key = ModerationKey(secret: "an-example-moderation-key-of-32-bytes-or-more")!
    static let otherKey = ModerationKey(secret: "another-moderation-key-of-32-bytes-or-more!!")!
    static let now = Date(timeIntervalSince1970: 1_764_000_000)

    /// A directory with Marie as moderator of college-research, and a queue.
    static func setUp() throws -> (DatabaseQueue, MemberDirectory, ModerationQueue) {
        let (db, directory) = try MembersFixtures.directory()
        try directory.setMember(listID: "college-research", address: "Marie.Dupont@inrae.fr", role: .moderator)
        return (db, directory, ModerationQueue(writer: db, key: key))
    }

    // MARK: tokens

    @Test func tokenSignsVerifiesAndRoundTrips() throws {
        let token = ModerationToken(holdID: 42, listID: "college-research", expiry: Self.now.addingTimeInterval(3600),
                                    key: Self.key)
        let text = token.description
        #expect(text.hasPrefix("MOD-42-1764003600-"))
        let found = try #require(ModerationToken.find(in: "Re: [\(text)] À modérer pour Recherche", now: Self.now))
        #expect(found == token)
        try found.verify(listID: "college-research", key: Self.key, now: Self.now)
        #expect(throws: ModerationToken.Failure.badSignature) {
            try found.verify(listID: "funders", key: Self.key, now: Self.now)
        }
        #expect(throws: ModerationToken.Failure.badSignature) {
            try found.verify(listID: "college-research", key: Self.otherKey, now: Self.now)
        }
        #expect(throws: ModerationToken.Failure.expired) {
            try found.verify(listID: "college-research", key: Self.key, now: Self.now.addingTimeInterval(3600))
        }
        // A tampered expiry or hold id breaks the signature.
        let tampered = try #require(ModerationToken.find(in: text.replacingOccurrences(of: "-1764003600-", with: "-1764003601-"), now: Self.now))
        #expect(throws: ModerationToken.Failure.badSignature) {
            try tampered.verify(listID: "college-research", key: Self.key, now: Self.now)
        }
        #expect(ModerationToken.find(in: "no token here, MOD-x-y-z", now: Self.now) == nil)
        #expect(ModerationKey(secret: "short") == nil)
        #expect(!"\(Self.key)".contains("example"))
    }

    /// Token-shaped strings that are not tokens: each reads as no token at all (never a trap, never an
    /// error), so the message goes on as an ordinary post.
    @Test(arguments: [
        "MOD-1-9223372036854775807-0123456789abcdef0123456789abcdef",  // the review's trap: expiry ~2^63
        "MOD-1-99999999999-0123456789abcdef0123456789abcdef",  // 11 digits, but years ahead
        "MOD-1-999999999999-0123456789abcdef0123456789abcdef",  // 12 digits
        "MOD-1-1764000000000000000000000000-0123456789abcdef0123456789abcdef",
        "MOD-1-1795622401-0123456789abcdef0123456789abcdef",  // one second past now + 366 days
        "MOD-9223372036854775807-1764003600-0123456789abcdef0123456789abcdef",  // id of 19 digits
        "MOD-99999999999999999999-1764003600-0123456789abcdef0123456789abcdef",
        "MOD-0-1764003600-0123456789abcdef0123456789abcdef",  // id 0
        "MOD-01-1764003600-0123456789abcdef0123456789abcdef",  // leading zero (not the digits we signed)
        "MOD-1-01764003600-0123456789abcdef0123456789abcdef",
        "MOD-1-0-0123456789abcdef0123456789abcdef",  // expiry 0
        "MOD--1-1764003600-0123456789abcdef0123456789abcdef",  // signs
        "MOD-1--1764003600-0123456789abcdef0123456789abcdef",
        "MOD-+1-1764003600-0123456789abcdef0123456789abcdef",
        "MOD-1-+1764003600-0123456789abcdef0123456789abcdef",
        "MOD-1-1764003600-0123456789abcdef0123456789abcde",  // 31 hex
        "MOD-1-1764003600-0123456789abcdef0123456789abcdef0",  // 33 hex
        "MOD-1-1764003600-0123456789abcdef0123456789abcdeg",
        "MOD-1-1764003600",
        "MOD-1-",
        "MOD-",
        "MOD-١-1764003600-0123456789abcdef0123456789abcdef",  // Arabic-Indic digit
        "MOD-1-1764003600.5-0123456789abcdef0123456789abcdef",
        "MOD-1-1e10-0123456789abcdef0123456789abcdef",
    ])
    func malformedTokensAreNoTokens(text: String) throws {
        #expect(ModerationToken.find(in: "Re: [\(text)] x", now: Self.now) == nil)
        #expect(throws: ModeratorCommand.Failure.noToken) {
            try ModeratorCommand.parse(subject: text, body: "approve\n\(text)\n", now: Self.now)
        }
    }

    @Test func tokenBoundsAndTheFirstWellFormedCandidate() throws {
        // The largest accepted expiry is now + 366 days; an expired token still parses (and is refused as expired).
        let edge = try #require(ModerationToken.find(in: "MOD-1-1795622400-0123456789abcdef0123456789abcdef",
                                                     now: Self.now))
        #expect(edge.expirySeconds == 1_795_622_400 && edge.holdID == 1)
        let old = try #require(ModerationToken.find(in: "mod-42-1-0123456789ABCDEF0123456789ABCDEF]", now: Self.now))
        #expect(old.description == "MOD-42-1-0123456789abcdef0123456789abcdef")
        #expect(throws: ModerationToken.Failure.badSignature) {
            try old.verify(listID: "college-research", key: Self.key, now: Self.now)
        }
        // A malformed candidate does not hide a good one after it.
        let token = ModerationToken(holdID: 18, listID: "college-research", expiry: Self.now.addingTimeInterval(60),
                                    key: Self.key)
        let found = try #require(ModerationToken.find(
            in: "MOD-1-9223372036854775807-0123456789abcdef0123456789abcdef MOD-MOD-\(token)", now: Self.now))
        #expect(found == token)
        try found.verify(listID: "college-research", key: Self.key, now: Self.now)
        // Signing never traps either, whatever the date: the expiry is kept within the digits a token may carry.
        let far = ModerationToken(holdID: .max, listID: "x", expiry: Date(timeIntervalSince1970: 1e300), key: Self.key)
        #expect(far.expirySeconds == 99_999_999_999)
        let nan = ModerationToken(holdID: 1, listID: "x", expiry: Date(timeIntervalSince1970: .nan), key: Self.key)
        #expect(nan.expirySeconds == 1)
        // A long run of candidates is read in linear time (each is read over a few bytes only).
        let noise = String(repeating: "MOD-1-1-", count: 200_000)
        #expect(ModerationToken.find(in: noise, now: Self.now) == nil)
    }

    // MARK: command words

    @Test(arguments: [
        ("approve", ModeratorAction.approve), ("Approuver", .approve), ("aprobar", .approve),
        ("accepter.", .approve), ("Aprobado", .approve), ("Approve", .approve),
        ("reject", .reject), ("rejeter", .reject), ("Refuser", .reject), ("rechazar", .reject), ("Rejeté", .reject),
        ("discard", .discard), ("supprimer", .discard), ("jeter", .discard), ("descartar", .discard),
    ])
    func commandWordsInThreeLanguages(word: String, action: ModeratorAction) throws {
        let body = "\n  \(word)\n\n> Un message adressé à la liste attend votre décision.\n> approve\n"
        let command = try ModeratorCommand.parse(subject: "Re: [MOD-7-1764003600-0123456789abcdef0123456789abcdef] x",
                                                 body: body, now: Self.now)
        #expect(command.action == action)
        #expect(command.token.holdID == 7)
    }

    @Test(arguments: ["Si vous voulez, approuvez", "No idea", "Oui", "Thanks!", "OK", "Ok, je regarde demain"])
    func ambiguousFirstLinesAreNotCommands(line: String) {
        #expect(throws: ModeratorCommand.Failure.noCommandWord) {
            try ModeratorCommand.parse(subject: "[MOD-7-1764003600-0123456789abcdef0123456789abcdef]", body: line, now: Self.now)
        }
    }

    @Test func commandSkipsQuotedLinesAndReadsTheReason() throws {
        let body = "> approuver\n>\n\nrejeter : hors sujet pour ce groupe\nCordialement\n"
        let command = try ModeratorCommand.parse(subject: "RE: TR: [MOD-7-1764003600-0123456789abcdef0123456789abcdef]",
                                                 body: body, now: Self.now)
        #expect(command.action == .reject)
        #expect(command.reason == "hors sujet pour ce groupe")
        #expect(throws: ModeratorCommand.Failure.noCommandWord) {
            try ModeratorCommand.parse(subject: "[MOD-7-1764003600-0123456789abcdef0123456789abcdef]",
                                       body: "> approve\nThanks for the note\n", now: Self.now)
        }
        #expect(throws: ModeratorCommand.Failure.noToken) {
            try ModeratorCommand.parse(subject: "Re: hello", body: "approve\n", now: Self.now)
        }
        // The token may be in the body when the subject lost it.
        let fromBody = try ModeratorCommand.parse(
            subject: "Re:", body: "discard\n> [MOD-9-1764003600-0123456789abcdef0123456789abcdef]\n", now: Self.now)
        #expect(fromBody.token.holdID == 9 && fromBody.action == .discard)
    }

    // MARK: queue

    @Test func holdApproveByEmailReplyOnlyOnce() throws {
        let (db, _, queue) = try Self.setUp()
        let message = try MembersFixtures.heldMessage(db, list: "college-research", number: 501)
        let (hold, token) = try queue.hold(messageRowID: message, listID: "college-research", reason: .tooLarge,
                                           rule: "size", now: Self.now, lifetimeDays: 7)
        #expect(hold.status == .pending)
        #expect(try queue.list().map(\.id) == [hold.id])
        // The database keeps only the token's hash.
        let stored = try db.read { try String.fetchOne($0, sql: "SELECT token_hash FROM holds") }
        #expect(stored == token.hash && stored != token.description)

        let outcome = try queue.apply(replyFrom: "Marie.Dupont@inrae.FR", subject: "Re: [\(token)] À modérer",
                                      body: "Approuver\n> ...", arrivedForList: "college-research",
                                      now: Self.now.addingTimeInterval(60))
        #expect(outcome.action == .approve)
        #expect(outcome.messageRowID == message && outcome.listID == "college-research")
        #expect(outcome.hold.decidedBy == "marie.dupont@inrae.fr")
        #expect(try queue.show(hold.id)?.status == .approved)
        #expect(try queue.list().isEmpty)
        // One use only.
        #expect(throws: ModerationError.notPending(hold.id, .approved)) {
            try queue.apply(replyFrom: "Marie.Dupont@inrae.fr", subject: "Re: [\(token)]", body: "reject",
                            now: Self.now.addingTimeInterval(120))
        }
    }

    @Test func replyFromANonModeratorIsRefused() throws {
        let (db, _, queue) = try Self.setUp()
        let (hold, token) = try queue.hold(messageRowID: try MembersFixtures.heldMessage(db, list: "college-research", number: 502), listID: "college-research", reason: .nonMember,
                                           rule: "sender-identity", now: Self.now, lifetimeDays: 7)
        // John is a plain member of college-research; a stranger is nobody.
        for sender in ["john@cirad.fr", "intruder@evil.example"] {
            #expect(throws: ModerationError.notModerator(hold.id)) {
                try queue.apply(replyFrom: sender, subject: "Re: [\(token)]", body: "approve", now: Self.now)
            }
        }
        #expect(try queue.show(hold.id)?.status == .pending)
    }

    @Test func tokenForAnotherListIsRefused() throws {
        let (db, directory, queue) = try Self.setUp()
        try directory.setMember(listID: "funders", address: "john@cirad.fr", role: .owner)
        let (hold, token) = try queue.hold(messageRowID: try MembersFixtures.heldMessage(db, list: "college-research", number: 503), listID: "college-research", reason: .tooLarge,
                                           rule: "size", now: Self.now, lifetimeDays: 7)
        // The reply arrived in another list's mailbox.
        #expect(throws: ModerationError.wrongList(hold.id)) {
            try queue.apply(replyFrom: "Marie.Dupont@inrae.fr", subject: "[\(token)]", body: "approve",
                            arrivedForList: "funders", now: Self.now)
        }
        // A token signed for funders but naming this hold does not verify.
        let forged = ModerationToken(holdID: hold.id, listID: "funders", expiry: token.expiry, key: Self.key)
        #expect(throws: ModerationError.token(.badSignature)) {
            try queue.apply(replyFrom: "john@cirad.fr", subject: "[\(forged)]", body: "approve", now: Self.now)
        }
        #expect(try queue.show(hold.id)?.status == .pending)
    }

    @Test func expiredTokenIsRefusedAndSweepExpiresHolds() throws {
        let (db, _, queue) = try Self.setUp()
        let (old, token) = try queue.hold(messageRowID: try MembersFixtures.heldMessage(db, list: "college-research", number: 504), listID: "college-research", reason: .tooLarge,
                                          rule: "size", now: Self.now, lifetimeDays: 3)
        let (fresh, _) = try queue.hold(messageRowID: try MembersFixtures.heldMessage(db, list: "college-research", number: 505), listID: "college-research", reason: .tooLarge,
                                        rule: "size", now: Self.now.addingTimeInterval(2 * 86_400), lifetimeDays: 3)
        let later = Self.now.addingTimeInterval(3 * 86_400 + 1)
        #expect(throws: ModerationError.token(.expired)) {
            try queue.apply(replyFrom: "Marie.Dupont@inrae.fr", subject: "[\(token)]", body: "approve", now: later)
        }
        let expired = try queue.expire(now: later)
        #expect(expired.map(\.id) == [old.id])
        #expect(expired.first?.status == .expired)
        #expect(try queue.expire(now: later).isEmpty)
        #expect(try queue.list().map(\.id) == [fresh.id])
        #expect(throws: ModerationError.notPending(old.id, .expired)) {
            try queue.approve(old.id, by: "cli:root", now: later)
        }
    }

    @Test func cliRejectAndDiscard() throws {
        let (db, _, queue) = try Self.setUp()
        let message = try MembersFixtures.heldMessage(db, list: "college-research", number: 510)
        let (a, _) = try queue.hold(messageRowID: message, listID: "college-research", reason: .nonMember,
                                    rule: "sender-identity", now: Self.now, lifetimeDays: 7)
        let (b, _) = try queue.hold(messageRowID: try MembersFixtures.heldMessage(db, list: "funders", number: 511), listID: "funders", reason: .dmarcFail,
                                    rule: "spoofing", now: Self.now, lifetimeDays: 7)
        #expect(try queue.list(listID: "funders").map(\.id) == [b.id])
        let rejected = try queue.reject(a.id, reason: "Hors sujet", by: "cli:moderator", now: Self.now)
        #expect(rejected.reason == "Hors sujet" && rejected.hold.status == .rejected)
        #expect(try queue.show(a.id)?.decisionReason == "Hors sujet")
        let discarded = try queue.discard(b.id, by: "cli:moderator", now: Self.now)
        #expect(discarded.hold.status == .discarded)
        #expect(try queue.list(status: nil).count == 2)
        #expect(throws: ModerationError.unknownHold(999)) { try queue.approve(999, by: "cli:x") }
        // Holding the same message again returns the same hold.
        let (again, _) = try queue.hold(messageRowID: message, listID: "college-research", reason: .nonMember,
                                        rule: "sender-identity", now: Self.now, lifetimeDays: 7)
        #expect(again.id == a.id && again.status == .rejected)
    }
}
