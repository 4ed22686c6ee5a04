import Foundation
import GRDB
import Testing
@testable import MailGateway
import TestSupport

/// The executable's start-up checks of secrets (review F9, F16) and `archive import` under SIGTERM.
@Suite("Start-up secrets and import signals", .serialized)
struct SecretsAndSignalsTests {
    @Test("a missing or short moderation key is a check-config and start-up error naming the variable or file")
    func moderationKeyRequired() async throws {
        let harness = try await GatewayHarness.start()
        defer { harness.stop() }
        for command in [["check-config"], ["run", "--once"]] {
            let missing = try await harness.run(command, environment: ["MAILGATEWAY_MODERATION_KEY": ""])
            #expect(missing.status == 2, "\(command) \(missing.output)")
            #expect(missing.output.contains("$.moderation: moderation key missing: set variable MAILGATEWAY_MODERATION_KEY"),
                    "\(missing.output)")
            let shortKey = "short-key-31-bytes-long-xxxxxxx"
            let short = try await harness.run(command, environment: ["MAILGATEWAY_MODERATION_KEY": shortKey])
            #expect(short.status == 2, "\(command) \(short.output)")
            #expect(short.output.contains("moderation key too short: variable MAILGATEWAY_MODERATION_KEY"), "\(short.output)")
            #expect(!short.output.contains(shortKey))
        }
        // From a key file: the file is named.
        let keyFile = harness.directory.appendingPathComponent("moderation.key").path
        try Data("too-short\n".utf8).write(to: URL(fileURLWithPath: keyFile))
        let withFile = try await GatewayHarness.start { json in
            var json = json
            json["moderation"] = ["key_file": keyFile]
            return json
        }
        defer { withFile.stop() }
        let fromFile = try await withFile.run(["check-config"], environment: ["MAILGATEWAY_MODERATION_KEY": ""])
        #expect(fromFile.status == 2)
        #expect(fromFile.output.contains("file \(keyFile)"), "\(fromFile.output)")
        #expect(!fromFile.output.contains("too-short"))
        #expect(try await withFile.run(["check-config"]).status == 0, "the variable, when set, is enough")
    }

    @Test("a password written where password_env names a variable is never printed")
    func passwordInPasswordEnvNotEchoed() async throws {
        let secret = "hunter2-S3cret!"
        let harness = try await GatewayHarness.start { json in
            var json = json
            json["smtp"] = ["host": "127.0.0.1", "port": 9, "tls": "none", "user": "gateway", "password_env": secret]
            var lists = json["lists"] as! [[String: Any]]
            var mailbox = lists[1]["mailbox"] as! [String: Any]
            mailbox["password_env"] = secret
            lists[1]["mailbox"] = mailbox
            json["lists"] = lists
            return json
        }
        defer { harness.stop() }
        for command in [["check-config"], ["check-config", "--json"], ["run", "--once"]] {
            let run = try await harness.run(command)
            #expect(run.status == 2, "\(command) \(run.output)")
            #expect(!run.output.contains("hunter2"), "\(command) \(run.output)")
            #expect(run.output.contains("$.smtp.password_env: the value of password_env is not a valid environment variable name"),
                    "\(run.output)")
            #expect(run.output.contains("$.lists[1].mailbox.password_env: the value of password_env is not a valid"), "\(run.output)")
        }
        // The library's own resolution says the same without the value.
        let server = ServerConfig(host: "127.0.0.1", port: 9, tls: .none, user: "gateway", passwordEnv: secret)
        #expect(throws: SMTPError.self) { try SMTPSettings.resolving(server: server, ehloName: "gw", environment: [:]) }
        do { _ = try SMTPSettings.resolving(server: server, ehloName: "gw", environment: [:]) } catch {
            #expect(!error.description.contains("hunter2"))
        }
        #expect(Secrets(environment: [:]).problem(env: secret, file: nil)?.contains("hunter2") == false)
    }

    @Test("beside a running daemon, SIGTERM during archive import commits what was read and exits 0; importing again adds the rest")
    func importStopsCleanlyOnSIGTERM() async throws {
        let harness = try await GatewayHarness.start()
        defer { harness.stop() }
        // The daemon writes the same database meanwhile (mailbox passes, maintenance), as in production.
        let daemon = try harness.spawn(["run", "--log-level", "info"])
        let started = ContinuousClock.now
        while !daemon.output.contains("mailbox connected"), ContinuousClock.now - started < .seconds(60) {
            try await Task.sleep(for: .milliseconds(100))
        }
        let count = 20_000
        var mbox = ""
        mbox.reserveCapacity(count * 300)
        for i in 0..<count {
            mbox += "From sender@example.org Wed Nov 25 10:00:00 2026\n"
            mbox += "From: S <s\(i % 50)@example.org>\nSubject: Message \(i)\nMessage-ID: <imp\(i)@example.org>\n"
            mbox += "Date: Wed, 25 Nov 2026 10:00:00 +0100\n\nBody \(i)\n\n"
        }
        let path = harness.directory.appendingPathComponent("big.mbox").path
        try Data(mbox.utf8).write(to: URL(fileURLWithPath: path))
        func archived() throws -> Int {
            guard FileManager.default.fileExists(atPath: harness.databasePath) else { return 0 }
            var config = Configuration()
            config.readonly = true
            config.busyMode = .timeout(10) // the importer writes meanwhile: opening may wait for its lock
            let queue = try DatabaseQueue(path: harness.databasePath, configuration: config)
            return (try? queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM messages") ?? 0 }) ?? 0
        }
        let child = try harness.spawn(["archive", "import", "--list", "college-research", "--mbox", path])
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(120))
        while try archived() == 0, clock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        child.signal(SIGTERM)
        let outcome = await child.waitOffPool()
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("stopped by a signal"), "\(outcome.output)")
        let partial = try archived()
        #expect(partial > 0 && partial < count, "\(partial)")
        let again = try await harness.run(["archive", "import", "--list", "college-research", "--mbox", path])
        #expect(again.status == 0, "\(again.output)")
        #expect(try archived() == count)
        daemon.signal(SIGTERM)
        let stopped = await daemon.waitOffPool()
        #expect(stopped.status == 0, "\(stopped.output)")
        #expect(!stopped.output.contains("database is locked"), "\(stopped.output)")
    }
}
