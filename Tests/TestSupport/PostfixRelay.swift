public import Foundation

/// A private Postfix on 127.0.0.1, started by `scripts/postfix.sh relay` from its own configuration folder,
/// relaying every message it accepts to a Dovecot's LMTP listener: what the gateway sends lands in the members'
/// IMAP mailboxes (`user@any.domain` reaches Dovecot user `user`), with the envelope sender in `Return-Path`.
///
/// Call `stop()` when done (tests must not leak processes); `deinit` stops it too, as a safety net.
/// ```swift
/// let relay = try await PostfixRelay.start(lmtpPort: dovecot.lmtpPort)
/// defer { relay.stop() }
/// ```
public final class PostfixRelay: Sendable {
    /// The instance's folder: `etc/` (main.cf, master.cf), `queue/`, `data/`, `log/postfix.log`.
    public let directory: URL
    /// Always `127.0.0.1`.
    public let host = "127.0.0.1"
    /// The SMTP listener.
    public let port: Int
    /// Dovecot's LMTP port the relay delivers to.
    public let lmtpPort: Int

    /// Whether Postfix (and its smtp-sink) is installed on this machine.
    public static var installed: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/postfix")
            && FileManager.default.isExecutableFile(atPath: "/usr/sbin/smtp-sink")
    }

    /// Whether the Postfix tests run: where it is installed, and always under `MAILGATEWAY_REQUIRE_INTEGRATION=1`
    /// (CI), where a missing Postfix then fails those tests instead of skipping them.
    public static var available: Bool { installed || IntegrationRequirement.required }

    /// Why relay tests are skipped where Postfix is absent.
    public static let absentMessage = "postfix is not installed (Debian: postfix): end-to-end delivery tests skipped"

    /// Postfix's log, for diagnosing a failing test.
    public var logPath: String { directory.appendingPathComponent("log/postfix.log").path }

    /// Starts a relay on `port` (a free one when nil) delivering to `127.0.0.1:lmtpPort`.
    ///
    /// With `listDomain`, that domain is configured as docs/mta.md says a production Postfix should be: only the
    /// addresses of `lists` (`list@`, `list+<detail>@`, `list-request@`, `list-owner@`, `list-bounces[+x]@`)
    /// are accepted, any other address of the domain is refused at RCPT time; every other domain is relayed.
    public static func start(port: Int? = nil, lmtpPort: Int, listDomain: String? = nil,
                             lists: [String] = []) async throws -> PostfixRelay {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mailgw-postfix-\(UUID().uuidString.prefix(8))")
        let port = try port ?? FreePorts.take(1)[0]
        let relay = PostfixRelay(directory: directory, port: port, lmtpPort: lmtpPort)
        var environment = ProcessInfo.processInfo.environment
        if let listDomain {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let table = directory.appendingPathComponent("list_addresses")
            try listAddressTable(domain: listDomain, lists: lists).write(to: table, atomically: true, encoding: .utf8)
            environment["LIST_DOMAIN"] = listDomain
            environment["LIST_ADDRESSES"] = table.path
        }
        // On a thread of its own (`ChildProcess.run`): the script waits up to 20 s for Postfix to listen, time a
        // blocked cooperative thread would take from every other test's polling loop.
        let outcome = try await ChildProcess.run("/bin/bash", [PostfixScript.path, "relay", "start", directory.path,
                                                        String(port), String(lmtpPort)], environment: environment)
        guard outcome.status == 0 else {
            relay.stop()
            throw ChildProcessError(command: "postfix.sh relay start", output: outcome.output)
        }
        return relay
    }

    /// The Postfix regexp table of docs/mta.md: one line per list, every address of the list to its mailbox.
    public static func listAddressTable(domain: String, lists: [String]) -> String {
        func escaped(_ text: String) -> String { text.replacingOccurrences(of: ".", with: "\\.") }
        return lists.map { "/^\(escaped($0))(-(request|owner|bounces))?(\\+.*)?@\(escaped(domain))$/   \($0)\n" }
            .joined()
    }

    private init(directory: URL, port: Int, lmtpPort: Int) {
        self.directory = directory
        self.port = port
        self.lmtpPort = lmtpPort
    }

    deinit {
        stop()
    }

    /// Stops Postfix and removes its folder. Safe to call more than once.
    public func stop() {
        guard FileManager.default.fileExists(atPath: directory.path) else { return }
        _ = try? ChildProcess.runBlocking("/bin/bash", [PostfixScript.path, "relay", "stop", directory.path])
        try? FileManager.default.removeItem(at: directory)
    }

    /// The messages still in Postfix's queue: `postqueue -p`'s output (each queued message, its recipients and why
    /// it waits), whose last line is "Mail queue is empty" when everything was handed to Dovecot. Run on a thread
    /// of its own (`ChildProcess.run`), not on the cooperative pool: `settle` runs it every 200 ms.
    public func queueListing() async -> String {
        let outcome = try? await ChildProcess.run("/usr/sbin/postqueue", ["-c", directory.appendingPathComponent("etc").path, "-p"])
        return outcome?.output ?? "(postqueue failed)"
    }

    /// Postfix's queue did not empty within the bound of `settle`.
    public struct NotSettled: Error, CustomStringConvertible {
        public var seconds: Double
        /// `postqueue -p` at the deadline: what was still queued, and why.
        public var queue: String
        /// The end of Postfix's log.
        public var log: String
        public var description: String {
            "Postfix's queue was not empty after \(Int(seconds)) s; still queued:\n\(queue)\nPostfix log:\n\(log)"
        }
    }

    /// Waits until Postfix has handed everything on (its queue is empty), so that "nothing arrived" is an
    /// observation and not a race; returns the listing's last line ("Mail queue is empty"). Throws `NotSettled`,
    /// naming what is still queued, when the queue is not empty after `seconds`: a check after it would observe
    /// nothing. 180 s is the integration suites' bound for a loaded 2-core machine (as in OutboxSenderTests and
    /// SMTPRelayTests), not a speed.
    @discardableResult
    public func settle(seconds: Double = 180) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var listing = await queueListing()
        while !listing.contains("Mail queue is empty") {
            guard Date() < deadline else {
                throw NotSettled(seconds: seconds, queue: listing, log: logTail())
            }
            try await Task.sleep(for: .milliseconds(200))
            listing = await queueListing()
        }
        return listing.split(separator: "\n").last.map(String.init) ?? listing
    }

    /// The end of Postfix's log (the last `lines` lines), for a failing test's message.
    public func logTail(_ lines: Int = 20) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
