import Foundation
import GRDB
import MailGateway
import Testing
import TestSupport

/// `mailgateway run` as a real process with `http` configured, against a private Dovecot and smtp-sink: the
/// listener is part of the daemon (one-click unsubscribe, /healthz, /metrics after real mail), and SIGTERM stops it
/// with the rest.
@Suite("The daemon's HTTP side", .serialized,
       .enabled(if: DovecotServer.available, Comment(rawValue: DovecotServer.absentMessage)))
struct HTTPDaemonTests {
    /// curl's status and body (status 0: no connection).
    static func curl(_ url: String, _ arguments: [String] = []) async throws -> (status: Int, body: String) {
        let body = FileManager.default.temporaryDirectory.appendingPathComponent("mailgw-curl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: body) }
        let outcome = try await ChildProcess.run("/usr/bin/curl", ["-s", "--max-time", "60", "-o", body.path,
                                                                   "-w", "%{http_code}"] + arguments + [url])
        let status = Int(outcome.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return (status, (try? String(contentsOf: body, encoding: .utf8)) ?? "")
    }

    /// The value of one sample of the Prometheus text (`name{labels}` as written), nil when absent.
    static func sample(_ text: String, _ key: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(key + " ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test("the daemon serves /healthz, /metrics after real mail, and one-click unsubscribe; SIGTERM stops the listener")
    func daemonServesHTTP() async throws {
        let sink = try SMTPSink.start()
        defer { sink.remove() }
        let port = try FreePorts.take(1)[0]
        let harness = try await GatewayHarness.start(smtpPort: sink.port) { config in
            var config = config
            config["http"] = ["listen": "127.0.0.1:\(port)", "public_base_url": "https://lists.example.org/gw"]
            return config
        }
        defer { harness.stop() }
        for (person, email, organisation, language) in [("Hélène Dubois", "helene@inrae.example", "INRAE", "fr"),
                                                        ("José Martínez", "jose@cirad.example", "CIRAD", "es")] {
            let added = try await harness.run(["partners", "add", "--organisation", organisation, "--country", "France",
                                               "--college", "research", "--person", person, "--email", email,
                                               "--language", language])
            #expect(added.status == 0, "\(added.output)")
        }
        let daemon = try harness.spawn(["run", "--log-level", "info"])
        let base = "http://127.0.0.1:\(port)"
        let clock = ContinuousClock()
        // Ready: every list's watcher completed a pass (/healthz says when).
        var deadline = clock.now.advanced(by: .seconds(60))
        var health: [String: Any] = [:]
        while clock.now < deadline {
            let reply = try await Self.curl("\(base)/healthz")
            if reply.status == 200, let json = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
               let boxes = json["mailboxes"] as? [[String: Any]], boxes.count == 3, boxes.allSatisfy({ $0["last_pass"] != nil }) {
                health = json
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(health["database"] as? String == "ok", "no healthy answer: \(daemon.output.suffix(2000))")

        try await harness.append([TestMail.message(id: "http1@inrae.example", subject: "Carbone des sols")],
                                 to: "college-research")
        // Wait for the post to be ingested and every queued copy sent.
        var metrics = ""
        deadline = clock.now.advanced(by: .seconds(60))
        while clock.now < deadline {
            metrics = try await Self.curl("\(base)/metrics").body
            let ingested = Self.sample(metrics, #"mailgateway_messages_ingested_total{list="college-research"}"#) ?? 0
            let pending = Self.sample(metrics, #"mailgateway_outbox_copies{status="pending"}"#) ?? 1
            let sending = Self.sample(metrics, #"mailgateway_outbox_copies{status="sending"}"#) ?? 1
            if ingested == 1 && pending == 0 && sending == 0 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let db = try harness.openDatabase()
        let (status, sentRows) = try await db.pool.read { db in
            (try String.fetchOne(db, sql: "SELECT status FROM messages WHERE message_id = 'http1@inrae.example'"),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE status = 'sent'") ?? 0)
        }
        #expect(Self.sample(metrics, #"mailgateway_messages_ingested_total{list="college-research"}"#) == 1, "\(metrics)")
        let decision = ["accepted": "accepted", "held": "held", "rejected": "rejected"][status ?? ""] ?? "?"
        #expect(Self.sample(metrics, "mailgateway_messages_\(decision)_total{list=\"college-research\"}") == 1,
                "status \(status ?? "nil"): \(metrics)")
        #expect(sentRows > 0)
        let sentTotal = metrics.split(separator: "\n").filter { $0.hasPrefix("mailgateway_outbox_sent_total{") }
            .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
        #expect(sentTotal == Double(sentRows), "every copy the sink accepted is counted: \(metrics)")
        #expect(Self.sample(metrics, "mailgateway_smtp_send_seconds_count") == Double(sentRows), "\(metrics)")
        #expect(sink.count() == sentRows)

        // One-click through the daemon's listener: José stops receiving college-research.
        let token = UnsubscribeKey(secret: GatewayHarness.moderationKey).token(list: "college-research",
                                                                               address: "jose@cirad.example")
        let url = "\(base)/lists/college-research/unsubscribe?token=\(token)"
        #expect(try await Self.curl(url).status == 200)
        #expect(try await Self.curl(url, ["-X", "POST", "--data-raw", "List-Unsubscribe=One-Click"]).status == 200)
        let members = try MemberDirectory(writer: db.pool, lists: []).members(listID: "college-research")
        #expect(members.first { $0.address == "jose@cirad.example" }?.delivery == DeliveryMode.none)
        #expect(members.first { $0.address == "helene@inrae.example" }?.delivery == .immediate)
        #expect(!daemon.output.contains(token), "the token is never logged")

        daemon.signal(SIGTERM)
        let outcome = await daemon.waitOffPool()
        #expect(outcome.status == 0, "\(outcome.output.suffix(2000))")
        #expect(try await Self.curl("\(base)/healthz").status == 0, "the listener stopped with the daemon")
    }
}
