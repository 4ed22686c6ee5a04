import Foundation
import GRDB
import Logging
import ServiceLifecycle
import Testing
@testable import MailGateway
import TestSupport

/// The outbox sender service end to end: real SQLite outbox, real smtp-sink on 127.0.0.1, faults injected
/// with smtp-sink's options. "Delivered" means a dump file carrying the message.
@Suite(.serialized) struct OutboxSenderTests {
    /// `libcurl`: the workers use `SMTPConnection` instead of the pipelined client this plaintext sink gets otherwise.
    func makeSender(_ fixture: OutboxFixture, _ sink: SMTPSink, workers: Int = 4, libcurl: Bool = false) -> OutboxSender {
        let smtp = SMTPSettings(server: ServerConfig(host: "127.0.0.1", port: sink.port, tls: .none),
                                ehloName: "gateway.test.example", connectTimeout: 10, replyTimeout: 20,
                                transactionTimeout: 60)
        var configuration = OutboxSenderConfiguration(smtp: smtp, workers: workers, claimBatch: 4,
                                                      pollInterval: .milliseconds(50),
                                                      retry: RetryPolicy(base: 0.05, cap: 0.2, period: 3600))
        configuration.forcesLibcurl = libcurl
        return OutboxSender(database: fixture.pool, configuration: configuration, logger: .test)
    }

