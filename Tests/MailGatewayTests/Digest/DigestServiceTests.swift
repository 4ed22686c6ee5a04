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
    @Test("with a schedule due 2 s ahead, the service records and enqueues the issue once, then stops gracefully")
    func dueOnce() async throws {
        let world = try DigestRunTests.World()
        defer { try? FileManager.default.removeItem(at: world.dir) }
        let pool = world.gateway.database.pool
        // Wanjiru's digest is due at 07:00 Nairobi (04:00 UTC); the service's clock reads 03:59:58 UTC now.
        let due = DigestRunTests.utc("2026-03-03T04:00:00Z")
        try world.post("a@inrae.example", subject: "Protocole", at: "2026-03-02T20:00:00Z")
        let offset = due.timeIntervalSince(Date()) - 2
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let service = try DigestService(gateway: world.gateway, logger: logger, period: .milliseconds(100),
                                        clock: { Date().addingTimeInterval(offset) })
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        let task = Task { try await group.run() }

        func issues() throws -> [DigestIssueRecord] { try pool.read { db in try DigestIssueRecord.issues(db) } }
        try await Task.sleep(for: .milliseconds(1_000))
        #expect(try issues().isEmpty, "not due yet: nothing recorded")
        // Due 1 s from now; then several more wake-ups.
        try await Task.sleep(for: .milliseconds(2_500))
        let recorded = try issues()
        #expect(recorded.map(\.recipient) == ["wanjiru@kalro.example"])
        #expect(recorded.first?.periodEnd == due)
        try await Task.sleep(for: .milliseconds(500))
        #expect(try issues().count == 1, "later wake-ups record nothing new")
        #expect(try world.digests().map(\.recipient) == ["wanjiru@kalro.example"], "one copy enqueued")

        await group.triggerGracefulShutdown()
        try await task.value
        #expect(try issues().count == 1)
    }
}
