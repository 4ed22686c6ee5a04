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
        // The fault point of `crash-on-message-id` is reached before the message is parsed: instead of ending the
        // process, it reads the durable marker there, from another connection (what a restart would find).
        let seen = Mutex<[(uids: ClosedRange<Int64>, run: String)]>([])
        let database = gateway.database
        let faults = FaultInjection("crash-on-message-id:p5@inrae.example") { _ in
            let row = try? database.pool.read { db in
                try Row.fetchOne(db, sql: "SELECT uid, last_uid, run_id FROM ingest_progress WHERE list_id = ?",
                                 arguments: [Self.list])
            }
            guard let row else { return }
            let first: Int64 = row["uid"]
            let last: Int64 = row["last_uid"] ?? first
            seen.withLock { $0.append((first...last, row["run_id"])) }
        }
        let sync = MailboxSync(pipeline: gateway.pipeline, database: gateway.database, list: list,
                               limits: Self.limits(config), runID: gateway.runID, faults: faults)
        let client = try await harness.client(for: Self.list)
        let summary = try await sync.pass(client: client, logger: Logger(label: "mailgateway.tests.group-commit"))
        await client.logout()

        #expect(summary.processed == 6, "\(summary)")
        let markers = seen.withLock { $0 }
        #expect(markers.count == 1, "the point was reached once, for UID 5 in the second group: \(markers)")
        // 1...6 while the first group is still being written (its marker covers both groups), 4...6 once it is
        // committed (its commit wrote the second group's).
        #expect(markers.first.map { $0.uids.contains(5) && $0.run == gateway.runID } == true, "\(markers)")
        #expect(try await Self.archived(gateway) == Set(ids))
        #expect(try await DaemonTests.unseen(harness, list: Self.list).isEmpty)
    }

    @Test("a crash while the second group of a batch is parsed ahead (70 messages, groups of 64): the runs after it replay the range alone, the innocent messages commit once, the poison one is quarantined; nothing is flagged before its commit")
    func crashInTheGroupParsedAhead() async throws {
        let harness = try await GatewayHarness.start()
        defer { harness.stop() }
        let ids = (1...70).map { "a\($0)@inrae.example" }
        try await harness.append(ids.enumerated().map { TestMail.message(id: $1, subject: "Couvert \($0 + 1)") },
                                 to: Self.list)
        let fault = ["MAILGATEWAY_FAULT": "crash-on-message-id:a66@inrae.example"]

        // Run 1 dies parsing UID 66, in the group after 1-64, parsed while 1-64 is written: whether 1-64 was
        // committed by then is a race, but the marker left names UID 66 either way (1-70, or 65-70).
        let first = try await harness.run(["run", "--once", "--log-level", "warning"], environment: fault)
        #expect(first.status == 128 + SIGABRT, "\(first.output)")
        try await CrashLoopTests.flaggedAreCommitted(harness, ids: ids, run: 1)
        let marker = try harness.openDatabase().pool.read { db in
            try Row.fetchOne(db, sql: "SELECT uid, last_uid FROM ingest_progress WHERE list_id = ?", arguments: [Self.list])
        }
        let range: ClosedRange<Int64>? = marker.map { ($0["uid"] as Int64)...(($0["last_uid"] as Int64?) ?? $0["uid"]) }
        #expect(range.map { $0.contains(66) && $0.upperBound == 70 && [1, 65].contains($0.lowerBound) } == true,
                "the durable marker names the group parsed ahead: \(String(describing: marker))")

        // Run 2 replays the range alone: everything before UID 66 commits, the crash is pinned on 66. Runs 3 and 4
        // crash on it alone; run 5 quarantines it and commits the rest.
        for run in 2...4 {
            let crashed = try await harness.run(["run", "--once", "--log-level", "warning"], environment: fault)
            #expect(crashed.status == 128 + SIGABRT, "run \(run): \(crashed.output)")
            try await CrashLoopTests.flaggedAreCommitted(harness, ids: ids, run: run)
            #expect(try await CrashLoopTests.archivedIDs(harness) == Set(ids.prefix(65)), "run \(run)")
        }
        let fifth = try await harness.run(["run", "--once", "--log-level", "warning"], environment: fault)
        #expect(fifth.status == 0, "\(fifth.output)")
        #expect(try await CrashLoopTests.archivedIDs(harness) == Set(ids).subtracting(["a66@inrae.example"]))
        let quarantined = try await CrashLoopTests.quarantine(harness)
        #expect(quarantined.count == 1 && quarantined.first?.uid == 66
                && quarantined.first?.error.hasPrefix("crashed-the-gateway") == true, "\(quarantined.map(\.error))")
        #expect(try await DaemonTests.unseen(harness, list: Self.list).isEmpty)
    }
}
