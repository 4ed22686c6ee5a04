import Foundation
import GRDB
import Testing
@testable import MailGateway
import TestSupport

/// Posts parsed to their header (``MessageParser/parseHeaders(_:)``): a post from a sender nobody in the register
/// has, to a list that rejects or discards such posts, is archived without its text, HTML and attachment rows, and
/// everything the gateway does with it is what it does with the same post parsed whole.
@Suite("Ingest: posts parsed to their header")
struct HeaderOnlyIngestTests {
    static let college = "college-research@lists.example.org"

    /// A college that rejects strangers, an interface that holds them, a college with a 2,000-byte post limit, a
    /// college that discards strangers, and a register of two partners.
    static func gateway(trustedAuthservID: String? = nil) throws -> (Gateway, URL) {
        var small = IngestTestGateway.list("college-producers", .college, .producers, nonMember: .reject)
        small.maxPostBytes = 2_000
        let (gateway, dir) = try IngestTestGateway.make(prefix: "mg-header-only", lists: [
            IngestTestGateway.list("college-research", .college, .research, nonMember: .reject),
            IngestTestGateway.list("interface-knowledge", .interface, nil, nonMember: .hold),
            small,
            IngestTestGateway.list("college-states", .college, .states, nonMember: .discard),
        ], trustedAuthservID: trustedAuthservID)
        try IngestTestGateway.importRegister(gateway, IngestTestGateway.twoPartners)
        return (gateway, dir)
    }

