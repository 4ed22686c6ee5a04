public import Foundation
import Metrics

/// The gateway's metrics (docs/http.md, "Metrics"), through swift-metrics: the daemon bootstraps a Prometheus
/// factory and `/metrics` exports them; without a bootstrap (the CLI) they cost nothing. Each stage calls one of
/// these at one place, after its commit; names follow Prometheus conventions (`_total` counters, seconds).
public enum GatewayMetrics {
    /// One message read from a list's mailbox and processed (`MailboxSync`, after its transaction): counted in
    /// `mailgateway_messages_ingested_total{list}`, and a post's decision in
    /// `mailgateway_messages_{accepted,held,rejected,discarded}_total{list}`.
    public static func ingested(list: String, outcome: IngestOutcome) {
        Counter(label: "mailgateway_messages_ingested_total", dimensions: [("list", list)]).increment()
        guard case .archived(_, _, let decision) = outcome else { return }
        let name: String
        switch decision.action {
        case .accept: name = "accepted"
        case .hold: name = "held"
        case .reject: name = "rejected"
        case .discard, .bounce: name = "discarded"
        }
        Counter(label: "mailgateway_messages_\(name)_total", dimensions: [("list", list)]).increment()
    }

    /// `count` outbox copies of list `list` accepted by the SMTP server (`mailgateway_outbox_sent_total{list}`):
    /// one counter lookup per SMTP transaction, not one per copy (issue 12: a batched send accepts up to 100).
    public static func outboxSent(list: String, count: Int = 1) {
        guard count > 0 else { return }
        Counter(label: "mailgateway_outbox_sent_total", dimensions: [("list", list)]).increment(by: count)
    }

    /// A background WAL checkpoint that failed (`mailgateway_wal_checkpoint_failures_total`, ``WALCheckpointer``):
    /// the committing connection's own checkpoint still bounds the WAL, but every failure puts one back on the writer.
    static func walCheckpointFailed() {
        Counter(label: "mailgateway_wal_checkpoint_failures_total").increment()
    }

    /// One outbox copy that failed an attempt (`mailgateway_outbox_failed_total{list, final}`): `final` is
    /// `true` when the copy is given up (status `failed`), `false` when it will be retried.
    public static func outboxFailed(list: String, final: Bool) {
        Counter(label: "mailgateway_outbox_failed_total",
                dimensions: [("list", list), ("final", final ? "true" : "false")]).increment()
    }

    /// How long one SMTP transaction took, answer included (`mailgateway_smtp_send_seconds` histogram).
    public static func smtpSend(started: ContinuousClock.Instant) {
        Timer(label: "mailgateway_smtp_send_seconds").recordNanoseconds(nanoseconds(since: started))
    }

    /// A digest issue recorded and queued for one member (`mailgateway_digests_sent_total{list}`).
    public static func digestSent(list: String) {
        Counter(label: "mailgateway_digests_sent_total", dimensions: [("list", list)]).increment()
    }

    /// A bounce classified (`mailgateway_bounces_total{class}`): `hard`, `soft`, `policy`, `content`, `unknown`.
    public static func bounce(class name: String) {
        Counter(label: "mailgateway_bounces_total", dimensions: [("class", name)]).increment()
    }

    /// A member set to no mail by a one-click unsubscribe (`mailgateway_one_click_unsubscribes_total{list}`).
    public static func unsubscribed(list: String) {
        Counter(label: "mailgateway_one_click_unsubscribes_total", dimensions: [("list", list)]).increment()
    }

    /// A completed mailbox pass (`mailgateway_mailbox_last_pass_timestamp_seconds{list}`).
    static func mailboxPass(list: String, at date: Date) {
        Gauge(label: "mailgateway_mailbox_last_pass_timestamp_seconds", dimensions: [("list", list)])
            .record(date.timeIntervalSince1970)
    }

    /// Copies in the outbox by status at the instant of a scrape (`mailgateway_outbox_copies{status}`).
    public static func outboxCopies(_ counts: [OutboxStatus: Int]) {
        for status in OutboxStatus.allCases {
            Gauge(label: "mailgateway_outbox_copies", dimensions: [("status", status.rawValue)])
                .record(counts[status] ?? 0)
        }
    }

    private static func nanoseconds(since started: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - started
        let (seconds, attoseconds) = elapsed.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
