import Foundation
import Logging
import Synchronization
import Testing
import MailGateway
import TestSupport

/// A graceful stop asked while a group of messages is being prepared (each message may wait on DNS for its DMARC
/// policy: 64 of them can outlast the service manager's stop timeout) commits the prefix prepared so far, flags
/// it, and leaves the rest for the next pass, against the real Dovecot.
@Suite("Ingest: a graceful stop inside a group", .enabled(if: DovecotServer.available, Comment(rawValue: DovecotServer.absentMessage)))
struct GroupStopTests {
    static let list = "college-research"

    @Test("a stop while the group is prepared commits and flags the prepared prefix only; the next pass takes the rest, once")
    func stopWhilePreparing() async throws {
        let harness = try await GatewayHarness.start()
        defer { harness.stop() }
        let ids = (1...6).map { "s\($0)@inrae.example" }
        try await harness.append(ids.enumerated().map { TestMail.message(id: $1, subject: "Arrêt \($0 + 1)") }, to: Self.list)
        let config = try ConfigLoader(environment: harness.environment).load(path: harness.configPath)
        let gateway = try Gateway(config: config, environment: harness.environment)
        let list = try #require(config.lists.first { $0.id == Self.list })
        let sync = MailboxSync(pipeline: gateway.pipeline, database: gateway.database, list: list,
                               limits: MailboxSyncPlan.Limits(maxMessageBytes: config.maxMessageBytes), runID: gateway.runID)
        let logger = Logger(label: "mailgateway.tests.group-stop")
        func archived() async throws -> Set<String> {
            Set(try await gateway.database.pool.read { db in
                try String.fetchAll(db, sql: "SELECT message_id FROM messages WHERE list_id = ?", arguments: [Self.list])
            })
        }

        // Asked first before the batch, then before the group, then before each message of the group after the
        // first: the stop lands while the group's second message is about to be prepared.
        let asked = Mutex(0)
        let client = try await harness.client(for: Self.list)
        let first = try await sync.pass(client: client, logger: logger, shouldStop: {
            asked.withLock { count in count += 1; return count >= 3 }
        })
        #expect(first.interrupted && first.processed == 1, "\(first)")
        #expect(try await archived() == [ids[0]])
        #expect(try await DaemonTests.unseen(harness, list: Self.list) == [2, 3, 4, 5, 6], "only the committed one is flagged")
        let state = try await gateway.database.pool.read { db in try ArchiveWriter.mailboxState(db, list: Self.list) }
        #expect(state?.lastUID == 1)
        #expect(try await gateway.database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ingest_progress") } == 0,
                "no marker left: the group's was cleared with the prefix, none written for a next unit")

        let second = try await sync.pass(client: client, logger: logger)
        #expect(!second.interrupted && second.processed == 5, "\(second)")
        #expect(try await archived() == Set(ids))
        #expect(try await DaemonTests.unseen(harness, list: Self.list).isEmpty)
        await client.logout()
    }
}