    /// A post with a text part and a PDF attachment.
    static func post(from: String, to: String = college, subject: String = "Carbone des sols",
                     text: String = "Bonjour,\r\nvoici le rapport sur le carbone des sols.\r\n",
                     extraHeaders: [String] = []) -> [UInt8] {
        let pdf = Data("%PDF-1.4 rapport carbone".utf8).base64EncodedString()
        let lines = [
            "From: \(from)", "To: \(to)", "Subject: \(subject)", "Message-ID: <\(UUID().uuidString)@x.example>",
            "Date: Wed, 25 Nov 2026 10:00:00 +0100", "MIME-Version: 1.0",
        ] + extraHeaders + [
            "Content-Type: multipart/mixed; boundary=\"b1\"", "", "--b1", "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit", "", text, "--b1", "Content-Type: application/pdf; name=\"rapport.pdf\"",
            "Content-Disposition: attachment; filename=\"rapport.pdf\"", "Content-Transfer-Encoding: base64", "", pdf,
            "--b1--", "",
        ]
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    static func headersOnly(_ raw: [UInt8]) throws -> ParsedMessage {
        try MessageParser.parseHeaders(raw)
    }

    static func process(_ gateway: Gateway, _ listID: String, _ raw: [UInt8], parsed: ParsedMessage) throws -> IngestOutcome {
        let list = try #require(gateway.config.list(id: listID))
        return try gateway.database.pool.write { db in
            try gateway.pipeline.process(db, list: list, raw: raw, parsed: .success(parsed), fallbackDate: nil,
                                         source: .import, logger: IngestTestGateway.quietLogger("header-only"))
        }
    }

    struct Stored: Equatable {
        var status: String, rule: String?, hasText: Bool, hasHTML: Bool, attachments: Int
    }

    static func stored(_ gateway: Gateway, _ outcome: IngestOutcome) throws -> Stored {
        guard case .archived(let row, _, _) = outcome else { throw Failure("not archived: \(outcome)") }
        return try gateway.database.pool.read { db in
            let r = try #require(try Row.fetchOne(db, sql: "SELECT status, decision_rule, text, html FROM messages WHERE id = ?",
                                                  arguments: [row]))
            let attachments = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM attachments WHERE message_id = ?",
                                               arguments: [row]) ?? 0
            return Stored(status: r["status"], rule: r["decision_rule"], hasText: (r["text"] as String?) != nil,
                          hasHTML: (r["html"] as String?) != nil, attachments: attachments)
        }
    }

    struct Failure: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

    static func outbox(_ gateway: Gateway) throws -> [String] {
        try gateway.database.pool.read { db in
            try String.fetchAll(db, sql: "SELECT recipient || ' ' || purpose FROM outbox ORDER BY id")
        }
    }

    @Test("a stranger's post to a list that rejects strangers: archived rejected without text or attachment rows, the notice queued; `archive show` parses the body from raw, as the whole parse gives it")
    func strangerRejected() throws {
        let (gateway, dir) = try Self.gateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = Self.post(from: "Jean Inconnu <jean@random.example>")
        let header = try Self.headersOnly(raw)
        #expect(!header.bodyParsed && header.text == nil && header.attachments.isEmpty)
        let outcome = try Self.process(gateway, "college-research", raw, parsed: header)
        #expect(try Self.stored(gateway, outcome)
                == Stored(status: "rejected", rule: "sender-identity", hasText: false, hasHTML: false, attachments: 0))
        #expect(try Self.outbox(gateway) == ["jean@random.example notice:not-a-partner"])

        guard case .archived(let row, _, _) = outcome else { return }
        let shown = try #require(try gateway.database.pool.read { db in try ArchiveQueries.message(db, rowID: row) })
        let whole = try MessageParser.parse(raw)
        #expect(shown.text == whole.text && shown.text?.contains("carbone des sols") == true)
        #expect(shown.html == whole.html)
        #expect(shown.attachments.map(\.filename) == ["rapport.pdf"])
        #expect(shown.attachments.map(\.sha256) == whole.attachments.map(\.digest))
        #expect(shown.attachments.map(\.size) == whole.attachments.map(\.data.count))
    }

    @Test("what the reader's view decides before the transaction: only a stranger's post to a list that rejects or discards strangers, with no report in its Content-Type, skips the body")
    func preparation() throws {
        let (gateway, dir) = try Self.gateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        func plan(_ listID: String, _ raw: [UInt8]) throws -> (body: Bool, dmarc: Bool) {
            let list = try #require(gateway.config.list(id: listID))
            let parsed = try Self.headersOnly(raw)
            return try gateway.database.pool.read { db in
                try gateway.pipeline.preparation(db, list: list, parsed: parsed, rawSize: raw.count,
                                                 route: IngestPipeline.route(parsed, list: list))
            }
        }
        let stranger = "jean@random.example"
        #expect(try plan("college-research", Self.post(from: stranger)) == (false, false))
        #expect(try plan("interface-knowledge", Self.post(from: stranger, to: "interface-knowledge@lists.example.org"))
                == (true, true), "held for a moderator, who reads the body")
        #expect(try plan("college-research", Self.post(from: "olivia@soilfund.example")) == (true, false),
                "a known partner of another college: `administrivia` reads the body of known senders")
        #expect(try plan("college-research", Self.post(from: "helene@inrae.example")) == (true, true))
        #expect(try plan("college-research", Self.post(from: stranger, to: "college-research+join@lists.example.org"))
                == (true, false), "a command reads its body")
        let report = Array("""
            From: \(stranger)\r\nTo: \(Self.college)\r\nSubject: x\r\nMessage-ID: <r1@x.example>\r\n\
            Content-Type: Multipart/Report; report-type=delivery-status; boundary=z\r\n\r\n--z--\r\n
            """.utf8)
        #expect(try plan("college-research", report).body, "`bounce` and `auto-reply` look for multipart/report")
        #expect(try plan("college-states", Self.post(from: stranger, to: "college-states@lists.example.org")) == (false, false),
                "a list that discards strangers")
        // A post the chain holds is parsed whole before the transaction: never a parse in the writer.
        #expect(try plan("college-producers", Self.post(from: stranger, to: "college-producers@lists.example.org",
                                                        text: String(repeating: "Le sol vivant. ", count: 200))) == (true, false),
                "held by `size`: the moderators read it")
        let noFrom = Array("To: \(Self.college)\r\nSubject: x\r\nMessage-ID: <n1@x.example>\r\n\r\nsans auteur\r\n".utf8)
        #expect(try plan("college-research", noFrom).body, "held by `sender-identity` (no From)")
        #expect(try plan("college-research", Self.post(from: stranger, subject: "Re: Demande (\(ConfirmationToken()))")).body,
                "a moderator's reply sent to the list is held by `administrivia`")
        try gateway.database.pool.write { db in
            try AllowedSenderRecord.add(db, listID: "college-research", address: "paul@random.example", addedBy: "test",
                                        now: Date())
        }
        #expect(try plan("college-research", Self.post(from: "paul@random.example")) == (true, true),
                "an allowed sender's post is accepted")

        let (trusting, trustingDir) = try Self.gateway(trustedAuthservID: "mx.lists.example.org")
        defer { try? FileManager.default.removeItem(at: trustingDir) }
        let list = try #require(trusting.config.list(id: "college-research"))
        let unproven = try Self.headersOnly(Self.post(from: "helene@inrae.example"))
        #expect(try trusting.database.pool.read { db in
            try trusting.pipeline.preparation(db, list: list, parsed: unproven, rawSize: 1_000, route: .post)
        }.body, "a partner's unproven From: held by `spoofing`, parsed whole")
        let stranger2 = try Self.headersOnly(Self.post(from: stranger))
        let decision = try trusting.database.pool.read { db in
            try trusting.pipeline.context(db, list: list, parsed: stranger2, rawSize: 1_000)
        }
        #expect(trusting.pipeline.bodyMatters(decision, route: .post)
                == [.accept, .hold].contains(trusting.pipeline.chain.decide(decision).action),
                "a stranger's post with `spoofing` on: whole exactly when the chain holds or accepts it")
    }

    @Test("another chain than the standard one: every post is parsed whole (its rules may read the body of strangers)")
    func otherChain() throws {
        let (gateway, dir) = try Self.gateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        let list = try #require(gateway.config.list(id: "college-research"))
        let pipeline = IngestPipeline(config: gateway.config, chain: PolicyChain(rules: PolicyChain.standard.rules),
                                      notices: gateway.pipeline.notices, distributor: gateway.pipeline.distributor,
                                      moderationKey: nil)
        let parsed = try Self.headersOnly(Self.post(from: "jean@random.example"))
        let context = try gateway.database.pool.read { db in
            try pipeline.context(db, list: list, parsed: parsed, rawSize: 1_000)
        }
        #expect(pipeline.bodyMatters(context, route: .post))
        #expect(!gateway.pipeline.bodyMatters(context, route: .post), "the standard chain: header only")
    }

    @Test("the same posts parsed whole or to their header: the same decisions, the same rules, the same notices")
    func sameDecisions() throws {
        // Each post with whether it stays without its body: a stranger's post that the chain rejects or discards.
        let posts: [(list: String, raw: [UInt8], bodyless: Bool)] = [
            ("college-research", Self.post(from: "jean@random.example"), true),
            ("college-research", Self.post(from: "jean@random.example", subject: "unsubscribe", text: "unsubscribe\r\n"), true),
            ("college-research", Self.post(from: "olivia@soilfund.example", subject: "unsubscribe", text: "unsubscribe\r\n"), false),
            ("college-research", Self.post(from: "olivia@soilfund.example", subject: "Question", text: "désabonner\r\n"), false),
            ("college-states", Self.post(from: "jean@random.example", to: "college-states@lists.example.org"), true),
            ("college-research", Self.post(from: "olivia@soilfund.example"), false),
            ("college-research", Self.post(from: "helene@inrae.example"), false),
            ("college-research", Self.post(from: "jean@random.example", extraHeaders: ["Auto-Submitted: auto-replied"]), true),
            ("interface-knowledge", Self.post(from: "jean@random.example", to: "interface-knowledge@lists.example.org"), false),
            ("college-producers", Self.post(from: "jean@random.example", to: "college-producers@lists.example.org",
                                            text: String(repeating: "Le sol vivant. ", count: 200)), false),
        ]
        let (whole, dirA) = try Self.gateway()
        let (header, dirB) = try Self.gateway()
        defer { try? FileManager.default.removeItem(at: dirA); try? FileManager.default.removeItem(at: dirB) }
        var statuses: [String] = []
        for (list, raw, bodyless) in posts {
            let a = try Self.process(whole, list, raw, parsed: MessageParser.parse(raw))
            let b = try Self.process(header, list, raw, parsed: Self.headersOnly(raw))
            guard case .archived(_, _, let da) = a, case .archived(_, _, let db) = b else {
                Issue.record("not archived: \(a) / \(b)")
                continue
            }
            #expect(da == db, "\(list): \(da) / \(db)")
            let (sa, sb) = (try Self.stored(whole, a), try Self.stored(header, b))
            #expect(sa.status == sb.status && sa.rule == sb.rule)
            #expect(sb.hasText == !bodyless && sb.attachments == (bodyless ? 0 : 1), "\(list): \(sb)")
            #expect(sa.hasText && sa.attachments == 1)
            statuses.append(sb.status)
        }
        #expect(statuses == ["rejected", "rejected", "held", "held", "discarded", "rejected", "accepted", "discarded", "held",
                             "held"])
        #expect(try Self.outbox(whole) == Self.outbox(header))
        #expect(try Self.outbox(whole).contains { $0.hasPrefix("jean@random.example notice:") })
    }

    @Test("a post parsed to its header that the writer's chain holds (here over the list's size; before, the reader's view would have parsed it whole): parsed whole in the transaction, so the hold shows its body")
    func heldIsParsedWhole() throws {
        let (gateway, dir) = try Self.gateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = Self.post(from: "jean@random.example", to: "college-producers@lists.example.org",
                            text: String(repeating: "Le sol vivant. ", count: 200))
        let outcome = try Self.process(gateway, "college-producers", raw, parsed: Self.headersOnly(raw))
        #expect(try Self.stored(gateway, outcome)
                == Stored(status: "held", rule: "size", hasText: true, hasHTML: false, attachments: 1))
    }

    @Test("the register changed between the reader's view and the write: the sender, a stranger then, is now an entitled partner; the writer parses the post whole, accepts and indexes it")
    func registerChangedBeforeTheWrite() throws {
        let (gateway, dir) = try Self.gateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = Self.post(from: "Amélie Nguyen <amelie@ird.example>", text: "Les vers de terre comptent.\r\n")
        let header = try Self.headersOnly(raw)
        let list = try #require(gateway.config.list(id: "college-research"))
        #expect(try gateway.database.pool.read { db in
            try gateway.pipeline.preparation(db, list: list, parsed: header, rawSize: raw.count, route: .post)
        } == (false, false))
        try IngestTestGateway.importRegister(gateway, IngestTestGateway.twoPartners
                                             + ["IRD,France,research,no,Amélie Nguyen,amelie@ird.example,fr"])
        let outcome = try Self.process(gateway, "college-research", raw, parsed: header)
        #expect(try Self.stored(gateway, outcome)
                == Stored(status: "accepted", rule: "sender-identity", hasText: true, hasHTML: false, attachments: 1))
        let hits = try gateway.database.pool.read { db in
            try ArchiveSearch.search(db, query: "vers de terre", filter: .init(list: "college-research"))
        }
        #expect(hits.count == 1, "indexed with its text")
    }

    @Test("MailboxSync.prepareGroup applies the plan: a stranger's post to a rejecting list kept to its header, the others (a partner's post, a stranger's held by size, a command) parsed whole, in order")
    func prepareGroupAppliesThePlan() async throws {
        let (gateway, dir) = try Self.gateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        let list = try #require(gateway.config.list(id: "college-research"))
        let sync = MailboxSync(pipeline: gateway.pipeline, database: gateway.database, list: list,
                               limits: .init(maxMessageBytes: 1 << 20), runID: "test")
        let raws: [[UInt8]] = [
            Self.post(from: "jean@random.example"),
            Self.post(from: "helene@inrae.example"),
            Self.post(from: "jean@random.example", to: "college-research+join@lists.example.org"),
            Array("not a message".utf8),
            Self.post(from: "paul@random.example", subject: "Re: Demande (\(ConfirmationToken()))"),
        ]
        let messages = raws.enumerated().map { IMAPFetchedMessage(uid: UInt32($0.offset + 1), bytes: $0.element, internalDate: nil) }
        let prepared = await sync.prepareGroup(messages, logger: IngestTestGateway.quietLogger("prepare"), shouldStop: { false })
        #expect(prepared.map(\.message.uid) == [1, 2, 3, 4, 5])
        let bodies = prepared.map { (try? $0.parsed.get()).map(\.bodyParsed) }
        #expect(bodies == [false, true, true, nil, true], "\(bodies)")
        #expect(prepared[0].route == .post && prepared[2].route != .post)
        let stopped = await sync.prepareGroup(messages, logger: IngestTestGateway.quietLogger("prepare"), shouldStop: { true })
        #expect(stopped.map(\.message.uid) == [1], "a stop keeps a prefix of at least one message")
    }
}
