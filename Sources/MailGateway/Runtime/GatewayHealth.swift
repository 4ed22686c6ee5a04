public import Foundation
import GRDB

/// What `GET /healthz` reports (docs/http.md): the process answers, the database can be read, each list's last
/// completed mailbox pass in this process, and the outbox backlog.
public struct GatewayHealth: Sendable, Codable, Equatable {
    /// One list's mailbox.
    public struct Mailbox: Sendable, Codable, Equatable {
        public var list: String
        /// The last completed pass, ISO 8601 UTC; nil when none completed since the process started.
        public var lastPass: String?
    }

    /// Outbox copies by state.
    public struct Backlog: Sendable, Codable, Equatable {
        /// Waiting for their (next) attempt.
        public var pending: Int
        /// Being sent: claimed by a sender in their rows, or handed to SMTP by one (``Outbox/inFlight(databasePath:)``).
        public var sending: Int
        /// Given up.
        public var failed: Int
        /// Pending copies whose time has come.
        public var due: Int
    }

    /// `ok`, or `degraded` when the database cannot be read.
    public var status: String
    public var database: String
    /// Why the database could not be read (no path, no personal data).
    public var databaseError: String?
    public var mailboxes: [Mailbox]
    /// Nil when the database could not be read.
    public var outbox: Backlog?

    /// True when the database answered.
    public var isHealthy: Bool { databaseError == nil }
}

extension Gateway {
    /// Reads the health of this gateway now.
    public func health(now: Date = Date()) async -> GatewayHealth {
        let passes = mailboxPasses.last
        let formatter = ISO8601DateFormatter()
        let mailboxes = config.lists.map { list in
            GatewayHealth.Mailbox(list: list.id, lastPass: passes[list.id].map { formatter.string(from: $0) })
        }
        do {
            let (counts, due) = try await outboxBacklog(now: now)
            let backlog = GatewayHealth.Backlog(pending: counts[.pending] ?? 0, sending: counts[.sending] ?? 0,
                                                failed: counts[.failed] ?? 0,
                                                due: max(0, due - (counts[.sending] ?? 0)))
            return GatewayHealth(status: "ok", database: "ok", databaseError: nil, mailboxes: mailboxes, outbox: backlog)
        } catch {
            return GatewayHealth(status: "degraded", database: "unreachable", databaseError: Self.describe(error),
                                 mailboxes: mailboxes, outbox: nil)
        }
    }

    /// The outbox's copies by status, and how many are due or being sent at `now`.
    public func outboxBacklog(now: Date = Date()) async throws -> (counts: [OutboxStatus: Int], dueOrSending: Int) {
        // Copies the sender handed to SMTP are `sending` (their rows stay `pending` until their outcome is committed).
        let inFlight = Outbox.inFlight(databasePath: database.pool.path)
        return try await database.pool.read { db in
            (try Outbox.counts(db, inFlight: inFlight), try Outbox.dueOrSendingCount(db, now: now))
        }
    }

    /// Sets the outbox gauges (`mailgateway_outbox_copies{status}`) to the counts now: what a scrape reads.
    public func recordOutboxGauges() async throws {
        GatewayMetrics.outboxCopies(try await outboxBacklog().counts)
    }

    /// The SQLite result of a failed read, without the path or the statement's arguments.
    private static func describe(_ error: any Error) -> String {
        (error as? DatabaseError).map { "SQLite error \($0.resultCode.rawValue)" } ?? String(describing: type(of: error))
    }
}