    /// Runs `sender` in a ServiceGroup (as the daemon does) while `body` runs, then shuts it down gracefully.
    func running(_ sender: OutboxSender, _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(configuration: .init(services: [sender], logger: .test))
        let task = Task { try await group.run() }
        do {
            try await body()
        } catch {
            await group.triggerGracefulShutdown()
            try? await task.value
            throw error
        }
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// Content-carrying dumps per recipient.
    func deliveries(_ sink: SMTPSink) throws -> [String: Int] {
        var result: [String: Int] = [:]
        for dump in try sink.dumps() where dump.hasContent {
            for recipient in dump.recipients { result[recipient, default: 0] += 1 }
        }
        return result
    }

    /// Through both clients: the pipelined one (what a plaintext relay without AUTH gets) and libcurl (kept tested
    /// end to end here; it serves STARTTLS, TLS and AUTH relays).
    @Test(arguments: [false, true])
    func fanOutDeliversEveryCopyExactlyOnce(libcurl: Bool) async throws {
        let fixture = try OutboxFixture()
        let sink = try SMTPSink.start()
        defer { fixture.remove(); sink.remove() }
        let recipients = OutboxFixture.recipients(60)
        try fixture.enqueue(to: recipients)
        try await running(makeSender(fixture, sink, libcurl: libcurl)) {
            // 180 s: a bound for a loaded 2-core machine where the whole suite starts its servers at once (60 s
            // was missed there while all 60 copies arrived once), not a speed.
            #expect(await fixture.wait(seconds: 180) { try fixture.counts()[.sent] == 60 })
        }
        #expect(try deliveries(sink) == Dictionary(uniqueKeysWithValues: recipients.map { ($0, 1) }))
        for dump in try sink.dumps() {
            let recipient = try #require(dump.recipients.first)
            #expect(dump.recipients.count == 1)
            // Per-copy VERP (BN-1): the token names the copy sent to this recipient.
            let local = try #require(dump.envelopeFrom.split(separator: "@").first)
            let token = try #require(BounceToken(local.dropFirst("recherche+bounce.".count), key: nil))
            #expect(local.hasPrefix("recherche+bounce."))
            #expect(try fixture.entries().first { $0.id == token.copyID }?.recipient == recipient)
            #expect(dump.header("Message-ID") == "<post1@partner.example>")
            #expect(dump.header("Subject") == "[Recherche] Post 1")
            #expect(dump.header("List-Id") == "\"Recherche\" <college-research.lists.example.org>")
            #expect(dump.message.contains("Hello members, post number 1.\n\nList Recherche footer\n"))
        }
        let rows = try fixture.entries()
        #expect(rows.allSatisfy { $0.status == .sent && $0.attempts == 1 && $0.sentAt != nil })
    }

    @Test(arguments: [
        ["-r", "RCPT"], ["-Q", "RCPT"], ["-q", "RCPT"], ["-r", "MAIL"], ["-r", "DATA"], ["-Q", "DATA"], ["-q", "DATA"],
    ])
    func transientFaultsAreRetriedUntilDeliveredOnce(fault: [String]) async throws {
        let fixture = try OutboxFixture()
        let sink = try SMTPSink.start(options: fault)
        defer { fixture.remove(); sink.remove() }
        let recipients = OutboxFixture.recipients(12, tag: "f")
        try fixture.enqueue(to: recipients)
        try await running(makeSender(fixture, sink)) {
            // Every copy fails at least twice while the fault is on...
            #expect(await fixture.wait {
                try fixture.entries().allSatisfy { $0.attempts >= 2 }
            })
            let failing = try fixture.entries()
            #expect(failing.allSatisfy { $0.status != .sent && $0.status != .failed && $0.lastErrorKind == .transient })
            #expect(try deliveries(sink).isEmpty)
            // ...then the server recovers and every copy goes out.
            try sink.restart()
            #expect(await fixture.wait { try fixture.counts()[.sent] == 12 })
        }
        #expect(try deliveries(sink) == Dictionary(uniqueKeysWithValues: recipients.map { ($0, 1) }))
    }

    @Test func permanentRefusalsAreRecordedPerRecipientAndNotRetried() async throws {
        let fixture = try OutboxFixture()
        let sink = try SMTPSink.start(options: ["-f", "RCPT"])
        defer { fixture.remove(); sink.remove() }
        let recipients = OutboxFixture.recipients(5, tag: "gone")
        try fixture.enqueue(to: recipients)
        try await running(makeSender(fixture, sink)) {
            #expect(await fixture.wait { try fixture.counts()[.failed] == 5 })
            try sink.restart()
            // Twenty poll intervals with a healthy server: a retry would have happened by now.
            try await Task.sleep(for: .seconds(1))
        }
        #expect(try deliveries(sink).isEmpty)
        let bounces = try fixture.bounces()
        #expect(Set(bounces.map(\.recipient)) == Set(recipients))
        #expect(bounces.allSatisfy { $0.attempts == 1 && $0.lastErrorCode == 500 && $0.lastErrorCommand == "RCPT" })
        // Each refusal is a bounce event of its recipient (BN-2), recorded by the sender in the same transaction.
        let events = try await fixture.pool.read { db in try BounceEventRecord.fetchAll(db) }
        #expect(Set(events.map(\.address)) == Set(recipients))
        #expect(events.allSatisfy { $0.source == "smtp" && $0.code == 500 && $0.copyID != nil })
    }

    @Test func gracefulStopMidFanOutThenResumeDeliversEachCopyOnce() async throws {
        let fixture = try OutboxFixture()
        // -w 1: one second before answering each DATA, so that copies are in flight when the stop comes: 48 copies
        // over 3 connections take 16 s. The stop lands mid-fan-out because the sink is frozen (SIGSTOP) from the
        // moment 3 copies are seen sent until the stop is requested: no transaction completes in between, however
        // late this task runs (the workers run on their own queues; 24 copies were all sent once, before a stop
        // delayed by a CI machine whose load was 13 on 2 cores). Resumed, the sink answers the copies in flight,
        // which the workers finish and record before they stop.
        let sink = try SMTPSink.start(options: ["-w", "1"])
        defer { fixture.remove(); sink.remove() }
        let recipients = OutboxFixture.recipients(48, tag: "k")
        try fixture.enqueue(to: recipients)
        let group = ServiceGroup(configuration: .init(services: [makeSender(fixture, sink, workers: 3)], logger: .test))
        let task = Task { try await group.run() }
        let started = await fixture.wait { try fixture.counts()[.sent]! >= 3 }
        let paused = Result { try sink.pause() }
        await group.triggerGracefulShutdown()
        let resumed = Result { try sink.resume() }
        try await task.value
        try paused.get()
        try resumed.get()
        #expect(started)
        // Stopped gracefully: nothing left in flight (the claims are in memory: no journal left behind names a copy,
        // and no row was claimed in the rows), and what the server acknowledged is exactly what is sent.
        #expect(OutboxJournal.leftBehind(databasePath: fixture.pool.path).isEmpty, "every journal removed")
        let stopped = try fixture.counts()
        #expect(stopped[.sending] == 0)
        #expect(stopped[.sent]! < 48)
        let delivered = try deliveries(sink)
        #expect(delivered.count == stopped[.sent])
        #expect(delivered.values.allSatisfy { $0 == 1 })

        try sink.restart()
        try await running(makeSender(fixture, sink, workers: 3)) {
            #expect(await fixture.wait { try fixture.counts()[.sent] == 48 })
        }
        #expect(try deliveries(sink) == Dictionary(uniqueKeysWithValues: recipients.map { ($0, 1) }))
    }

    @Test func copiesLeftSendingByACrashAreRecoveredAndSentOnce() async throws {
        let fixture = try OutboxFixture()
        let sink = try SMTPSink.start()
        defer { fixture.remove(); sink.remove() }
        let recipients = OutboxFixture.recipients(10, tag: "c")
        try fixture.enqueue(to: recipients)
        // A process that claimed 4 copies and died before sending them.
        let claimed = try fixture.claim(4)
        #expect(try fixture.counts()[.sending] == 4)
        try await running(makeSender(fixture, sink, workers: 2)) {
            #expect(await fixture.wait { try fixture.counts()[.sent] == 10 })
        }
        #expect(try deliveries(sink) == Dictionary(uniqueKeysWithValues: recipients.map { ($0, 1) }))
        let rows = try fixture.entries()
        // The dead process never handed its 4 copies to SMTP: they were given back as never attempted, so every
        // copy, claimed before or not, shows the one attempt that delivered it.
        #expect(claimed.count == 4)
        #expect(rows.count == 10 && rows.allSatisfy { $0.attempts == 1 }, "\(rows.map(\.attempts))")
    }

    @Test func aRefusedLoginStopsTheSenderAndKeepsEveryCopyPending() async throws {
        let fixture = try OutboxFixture()
        let sink = try SMTPSink.start(options: ["-f", "AUTH"])
        defer { fixture.remove(); sink.remove() }
        try fixture.enqueue(to: OutboxFixture.recipients(10, tag: "auth"))
        var smtp = SMTPSettings(server: ServerConfig(host: "127.0.0.1", port: sink.port, tls: .none, user: "gateway"),
                                password: "wrong", ehloName: "gateway.test.example", connectTimeout: 10, replyTimeout: 20,
                                transactionTimeout: 60)
        smtp.server.user = "gateway"
        let sender = OutboxSender(database: fixture.pool,
                                  configuration: OutboxSenderConfiguration(
                                      smtp: smtp, workers: 2, claimBatch: 4, pollInterval: .milliseconds(50),
                                      retry: RetryPolicy(base: 0.05, cap: 0.2, period: 3600), pauseOnRefusedLogin: false),
                                  logger: .test)
        // It stops by itself (no endless reconnecting), with the named error...
        do {
            try await sender.run()
            Issue.record("the sender should have stopped with the login error")
        } catch let error as SMTPError {
            #expect(error.isAuthenticationRefused, "\(error)")
        }
        // ...and no copy was failed or lost: all pending, no attempt counted.
        let rows = try fixture.entries()
        #expect(rows.count == 10)
        #expect(rows.allSatisfy { $0.status == .pending && $0.attempts == 0 }, "\(rows.map { ($0.status, $0.attempts) })")
        #expect(try sink.dumps().isEmpty)
    }

    /// Another process holds the database's write lock (an `archive import` transaction): the fixture's pool has
    /// no busy timeout, so every write of the sender meets SQLITE_BUSY at once while the lock is held. Before,
    /// the first one stopped the sender (and the daemon with it).
    @Test func anotherProcessHoldingTheWriteLockIsWaitedFor() async throws {
        let fixture = try OutboxFixture()
        let sink = try SMTPSink.start()
        defer { fixture.remove(); sink.remove() }
        try fixture.enqueue(post: 1, to: OutboxFixture.recipients(3, tag: "before"))
        let held = try fixture.messageRow(post: 2)
        // As another process: its own connection. It waits for the lock (as `archive import` does), since a
        // worker's poll may hold it at the moment the holder begins; without the wait, its BEGIN IMMEDIATE met
        // SQLITE_BUSY in one CI run.
        var otherConfiguration = Configuration()
        otherConfiguration.busyMode = .timeout(30)
        let other = try DatabaseQueue(path: fixture.pool.path, configuration: otherConfiguration)
        defer { try? other.close() }
        let sender = makeSender(fixture, sink, workers: 2)
        try await running(sender) {
            #expect(await fixture.wait(seconds: 180) { try fixture.counts()[.sent] == 3 })
            // The lock taken while the workers poll (each poll is a write), by a thread of its own (GRDB wants a
            // transaction closed within one access): the new copies written in the same transaction, so they exist
            // only once the holder commits.
            let holder = LockHolder()
            let copies = OutboxFixture.copies(post: 2, to: OutboxFixture.recipients(12, tag: "after"))
            Thread {
                do {
                    try other.writeWithoutTransaction { db in
                        try db.execute(sql: "BEGIN IMMEDIATE")
                        _ = try Outbox.enqueue(db, listID: OutboxFixture.list.id, messageID: held, copies: copies)
                        holder.set(.holding)
                        holder.release.wait()
                        try db.execute(sql: "COMMIT")
                    }
                    holder.set(.committed)
                } catch {
                    holder.set(.failed("\(error)"))
                }
            }.start()
            #expect(await fixture.wait(seconds: 60) { holder.state == .holding }, "\(holder.state)")
            // Held for a second: each worker's writes meet SQLITE_BUSY meanwhile (3-4 tries, the waits between
            // them growing from 0.1 s).
            try await Task.sleep(for: .seconds(1))
            #expect(try fixture.counts()[.sent] == 3)
            holder.release.signal()
            #expect(await fixture.wait(seconds: 60) { holder.state == .committed }, "\(holder.state)")
            #expect(await fixture.wait(seconds: 180) { try fixture.counts()[.sent] == 15 })
        }
        let delivered = try deliveries(sink)
        #expect(delivered.count == 15)
        #expect(delivered.values.allSatisfy { $0 == 1 }, "\(delivered)")
    }
}

/// Another connection's write transaction held open on a thread of its own, until `release` is signalled.
final class LockHolder: @unchecked Sendable {
    enum State: Equatable { case starting, holding, committed, failed(String) }
    let release = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var current = State.starting
    var state: State { lock.withLock { current } }
    func set(_ state: State) { lock.withLock { current = state } }
}
