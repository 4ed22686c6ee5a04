import Foundation
import GRDB
import Testing
import MailGateway
import TestSupport

/// `mailgateway run` against a real Dovecot, as a real process: what issue 2 §7 asks the daemon to prove.
@Suite("The daemon against a private Dovecot", .enabled(if: DovecotServer.available, Comment(rawValue: DovecotServer.absentMessage)))
struct DaemonTests {
    /// Messages of `list` in the archive (every status), by Message-ID.
    static func archived(_ harness: GatewayHarness, list: String) async throws -> [String: Data] {
        let db = try harness.openDatabase()
        return try await db.pool.read { db in
            var out: [String: Data] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT message_id, raw FROM messages WHERE list_id = ?", arguments: [list]) {
                out[row["message_id"]] = row["raw"]
            }
            return out
        }
    }

    static func unseen(_ harness: GatewayHarness, list: String) async throws -> [UInt32] {
        let client = try await harness.client(for: list)
        let uids = try await client.unseenUIDs(in: 1...UInt32.max)
        await client.logout()
        return uids
    }

    /// How many times `text` occurs in `output`.
    static func count(_ text: String, in output: String) -> Int { output.components(separatedBy: text).count - 1 }

    static let thread: [[UInt8]] = [
        TestMail.message(id: "root@inrae.example", subject: "Protocole d'échantillonnage"),
        TestMail.message(id: "reply1@cirad.example", from: "José Martínez <jose@cirad.example>",
                         subject: "Re: Protocole d'échantillonnage", inReplyTo: "root@inrae.example",
                         references: ["root@inrae.example"]),
        TestMail.message(id: "reply2@ird.example", from: "Amélie Nguyen <amelie@ird.example>",
                         subject: "RE : Protocole d'échantillonnage", inReplyTo: "reply1@cirad.example",
                         references: ["root@inrae.example", "reply1@cirad.example"]),
    ]

    @Test("run --once archives every list's new mail, threads it, quarantines what can't be parsed, flags only after the commit")
    func runOnce() async throws {
        let harness = try await GatewayHarness.start()
        defer { harness.stop() }
        let broken: [UInt8] = Array("\u{01}\u{02} this is not a mail at all\r\n\r\n".utf8)
        try await harness.append(Self.thread + [broken], to: "college-research")
        try await harness.append([TestMail.message(id: "f1@fund.example", subject: "Appel à projets 2027")], to: "funders")

        let first = try await harness.run(["run", "--once"])
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("college-research       4 new"), "\(first.output)")

        let research = try await Self.archived(harness, list: "college-research")
        #expect(Set(research.keys) == ["root@inrae.example", "reply1@cirad.example", "reply2@ird.example"])
        #expect(research["reply1@cirad.example"] == Data(Self.thread[1]), "raw bytes kept exactly")
        #expect(try await Self.archived(harness, list: "funders").keys.sorted() == ["f1@fund.example"])
        let db = try harness.openDatabase()
        // Accepted messages share one thread; each held message has its own, unlisted; the rejected, discarded and
        // bounce mail of the list shares one unlisted thread.
        let (threads, quarantined, acceptedThreads, held, otherwise) = try await db.pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(DISTINCT thread_id) FROM messages WHERE list_id = 'college-research'"),
             try String.fetchAll(db, sql: "SELECT error FROM quarantine WHERE list_id = 'college-research'"),
             try Int.fetchOne(db, sql: "SELECT count(DISTINCT thread_id) FROM messages WHERE list_id = 'college-research' AND status = 'accepted'") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM messages WHERE list_id = 'college-research' AND status = 'held'") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM messages WHERE list_id = 'college-research' AND status NOT IN ('accepted', 'held')") ?? 0)
        }
        #expect(acceptedThreads <= 1)
        #expect(acceptedThreads + held + otherwise == 3)
        #expect(threads == acceptedThreads + held + (otherwise > 0 ? 1 : 0))
        #expect(quarantined.count == 1 && quarantined[0].contains("no header section"), "\(quarantined)")
        #expect(try await Self.unseen(harness, list: "college-research").isEmpty, "every message flagged after the commit")

        let second = try await harness.run(["run", "--once"])
        #expect(second.status == 0)
        #expect(second.output.contains("college-research       0 new"), "\(second.output)")
        #expect(try await Self.archived(harness, list: "college-research").count == 3)
    }

    @Test("a crash between the archive commit and the IMAP flag neither loses nor duplicates")
    func crashBetweenCommitAndFlag() async throws {
        let harness = try await GatewayHarness.start()
        defer { harness.stop() }
        try await harness.append(Self.thread, to: "college-research")

        let crashed = try await harness.run(["run", "--once"], environment: ["MAILGATEWAY_FAULT": "exit-after-commit"])
        #expect(crashed.status == 75, "the fault injection exits right after the commit: \(crashed.output)")
        #expect(try await Self.archived(harness, list: "college-research").count == 3, "committed before the crash")
        #expect(try await Self.unseen(harness, list: "college-research").count == 3, "not flagged: the process died first")

        let resumed = try await harness.run(["run", "--once"])
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("3 flagged after an interruption"), "\(resumed.output)")
        #expect(try await Self.archived(harness, list: "college-research").count == 3, "no duplicate")
        #expect(try await Self.unseen(harness, list: "college-research").isEmpty)
    }

    @Test("a changed UIDVALIDITY rescans the folder without duplicating")
    func uidValidityChange() async throws {
        let harness = try await GatewayHarness.start()
        defer { harness.stop() }
        try await harness.append(Array(Self.thread.prefix(2)), to: "college-research")
        #expect(try await harness.run(["run", "--once"]).status == 0)
        try await harness.dovecot.setUIDValidity(4_242_424, user: "college-research")
        try await harness.append([Self.thread[2]], to: "college-research")

        let rescan = try await harness.run(["run", "--once"])
        #expect(rescan.status == 0, "\(rescan.output)")
        #expect(rescan.output.contains("UIDVALIDITY changed: rescanned"), "\(rescan.output)")
        #expect(try await Self.archived(harness, list: "college-research").count == 3)
        let db = try harness.openDatabase()
        let state = try await db.pool.read { db in try ArchiveWriter.mailboxState(db, list: "college-research") }
        #expect(state?.uidValidity == 4_242_424)
    }

    @Test("a server that is down makes run --once fail with a clear message")
    func serverDown() async throws {
        let harness = try await GatewayHarness.start()
        defer { harness.stop() }
        harness.dovecot.stop()
        let outcome = try await harness.run(["run", "--once"])
        #expect(outcome.status == 1)
        #expect(outcome.output.contains("3 mailbox(es) could not be processed"), "\(outcome.output)")
        #expect(outcome.output.contains("127.0.0.1:\(harness.dovecot.imapPort)"), "\(outcome.output)")
    }

    @Test("a wrong password makes run --once fail with the server's words, never the password")
    func wrongPassword() async throws {
        let harness = try await GatewayHarness.start()
        defer { harness.stop() }
        let outcome = try await harness.run(["run", "--once"], environment: ["MG_TEST_IMAP_PASSWORD": "not-the-password"])
        #expect(outcome.status == 1)
        #expect(outcome.output.lowercased().contains("login"), "\(outcome.output)")
        #expect(outcome.output.contains("AUTHENTICATIONFAILED") || outcome.output.contains("Authentication failed"), "\(outcome.output)")
        #expect(!outcome.output.contains("not-the-password"))
    }

    @Test("the daemon with a refused IMAP login: one critical line per mailbox, no retries, a clean stop")
    func refusedLoginIsNotRetried() async throws {
        let harness = try await GatewayHarness.start()
        defer { harness.stop() }
        let daemon = try harness.spawn(["run", "--log-level", "info"],
                                       environment: ["MG_TEST_IMAP_PASSWORD": "not-the-password"])
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(60))
        while Self.count("mailbox login refused", in: daemon.output) < 3, clock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
        // Long enough for the old backoff (1 s, 2 s, 4 s...) to have retried each mailbox several times.
        try await Task.sleep(for: .seconds(8))
        daemon.signal(SIGTERM)
        let outcome = await daemon.waitOffPool()
        #expect(outcome.status == 0, "\(outcome.output)")
        // The log is read once the daemon has exited (its output file goes with it).
        #expect(Self.count("mailbox login refused", in: outcome.output) == 3, "\(outcome.output)")
        #expect(Self.count("mailbox failed; retrying", in: outcome.output) == 0, "\(outcome.output)")
        #expect(!outcome.output.contains("not-the-password"))
    }

    @Test("the daemon archives a message appended while it runs, within seconds, and stops cleanly on SIGTERM")
    func idleAndGracefulStop() async throws {
        // A 300 s poll interval: only IDLE can explain an archive within seconds.
        let harness = try await GatewayHarness.start { config in
            var config = config
            config["poll_interval_seconds"] = 300
            return config
        }
        defer { harness.stop() }
        let daemon = try harness.spawn(["run", "--log-level", "debug"])
        let clock = ContinuousClock()
        var deadline = clock.now.advanced(by: .seconds(30))
        // Let the daemon take the database's lock and migrate it first: opening a database that still needs
        // migrating takes that lock, and a daemon that finds it held exits.
        while clock.now < deadline && !daemon.output.contains("gateway started") {
            try await Task.sleep(for: .milliseconds(50))
        }
        guard daemon.output.contains("gateway started") else {
            daemon.signal(SIGKILL)
            let output = await daemon.waitOffPool().output
            Issue.record("the daemon did not start within 30 s: \(output)")
            return
        }
        // Wait until every watcher has made its first pass and is about to IDLE (the debug line the watcher logs
        // before each IDLE), instead of guessing with a sleep.
        guard await poll(seconds: 30, every: .milliseconds(50), { Self.count("mailbox idle", in: daemon.output) >= 3 }) else {
            daemon.signal(SIGKILL)
            let output = await daemon.waitOffPool().output
            Issue.record("\(Self.count("mailbox idle", in: output)) of 3 watchers went idle within 30 s: \(output)")
            return
        }
        let appended = clock.now
        try await harness.append([TestMail.message(id: "live@inrae.example", subject: "Message en direct")], to: "college-research")
        var archivedAfter: Duration?
        deadline = clock.now.advanced(by: .seconds(30))
        while clock.now < deadline {
            if try await Self.archived(harness, list: "college-research")["live@inrae.example"] != nil {
                archivedAfter = clock.now - appended
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        // IDLE wakes the watcher: well under the 300 s poll interval even on a loaded 2-core machine.
        let after = try #require(archivedAfter, "not archived within 30 s: \(daemon.output)")
        #expect(after < .seconds(20), "archived \(after) after the append (poll interval is 60 s)")

        daemon.signal(SIGTERM)
        let outcome = await daemon.waitOffPool()
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("gateway stopped"), "\(outcome.output)")
    }

    @Test("export then import is byte-exact, and importing twice adds nothing")
    func exportImportRoundTrip() async throws {
        let harness = try await GatewayHarness.start()
        defer { harness.stop() }
        // Accepted only are exported by default: import straight into the archive (source `import`, accepted).
        let source = harness.directory.appendingPathComponent("source.mbox")
        var mbox = Data()
        for (i, message) in Self.thread.enumerated() {
            mbox.append(Data("From sender\(i)@example.org Wed Nov 25 10:00:00 2026\n".utf8))
            mbox.append(Data(message))
            mbox.append(Data("\n".utf8))
        }
        // A body line that must be quoted in mbox and come back unquoted.
        let tricky = TestMail.message(id: "from-line@example.org", subject: "From lines",
                                      body: "From the start of a line\r\n>From quoted already\r\n")
        mbox.append(Data("From x@example.org Wed Nov 25 10:00:00 2026\n".utf8))
        mbox.append(Data(tricky.map { $0 }))
        mbox.append(Data("\n".utf8))
        // mboxrd quoting of the tricky body, as any mboxrd writer would do.
        let quoted = String(decoding: mbox, as: UTF8.self)
            .replacingOccurrences(of: "\r\nFrom the start", with: "\r\n>From the start")
            .replacingOccurrences(of: "\r\n>From quoted", with: "\r\n>>From quoted")
        try Data(quoted.utf8).write(to: source)

        let imported = try await harness.run(["archive", "import", "--list", "college-research", "--mbox", source.path])
        #expect(imported.status == 0, "\(imported.output)")
        #expect(imported.output.contains("4 new"), "\(imported.output)")
        let again = try await harness.run(["archive", "import", "--list", "college-research", "--mbox", source.path])
        #expect(again.output.contains("0 new, 4 already there"), "\(again.output)")

        let exported = harness.directory.appendingPathComponent("export.mbox")
        #expect(try await harness.run(["archive", "export", "--list", "college-research", "--mbox", exported.path]).status == 0)
        let reimport = try await harness.run(["archive", "import", "--list", "funders", "--mbox", exported.path])
        #expect(reimport.output.contains("4 new"), "\(reimport.output)")
        let original = try await Self.archived(harness, list: "college-research")
        let copy = try await Self.archived(harness, list: "funders")
        #expect(original.count == 4 && copy == original, "byte-exact per Message-ID")
        #expect(original["from-line@example.org"] == Data(tricky))

        let raw = try await harness.run(["archive", "message", "from-line@example.org", "--list", "funders", "--raw"])
        #expect(raw.output == String(decoding: tricky, as: UTF8.self))
    }

    @Test("a message over max_message_bytes is quarantined from its header section, never loaded whole")
    func oversizeQuarantined() async throws {
        let harness = try await GatewayHarness.start { config in
            var config = config
            config["max_message_bytes"] = 4096
            return config
        }
        defer { harness.stop() }
        let big = TestMail.message(id: "big@inrae.example", subject: "Rapport complet",
                                   body: String(repeating: "Mesures de carbone organique, parcelle 12.\r\n", count: 400))
        let small = TestMail.message(id: "small@inrae.example", subject: "Résumé")
        try await harness.append([big, small], to: "college-research")
        let outcome = try await harness.run(["run", "--once"])
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(try await Self.archived(harness, list: "college-research").keys.sorted() == ["small@inrae.example"])
        let db = try harness.openDatabase()
        let entries = try await db.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT raw, size, headers_excerpt, error FROM quarantine WHERE list_id = 'college-research'")
                .map { row in (raw: row["raw"] as Data?, size: row["size"] as Int, headers: row["headers_excerpt"] as String,
                               error: row["error"] as String) }
        }
        #expect(entries.count == 1)
        let entry = try #require(entries.first)
        #expect(entry.raw == nil, "only the header section is kept, as headers_excerpt")
        #expect(entry.size == big.count)
        #expect(entry.headers.contains("Message-ID: <big@inrae.example>"))
        #expect(entry.error.contains("exceeds max_message_bytes (4096)"))
        #expect(try await Self.unseen(harness, list: "college-research").isEmpty, "the oversize message is flagged too")
    }

    @Test("check-config names every problem with its JSON path and exits 2; --json redacts secrets")
    func checkConfig() async throws {
        let harness = try await GatewayHarness.start()
        defer { harness.stop() }
        let ok = try await harness.run(["check-config", "--json"])
        #expect(ok.status == 0, "\(ok.output)")
        #expect(ok.output.contains("\"passwordEnv\" : \"MG_TEST_IMAP_PASSWORD\""), "\(ok.output)")
        #expect(!ok.output.contains(GatewayHarness.listPassword))
        let missing = try await harness.run(["check-config"], environment: ["MG_TEST_IMAP_PASSWORD": ""])
        #expect(missing.status == 2)
        #expect(missing.output.contains("$.lists[0].mailbox: password variable MG_TEST_IMAP_PASSWORD is not set"), "\(missing.output)")
        #expect(missing.output.contains("3 problems"), "\(missing.output)")
    }
}
