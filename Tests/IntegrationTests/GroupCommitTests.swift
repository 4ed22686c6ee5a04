import Foundation
import GRDB
import Logging
import Synchronization
import Testing
import MailGateway
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// How a batch's groups are committed, against the real Dovecot: a group is parsed while the group before it is
/// written, so the marker committed before it must already name it; a group's messages are processed without a
/// savepoint each, and a message that fails sends the group through again, each message in a savepoint.
@Suite("Ingest: groups parsed ahead and committed without a savepoint per message",
       .enabled(if: DovecotServer.available, Comment(rawValue: DovecotServer.absentMessage)))
struct GroupCommitTests {
    static let list = "college-research"
    /// Groups of three: six messages make two groups of one batch.
    static func limits(_ config: GatewayConfig) -> MailboxSyncPlan.Limits {
        MailboxSyncPlan.Limits(maxMessageBytes: config.maxMessageBytes, groupCount: 3)
    }

    /// A private Dovecot holding one message per id in the list's mailbox, and a gateway on its configuration.
    static func start(_ ids: [String], subject: String) async throws -> (GatewayHarness, Gateway, GatewayConfig, ListConfig) {
        let harness = try await GatewayHarness.start()
        try await harness.append(ids.enumerated().map { TestMail.message(id: $1, subject: "\(subject) \($0 + 1)") },
                                 to: list)
        let config = try ConfigLoader(environment: harness.environment).load(path: harness.configPath)
        let gateway = try Gateway(config: config, environment: harness.environment)
        return (harness, gateway, config, try #require(config.lists.first { $0.id == list }))
    }

    /// The durable markers read where a message is about to be parsed.
    final class MarkersRead: Sendable {
        private let state = Mutex<[(uids: ClosedRange<Int64>, run: String)]>([])
        var markers: [(uids: ClosedRange<Int64>, run: String)] { state.withLock { $0 } }
        func append(_ marker: (uids: ClosedRange<Int64>, run: String)) { state.withLock { $0.append(marker) } }
    }

    /// Faults whose `crash-on-message-id` point (reached before the message `messageID` is parsed) does not end the
    /// process: it reads the durable marker there, from another connection (what a restart would find).
    static func markersRead(at messageID: String, in database: GatewayStore) -> (FaultInjection, MarkersRead) {
        let seen = MarkersRead()
        let faults = FaultInjection("crash-on-message-id:\(messageID)") { _ in
            let row = try? database.pool.read { db in
                try Row.fetchOne(db, sql: "SELECT uid, last_uid, run_id FROM ingest_progress WHERE list_id = ?",
                                 arguments: [Self.list])
            }
            guard let row else { return }
            let first: Int64 = row["uid"]
            let last: Int64 = row["last_uid"] ?? first
            seen.append((first...last, row["run_id"]))
        }
        return (faults, seen)
    }

    static func archived(_ gateway: Gateway) async throws -> Set<String> {
        Set(try await gateway.database.pool.read { db in
            try String.fetchAll(db, sql: "SELECT message_id FROM messages WHERE list_id = ?", arguments: [list])
        })
    }

    @Test("a message that fails in its group's transaction is quarantined with its error; the group is processed again, each message in a savepoint, and the others commit once, indexed for search")
    func failingMessageInAGroup() async throws {
        let ids = (1...6).map { "f\($0)@inrae.example" }
        let (harness, gateway, config, list) = try await Self.start(ids, subject: "Sol vivant")
        defer { harness.stop() }
        // The author is a partner of the research college: her posts are accepted, so they are indexed for search
        // (rejected mail is not).
        let register = harness.directory.appendingPathComponent("partners.csv").path
        try "organisation,country,college,funder,person,email,language\nINRAE,France,research,no,Hélène Dubois,helene@inrae.example,fr\n"
            .write(toFile: register, atomically: true, encoding: .utf8)
        let imported = try await harness.run(["partners", "import", register, "--no-welcome"])
        try #require(imported.status == 0, "\(imported.output)")
        let sync = MailboxSync(pipeline: gateway.pipeline, database: gateway.database, list: list,
                               limits: Self.limits(config), runID: gateway.runID,
                               faults: FaultInjection("fail-on-message-id:f5@inrae.example") { _ in })
        let client = try await harness.client(for: Self.list)
        let summary = try await sync.pass(client: client, logger: Logger(label: "mailgateway.tests.group-commit"))
        await client.logout()

        #expect(summary.processed == 6 && summary.outcomes["quarantined"] == 1 && summary.outcomes["accept"] == 5,
                "\(summary)")
        #expect(try await Self.archived(gateway) == Set(ids).subtracting(["f5@inrae.example"]))
        let quarantined = try gateway.database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT uid, error FROM quarantine WHERE list_id = ?", arguments: [Self.list])
        }
        #expect(quarantined.count == 1, "\(quarantined)")
        #expect(quarantined.first?["uid"] == 5)
        let error: String? = quarantined.first?["error"]
        #expect(error?.hasPrefix("internal error while processing") == true
                && error?.contains("fault injected for <f5@inrae.example>") == true, "\(String(describing: error))")
        // The five others are indexed once each: the first group without a savepoint per message, the second
        // after its rollback, each message in a savepoint.
        let indexed = try await gateway.database.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'vivant'")
        }
        #expect(indexed == 5)
        #expect(try await DaemonTests.unseen(harness, list: Self.list).isEmpty, "all six flagged, after their commit")
        #expect(try await gateway.database.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM ingest_progress")
        } == 0, "no marker left after a clean pass")
    }

    @Test("the group parsed while the group before it is written is named by the marker committed before its parse")
    func groupParsedAheadIsCovered() async throws {
        let ids = (1...6).map { "p\($0)@inrae.example" }
        let (harness, gateway, config, list) = try await Self.start(ids, subject: "Parcelle")
        defer { harness.stop() }
        let (faults, seen) = Self.markersRead(at: "p5@inrae.example", in: gateway.database)
        let sync = MailboxSync(pipeline: gateway.pipeline, database: gateway.database, list: list,
                               limits: Self.limits(config), runID: gateway.runID, faults: faults)
        let client = try await harness.client(for: Self.list)
        let summary = try await sync.pass(client: client, logger: Logger(label: "mailgateway.tests.group-commit"))
        await client.logout()

        #expect(summary.processed == 6, "\(summary)")
        let markers = seen.markers
        #expect(markers.count == 1, "the point was reached once, for UID 5 in the second group: \(markers)")
        // 1...6 while the first group is still being written (its marker covers both groups), 4...6 once it is
        // committed (its commit wrote the second group's).
        #expect(markers.first.map { $0.uids.contains(5) && $0.run == gateway.runID } == true, "\(markers)")
        #expect(try await Self.archived(gateway) == Set(ids))
        #expect(try await DaemonTests.unseen(harness, list: Self.list).isEmpty)
    }

    /// The commits of a pass that changed `ingest_progress` alone: a marker committed in a transaction of its own.
    final class MarkerOnlyCommits: TransactionObserver, Sendable {
        private let state = Mutex<(tables: Set<String>, markerOnly: Int)>(([], 0))
        var count: Int { state.withLock { $0.markerOnly } }
        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
        func databaseDidChange(with event: DatabaseEvent) { state.withLock { _ = $0.tables.insert(event.tableName) } }
        func databaseDidCommit(_ db: Database) {
            state.withLock { state in
                if state.tables == ["ingest_progress"] { state.markerOnly += 1 }
                state.tables = []
            }
        }
        func databaseDidRollback(_ db: Database) { state.withLock { $0.tables = [] } }
    }

    @Test("the first group of the next batch is parsed while the batch's last group is written: the marker before its parse already names it, and rode in a group's commit")
    func nextBatchFirstGroupParsedAhead() async throws {
        // Batches of six, groups of three: 12 messages make two batches of two groups.
        let ids = (1...12).map { "n\($0)@inrae.example" }
        let (harness, gateway, config, list) = try await Self.start(ids, subject: "Bassin versant")
        defer { harness.stop() }
        let database = gateway.database
        // Reached before UID 7 (the second batch's first message) is parsed: the durable marker there.
        let (faults, seen) = Self.markersRead(at: "n7@inrae.example", in: database)
        let observer = MarkerOnlyCommits()
        database.pool.add(transactionObserver: observer)
        var limits = Self.limits(config)
        limits.batchCount = 6
        let sync = MailboxSync(pipeline: gateway.pipeline, database: database, list: list, limits: limits,
                               runID: gateway.runID, faults: faults)
        let client = try await harness.client(for: Self.list)
        let summary = try await sync.pass(client: client, logger: Logger(label: "mailgateway.tests.group-commit"))
        await client.logout()

        #expect(summary.processed == 12, "\(summary)")
        let markers = seen.markers
        // 4...9 while the first batch's last group (4-6) is still being written, 7...12 once it is committed.
        #expect(markers.count == 1 && markers.first.map { $0.uids.contains(7) && $0.run == gateway.runID } == true,
                "\(markers)")
        // The first batch's first group needs a marker of its own; the second batch's was in the commit of 1-3.
        #expect(observer.count == 1, "commits of a marker alone: \(observer.count)")
        #expect(try await Self.archived(gateway) == Set(ids))
        #expect(try await DaemonTests.unseen(harness, list: Self.list).isEmpty)
        #expect(try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ingest_progress") } == 0,
                "no marker left after a clean pass")
    }

    /// Where a crash test puts its poison message, and the markers that may name it when the process dies.
    struct ParsedAheadCase: Sendable, CustomTestStringConvertible {
        let messages: Int
        let poison: Int
        /// The first UID of the marker left: the group written while the poison's group was parsed ahead, or the
        /// poison's group itself when that write had committed first (a race).
        let markerStarts: [Int64]
        var testDescription: String { "\(messages) messages, poison UID \(poison)" }
    }

    @Test("a crash while a group is parsed ahead: the runs after it replay the range alone, the innocent messages commit once, the poison one is quarantined; nothing is flagged before its commit",
          arguments: [
            // The second group of a batch (groups of 64), parsed while 1-64 is written.
            ParsedAheadCase(messages: 70, poison: 66, markerStarts: [1, 65]),
            // The first group of the second batch (batches of 1,000), parsed while the first batch's last group,
            // 961-1000, is written.
            ParsedAheadCase(messages: 1_010, poison: 1_001, markerStarts: [961, 1_001]),
          ])
    func crashInTheGroupParsedAhead(_ test: ParsedAheadCase) async throws {
        let harness = try await GatewayHarness.start()
        defer { harness.stop() }
        let ids = (1...test.messages).map { "a\($0)@inrae.example" }
        try await harness.append(ids.enumerated().map { TestMail.message(id: $1, subject: "Couvert \($0 + 1)") },
                                 to: Self.list)
        let fault = ["MAILGATEWAY_FAULT": "crash-on-message-id:a\(test.poison)@inrae.example"]

        // Run 1 dies parsing the poison message, in a group parsed while the group before it is written: whether
        // that one was committed by then is a race, but the marker left names the poison either way.
        let first = try await harness.run(["run", "--once", "--log-level", "warning"], environment: fault)
        #expect(first.status == 128 + SIGABRT, "\(first.output)")
        try await CrashLoopTests.flaggedAreCommitted(harness, ids: ids, run: 1)
        let marker = try harness.openDatabase().pool.read { db in
            try Row.fetchOne(db, sql: "SELECT uid, last_uid FROM ingest_progress WHERE list_id = ?", arguments: [Self.list])
        }
        let range: ClosedRange<Int64>? = marker.map { ($0["uid"] as Int64)...(($0["last_uid"] as Int64?) ?? $0["uid"]) }
        #expect(range.map { $0.contains(Int64(test.poison)) && $0.upperBound == Int64(test.messages)
                            && test.markerStarts.contains($0.lowerBound) } == true,
                "the durable marker names the group parsed ahead: \(String(describing: marker))")

        // Run 2 replays the range alone: everything before the poison commits, the crash is pinned on it. Runs 3
        // and 4 crash on it alone; run 5 quarantines it and commits the rest.
        for run in 2...4 {
            let crashed = try await harness.run(["run", "--once", "--log-level", "warning"], environment: fault)
            #expect(crashed.status == 128 + SIGABRT, "run \(run): \(crashed.output)")
            try await CrashLoopTests.flaggedAreCommitted(harness, ids: ids, run: run)
            #expect(try await CrashLoopTests.archivedIDs(harness) == Set(ids.prefix(test.poison - 1)), "run \(run)")
        }
        let fifth = try await harness.run(["run", "--once", "--log-level", "warning"], environment: fault)
        #expect(fifth.status == 0, "\(fifth.output)")
        #expect(try await CrashLoopTests.archivedIDs(harness) == Set(ids).subtracting(["a\(test.poison)@inrae.example"]))
        let quarantined = try await CrashLoopTests.quarantine(harness)
        #expect(quarantined.count == 1 && quarantined.first?.uid == Int64(test.poison)
                && quarantined.first?.error.hasPrefix("crashed-the-gateway") == true, "\(quarantined.map(\.error))")
        #expect(try await DaemonTests.unseen(harness, list: Self.list).isEmpty)
    }
}
