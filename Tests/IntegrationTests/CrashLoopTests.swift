import Foundation
import GRDB
import Testing
import MailGateway
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Issue 7 §3, §7, §13 against the real Dovecot and smtp-sink: a message that crashes the gateway is quarantined
/// after three abnormal exits, two runs never share a database, and a message the server does not return never
/// lets the cursor pass it unprocessed.
@Suite("Crash loops, the process lock and fetch failures",
       .enabled(if: DovecotServer.available && PostfixRelay.available,
                Comment(rawValue: DovecotServer.absentMessage + "; " + PostfixRelay.absentMessage)),
       .serialized)
struct CrashLoopTests {
    typealias W = DeliveryWorld
    static let list = "college-research"

    /// Copies per (recipient, Message-ID) in the sink's dumps.
    static func copies(_ sink: SMTPSink) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for dump in try sink.dumps() {
            let id = dump.header("Message-ID") ?? "?"
            for recipient in dump.recipients { counts["\(recipient) \(id)", default: 0] += 1 }
        }
        return counts
    }

    static func archivedIDs(_ harness: GatewayHarness) async throws -> Set<String> {
        let db = try harness.openDatabase()
        return Set(try await db.pool.read { db in
            try String.fetchAll(db, sql: "SELECT message_id FROM messages WHERE list_id = ?", arguments: [list])
        })
    }

    static func quarantine(_ harness: GatewayHarness) async throws -> [(uid: Int64?, error: String, raw: Data?)] {
        let db = try harness.openDatabase()
        return try await db.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT uid, error, raw FROM quarantine WHERE list_id = ? ORDER BY id", arguments: [list])
                .map { (uid: $0["uid"], error: $0["error"], raw: $0["raw"]) }
        }
    }

    /// Every UID flagged on the server is archived (UID n holds `ids[n - 1]`): a message is flagged only after its
    /// commit.
    static func flaggedAreCommitted(_ harness: GatewayHarness, ids: [String], run: Int) async throws {
        let unseen = Set(try await DaemonTests.unseen(harness, list: list))
        let archived = try await archivedIDs(harness)
        for uid in 1...ids.count where !unseen.contains(UInt32(uid)) {
            #expect(archived.contains(ids[uid - 1]), "run \(run): UID \(uid) flagged but not archived")
        }
    }

    @Test("a message that crashes the gateway is quarantined raw as crashed-the-gateway after 3 abnormal exits alone (and its group's); later mail flows, nothing is lost or sent twice")
    func poisonMessageQuarantined() async throws {
        let sink = try SMTPSink.start()
        defer { sink.remove() }
        let world = try await W.start(smtpPort: sink.port)
        defer { world.stop() }
        let members = DeliveryFaultTests.members(4)
        try await world.importAuthorAndMembers(members)
        let poison = TestMail.message(id: "poison@inrae.example", subject: "Le message qui tue")
        try await world.harness.append([TestMail.message(id: "before@inrae.example", subject: "Avant"), poison,
                                        TestMail.message(id: "after@inrae.example", subject: "Après")], to: Self.list)
        let fault = ["MAILGATEWAY_FAULT": "crash-on-message-id:poison@inrae.example"]
        // No delivery while the poison message aborts the gateway (runs 1-4): "before", committed by run 2, is not
        // delivered until run 5. Otherwise a run's sender could be sending it at the instant of the abort, and a copy
        // the server accepted just before it, its acceptance not yet journaled, goes out again at the next start:
        // the in-flight window that DeliveryFaultTests bounds for kills. This test is about the poison message, and
        // with no delivery before the last run any copy seen twice is a fault of the recovery. The sink refuses MAIL
        // (4xx, before smtp-sink opens any dump file) rather than being stopped: the port stays ours, where another
        // process could bind it while it was closed.
        try sink.restart(options: ["-r", "MAIL"])

        for attempt in 1...4 {
            let crashed = try await world.harness.run(["run", "--once", "--log-level", "warning"], environment: fault)
            #expect(crashed.status == 128 + SIGABRT, "run \(attempt) dies on the poison message: \(crashed.status) \(crashed.output)")
            // The first run processes the three messages as one group: the crash loses the whole group, and is
            // charged to none of its messages. The next runs replay its UIDs one message per transaction:
            // "before" commits, the crash is pinned on UID 2 and counted from there.
            let committed: Set<String> = attempt == 1 ? [] : ["before@inrae.example"]
            #expect(try await Self.archivedIDs(world.harness) == committed, "run \(attempt)")
        }
        let db = try world.harness.openDatabase()
        let marker = try db.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT uid, crashes FROM ingest_progress WHERE list_id = ?", arguments: [Self.list])
        }
        #expect(marker?["uid"] == 2 && marker?["crashes"] == 2, "the third crash alone is counted at the next start: \(String(describing: marker))")

        // The copies the crashed runs could not deliver (MAIL refused) are made due at once (`outbox retry`, as in
        // DeliveryFaultTests), not waited for past the harness's retry delay.
        try sink.restart()
        try await world.cli(["outbox", "retry"])
        let fifth = try await world.harness.run(["run", "--once", "--log-level", "warning"], environment: fault)
        #expect(fifth.status == 0, "\(fifth.output)")
        #expect(fifth.output.contains("quarantined 1"), "\(fifth.output)")
        #expect(try await Self.archivedIDs(world.harness) == ["before@inrae.example", "after@inrae.example"])
        let quarantined = try await Self.quarantine(world.harness)
        #expect(quarantined.count == 1)
        #expect(quarantined.first?.uid == 2 && quarantined.first?.error.hasPrefix("crashed-the-gateway") == true, "\(quarantined)")
        #expect(quarantined.first?.raw == Data(poison), "kept raw, byte for byte")
        #expect(try await world.cli(["archive", "quarantine"]).contains("crashed-the-gateway"))
        #expect(try await DaemonTests.unseen(world.harness, list: Self.list).isEmpty, "every message is dealt with and flagged")
        #expect(try await db.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ingest_progress") } == 0)

        let counts = try Self.copies(sink)
        #expect(counts.count == 2 * members.count, "both posts reached every member: \(counts)")
        #expect(counts.values.allSatisfy { $0 == 1 }, "no copy twice: \(counts.filter { $0.value != 1 })")
        // Later runs neither send nor quarantine anything again.
        _ = try await world.runOnce()
        #expect(sink.count() == 2 * members.count)
        #expect(try await Self.quarantine(world.harness).count == 1)
    }

    @Test("a crash inside a group: the next runs replay its UIDs one per transaction, the innocent messages commit, the poison one is quarantined after 3 crashes alone; nothing is flagged before its commit")
    func crashInsideGroup() async throws {
        let harness = try await GatewayHarness.start()
        defer { harness.stop() }
        let ids = (1...6).map { "g\($0)@inrae.example" }
        try await harness.append(ids.enumerated().map { TestMail.message(id: $1, subject: "Groupe \($0 + 1)") }, to: Self.list)
        let fault = ["MAILGATEWAY_FAULT": "crash-on-message-id:g4@inrae.example"]
        let db = try harness.openDatabase()
        func marker() async throws -> IngestProgressRecord? {
            try await db.pool.read { db in
                try IngestProgressRecord.filter(Column("list_id") == Self.list).fetchOne(db)
            }
        }

        let first = try await harness.run(["run", "--once", "--log-level", "warning"], environment: fault)
        #expect(first.status == 128 + SIGABRT, "\(first.output)")
        #expect(try await Self.archivedIDs(harness).isEmpty, "the group's transaction never committed")
        #expect(try await DaemonTests.unseen(harness, list: Self.list) == [1, 2, 3, 4, 5, 6])
        let group = try await marker()
        #expect(group?.uid == 1 && group?.lastUID == 6 && group?.crashes == 0,
                "the marker names the group's UIDs: \(String(describing: group))")

        let second = try await harness.run(["run", "--once", "--log-level", "warning"], environment: fault)
        #expect(second.status == 128 + SIGABRT, "\(second.output)")
        #expect(second.output.contains("each is processed alone"), "\(second.output)")
        #expect(try await Self.archivedIDs(harness) == Set(ids.prefix(3)), "the innocent messages before it commit")
        #expect(try await DaemonTests.unseen(harness, list: Self.list) == [1, 2, 3, 4, 5, 6],
                "committed, but the batch's flags come after its last unit: the crash came first")
        let pinned = try await marker()
        #expect(pinned?.uid == 4 && pinned?.lastUID == nil && pinned?.crashes == 0,
                "the crash is pinned on UID 4; the group's crash is charged to none of its messages: \(String(describing: pinned))")

        for run in 3...4 {
            let crashed = try await harness.run(["run", "--once", "--log-level", "warning"], environment: fault)
            #expect(crashed.status == 128 + SIGABRT, "\(crashed.output)")
            #expect(try await DaemonTests.unseen(harness, list: Self.list) == [4, 5, 6], "the committed ones are flagged now")
            try await Self.flaggedAreCommitted(harness, ids: ids, run: run)
            #expect(try await marker()?.crashes == run - 2)
        }

        let fifth = try await harness.run(["run", "--once", "--log-level", "warning"], environment: fault)
        #expect(fifth.status == 0, "\(fifth.output)")
        #expect(try await Self.archivedIDs(harness) == Set(ids).subtracting(["g4@inrae.example"]))
        let quarantined = try await Self.quarantine(harness)
        #expect(quarantined.count == 1 && quarantined.first?.uid == 4
                && quarantined.first?.error.hasPrefix("crashed-the-gateway") == true, "\(quarantined)")
        #expect(try await DaemonTests.unseen(harness, list: Self.list).isEmpty)
        #expect(try await marker() == nil)
    }

    @Test("a clean run clears its progress marker: an ordinary failure never counts as a crash")
    func cleanExitIsNotACrash() async throws {
        let harness = try await GatewayHarness.start()
        defer { harness.stop() }
        try await harness.append([TestMail.message(id: "one@inrae.example", subject: "Un")], to: Self.list)
        #expect(try await harness.run(["run", "--once"]).status == 0)
        let db = try harness.openDatabase()
        #expect(try await db.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ingest_progress") } == 0)
    }

    @Test("run --once while the daemon runs refuses with status 3 and takes nothing over: every member gets exactly one copy")
    func secondRunRefused() async throws {
        let sink = try SMTPSink.start()
        defer { sink.remove() }
        let world = try await W.start(smtpPort: sink.port) { json in
            var json = json
            var delivery = json["delivery"] as! [String: Any]
            delivery["connections"] = 2
            json["delivery"] = delivery
            return json
        }
        defer { world.stop() }
        let members = DeliveryFaultTests.members(7)
        try await world.importAuthorAndMembers(members)
        try await world.harness.append([TestMail.message(id: "lock@inrae.example", subject: "Verrou")], to: Self.list)

        // The sink frozen (SIGSTOP) until run --once has been refused: the daemon's workers hand copies (journaled,
        // `sending`), connect and wait for the greeting, so its copies are in flight while run --once starts, for as
        // long as the test needs and not for as long as a delayed reply lasts (each poll below is a CLI process that
        // takes seconds on a loaded machine; with a 1 s DATA delay the polls could straddle the whole window).
        try sink.pause()
        let daemon = try world.harness.spawn(["run", "--log-level", "warning"])
        let sending = try await DeliveryFaultTests.wait(seconds: 30) { try await world.outbox(status: "sending").count > 0 }
        #expect(sending, "the daemon is sending")
        let second = try await world.harness.run(["run", "--once", "--log-level", "info"])
        try sink.resume()
        #expect(second.status == 3, "\(second.output)")
        #expect(second.output.contains("another mailgateway run is using this database"), "\(second.output)")
        #expect(!second.output.contains("outbox.recovered"), "\(second.output)")

        let done = try await DeliveryFaultTests.wait(seconds: 60) { try await world.outbox(status: "sent").count == members.count }
        daemon.signal(SIGTERM)
        let outcome = await daemon.waitOffPool()
        #expect(done, "\(outcome.output)")
        #expect(outcome.status == 0, "\(outcome.output)")
        let counts = try Self.copies(sink)
        #expect(counts.count == members.count)
        #expect(counts.values.allSatisfy { $0 == 1 }, "no copy twice: \(counts.filter { $0.value != 1 })")

        // Once the daemon is gone, run --once takes the lock again.
        #expect(try await world.harness.run(["run", "--once"]).status == 0)
    }

    @Test("a UID the server leaves out of an OK FETCH stops the cursor, is retried alone, and after 3 failures is recorded as unfetchable")
    func missingFromFetch() async throws {
        let harness = try await GatewayHarness.start()
        defer { harness.stop() }
        try await harness.append([TestMail.message(id: "m1@inrae.example", subject: "Un"),
                                  TestMail.message(id: "m2@inrae.example", subject: "Deux"),
                                  TestMail.message(id: "m3@inrae.example", subject: "Trois")], to: Self.list)
        let fault = ["MAILGATEWAY_FAULT": "drop-fetch-uid:2"]
        for attempt in 1...2 {
            let run = try await harness.run(["run", "--once"], environment: fault)
            #expect(run.status == 0, "\(run.output)")
            #expect(try await Self.archivedIDs(harness) == ["m1@inrae.example"], "the cursor stays below UID 2 (run \(attempt))")
            let db = try harness.openDatabase()
            let state = try await db.pool.read { db in try ArchiveWriter.mailboxState(db, list: Self.list) }
            #expect(state?.lastUID == 1)
            #expect(try await DaemonTests.unseen(harness, list: Self.list) == [2, 3], "nothing flagged unprocessed")
        }
        let third = try await harness.run(["run", "--once"], environment: fault)
        #expect(third.status == 0, "\(third.output)")
        #expect(third.output.contains("unfetchable 1"), "\(third.output)")
        #expect(try await Self.archivedIDs(harness) == ["m1@inrae.example", "m3@inrae.example"])
        let quarantined = try await Self.quarantine(harness)
        #expect(quarantined.count == 1 && quarantined.first?.uid == 2, "\(quarantined)")
        #expect(quarantined.first?.error.hasPrefix("unfetchable") == true, "\(quarantined)")
        let listing = try await harness.run(["archive", "quarantine"])
        #expect(listing.output.contains("unfetchable"), "\(listing.output)")

        // The server returns it again: still recorded, never flagged unprocessed by the repair pass.
        let fourth = try await harness.run(["run", "--once"])
        #expect(fourth.status == 0, "\(fourth.output)")
        #expect(try await DaemonTests.unseen(harness, list: Self.list) == [2], "left unflagged on the server for the operator")
        #expect(try await Self.quarantine(harness).count == 1)
    }

    @Test("a message the server cannot read (FETCH fails) no longer stalls its mailbox")
    func unreadableMessage() async throws {
        let harness = try await GatewayHarness.start()
        defer { harness.stop() }
        try await harness.append([TestMail.message(id: "r1@inrae.example", subject: "Un"),
                                  TestMail.message(id: "r2@inrae.example", subject: "Deux"),
                                  TestMail.message(id: "r3@inrae.example", subject: "Trois")], to: Self.list)
        // Make message 2 unreadable for Dovecot (whose mail processes run as an unprivileged user).
        let maildir = harness.dovecot.directory.appendingPathComponent("mail/\(Self.list)/Maildir")
        var files: [String] = []
        for sub in ["cur", "new"] {
            let dir = maildir.appendingPathComponent(sub)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] {
                files.append(dir.appendingPathComponent(name).path)
            }
        }
        let target = try #require(files.first { path in
            (try? String(contentsOfFile: path, encoding: .utf8))?.contains("<r2@inrae.example>") == true
        })
        #expect(chmod(target, 0) == 0)
        var outputs: [String] = []
        for _ in 1...6 {
            let run = try await harness.run(["run", "--once"])
            outputs.append("\(run.status): \(run.output)")
            if try await Self.archivedIDs(harness).contains("r3@inrae.example") { break }
        }
        #expect(try await Self.archivedIDs(harness) == ["r1@inrae.example", "r3@inrae.example"], "\(outputs)")
        let quarantined = try await Self.quarantine(harness)
        #expect(quarantined.count == 1 && quarantined.first?.uid == 2
                && quarantined.first?.error.hasPrefix("unfetchable") == true, "\(quarantined) \(outputs)")
        #expect(outputs.count <= 5, "batch failure, then 3 single attempts: \(outputs)")
    }
}
