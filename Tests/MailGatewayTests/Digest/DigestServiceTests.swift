import Digest
import Foundation
import GRDB
import Logging
import MailGatewayRuntime
import ServiceLifecycle
import Testing
@testable import MailGateway
import TestSupport

/// The daemon's digest service in a ServiceGroup, as `mailgateway run` assembles it: its clock is set a few
/// seconds before a member's schedule, it wakes every 100 ms, records and enqueues the issue once when it falls
/// due, and stops on a graceful shutdown.
@Suite("Digest service")
struct DigestServiceTests {
    /// The service's clock, set by the test; counts its reads (one a wake-up at least).
    final class ManualClock: @unchecked Sendable {
        private let lock = NSLock()
        private var now: Date
        private var count = 0
        init(_ start: Date) { now = start }
        func read() -> Date { lock.withLock { count += 1; return now } }
        func set(_ date: Date) { lock.withLock { now = date } }
        var reads: Int { lock.withLock { count } }
    }

    @Test("with a schedule due 2 s ahead, the service records and enqueues the issue once, then stops gracefully")
    func dueOnce() async throws {
        let world = try DigestRunTests.World()
        defer { try? FileManager.default.removeItem(at: world.dir) }
        let pool = world.gateway.database.pool
        // Wanjiru's digest is due at 07:00 Nairobi (04:00 UTC); the service's clock reads 03:59:58 UTC. The test
        // moves it (before: the system clock with an offset, and a 1 s sleep that a loaded machine overran).
        let due = DigestRunTests.utc("2026-03-03T04:00:00Z")
        try world.post("a@inrae.example", subject: "Protocole", at: "2026-03-02T20:00:00Z")
        let clock = ManualClock(due.addingTimeInterval(-2))
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let service = try DigestService(gateway: world.gateway, logger: logger, period: .milliseconds(100),
                                        clock: { clock.read() })
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        let task = Task { try await group.run() }

        func issues() throws -> [DigestIssueRecord] { try pool.read { db in try DigestIssueRecord.issues(db) } }
        #expect(await poll(seconds: 60, every: .milliseconds(20)) { clock.reads >= 5 }, "the service wakes up")
        #expect(try issues().isEmpty, "not due yet: nothing recorded")
        clock.set(due.addingTimeInterval(1))
        #expect(try await poll(seconds: 60, every: .milliseconds(20)) { try !issues().isEmpty })
        let recorded = try issues()
        #expect(recorded.map(\.recipient) == ["wanjiru@kalro.example"])
        #expect(recorded.first?.periodEnd == due)
        let reads = clock.reads
        #expect(await poll(seconds: 60, every: .milliseconds(20)) { clock.reads >= reads + 5 }, "later wake-ups")
        #expect(try issues().count == 1, "later wake-ups record nothing new")
        #expect(try world.digests().map(\.recipient) == ["wanjiru@kalro.example"], "one copy enqueued")

        await group.triggerGracefulShutdown()
        try await task.value
        #expect(try issues().count == 1)
    }
}
