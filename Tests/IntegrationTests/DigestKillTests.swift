import Foundation
import GRDB
import Testing
import MailGateway
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Issue 9, a killed digest run: `digest run --at` is SIGKILLed while it records the issues of 2,000 digest
/// members (one transaction per member), then run again: every member has exactly one issue and the sink got
/// exactly one digest per member.
@Suite("Digest run killed mid-way", .enabled(if: PostfixRelay.available, Comment(rawValue: PostfixRelay.absentMessage)),
       .serialized)
struct DigestKillTests {
    typealias W = DeliveryWorld

    static func issueCount(_ world: DeliveryWorld) throws -> Int {
        let store = try world.harness.openDatabase()
        return try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM digest_issues") ?? 0 }
    }

    @Test("SIGKILL during a digest run of 2,000 members; restarted, every member has exactly one digest")
    func killedMidRun() async throws {
        let sink = try SMTPSink.start()
        defer { sink.remove() }
        let world = try await DeliveryFaultTests.world(sink: sink, connections: 8)
        defer { world.stop() }
        let members = DeliveryFaultTests.members(2000)
        try await world.importAuthorAndMembers(members)
        let store = try world.harness.openDatabase()
        try await store.pool.write { db in
            try db.execute(sql: """
                UPDATE memberships SET delivery = 'digest'
                WHERE person_id NOT IN (SELECT person_id FROM addresses WHERE address = ?)
                """, arguments: [W.helene.address])
        }
        try await world.harness.append([TestMail.message(id: "k1@inrae.example", subject: "Assemblée"),
                                        TestMail.message(id: "k2@inrae.example", subject: "Budget")],
                                       to: DeliveryFaultTests.list)
        try await world.runOnce()
        let at = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400 + 60))

        // The sink frozen (SIGSTOP) until the run is dead: it accepts no transaction, so the kill cannot land in the
        // in-flight window (a digest the sink accepted before the run journaled it would go out again), even when the
        // run had recorded every issue and were draining the outbox when the signal came. Its workers
        // connect and wait for the greeting; the second run sends every digest.
        try sink.pause()
        let run = try world.harness.spawn(["digest", "run", "--at", at, "--log-level", "warning"])
        // The run records 100 members per transaction, back to back (each batch's transaction begins right after
        // the previous one commits, so another process waiting for the write lock almost never gets it: taking the
        // lock to hold the run, as this test did, let it record all 2,000 issues now and then). Poll closely for
        // its first commit, then stop the process where it is (SIGSTOP: no later batch can commit) and kill it.
        let reached = try await store.pool.writeWithoutTransaction { db -> Bool in
            let deadline = Date().addingTimeInterval(120)
            var reached = false
            while !reached, Date() < deadline {
                reached = try Int.fetchOne(db, sql: "SELECT count(*) FROM digest_issues") ?? 0 >= 1
                if !reached { usleep(200) }
            }
            run.signal(SIGSTOP)
            run.signal(SIGKILL)
            return reached
        }
        let killed = await run.waitOffPool()
        try sink.resume()
        let atKill = try Self.issueCount(world)
        #expect(reached && killed.status == 128 + SIGKILL, "\(killed.output)")
        #expect(atKill < 2000, "killed before the run recorded every issue (\(atKill))")

        let started = Date()
        let again = try await world.cli(["digest", "run", "--at", at, "--log-level", "warning"])
        let seconds = Date().timeIntervalSince(started)
        #expect(again.contains("digest: \(2000 - atKill) issue(s)"), "\(again)")
        let third = try await world.cli(["digest", "run", "--at", at, "--log-level", "warning"])
        #expect(third.contains("digest: 0 issue(s)"), "\(third)")

        let perPerson = try await store.pool.read { db in
            try Int.fetchAll(db, sql: "SELECT count(*) FROM digest_issues GROUP BY person_id")
        }
        #expect(perPerson.count == 2000 && perPerson.allSatisfy { $0 == 1 })
        let delivered = try await DeliveryFaultTests.wait(seconds: 180) { sink.count() >= 2000 }
        #expect(delivered, "\(sink.count()) digests in the sink")
        var counts: [String: Int] = [:]
        for dump in try sink.dumps() { for r in dump.recipients { counts[r, default: 0] += 1 } }
        #expect(Set(counts.keys) == Set(members.map(\.address)))
        #expect(counts.values.allSatisfy { $0 == 1 }, "\(counts.filter { $0.value != 1 }.prefix(5))")
        print("digest kill: killed after \(atKill) of 2000 issues; the restart recorded and sent the other "
              + "\(2000 - atKill) in \(String(format: "%.1f", seconds)) s; \(sink.count()) digests delivered")
    }
}
