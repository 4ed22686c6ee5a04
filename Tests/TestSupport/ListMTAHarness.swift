import Foundation
import MailGateway
import Logging

/// End-to-end list tests through a real MTA: a `GatewayHarness` (its Dovecot holds the lists' mailboxes) with a
/// Postfix relay in front of that Dovecot, as production has it (docs/mta.md).
///
/// - Every list's mailbox receives all its addresses: `list@`, `list+<anything>@` (Dovecot's
///   `recipient_delimiter = +`) and the legacy `list-request@`, `list-owner@`, `list-bounces[+x]@` (Dovecot
///   aliases), `Delivered-To:` naming the address as sent. Postfix refuses any other address of the lists'
///   domain at RCPT time (`send` throws `SMTPError`).
/// - The gateway's `smtp` is the relay, so what it sends to `alice@partner.example` lands in Dovecot user
///   `alice` (any domain reaches the user named by the local part).
/// - `send` submits a message to the relay as a partner's MTA would; `fetch(user:)` reads a mailbox.
///
/// ```swift
/// let mta = try await ListMTAHarness.start(members: ["alice", "bob"])
/// defer { mta.stop() }
/// try await mta.send(from: "Alice <alice@partner.example>", to: "college-research+join@lists.example.org",
///                    subject: "join")
/// try await mta.runOnce()
/// let received = try await mta.waitForMail(user: "alice", count: 1)
/// ```
public final class ListMTAHarness: Sendable {
    /// The password of every member mailbox (`members:` and `addMailbox`).
    public static let memberPassword = "member-Pa55word"
    /// The legacy spellings the MTA maps into a list's mailbox.
    public static let legacySuffixes = ["-request", "-owner", "-bounces"]

    /// The gateway (its configuration, database, executable) and the Dovecot it reads.
    public let gateway: GatewayHarness
    /// The Postfix relay: the gateway's `smtp`, and where `send` submits.
    public let relay: PostfixRelay
    /// The mailbox users that are lists (password `GatewayHarness.listPassword`); every other is a member.
    public let lists: [String]

    /// Starts Dovecot with the `lists` mailboxes (and their legacy aliases) and the `members` mailboxes, the relay
    /// into it, and writes a gateway configuration whose `smtp` is the relay.
    /// - Parameters:
    ///   - lists: list ids whose mailbox is a Dovecot user; `GatewayHarness`'s three by default. A list added by
    ///     `configure` needs its id here too (its address must be `<id>@listDomain`).
    ///   - listDomain: the lists' domain: Postfix accepts only the lists' addresses there (docs/mta.md) and
    ///     refuses any other at RCPT time; every other domain is relayed to Dovecot.
    ///   - members: Dovecot users for the people who receive mail (local part of their address).
    ///   - configure: edits of the JSON configuration before it is written (as `GatewayHarness.start`).
    public static func start(lists: [String] = GatewayHarness.lists, listDomain: String = "lists.example.org",
                             members: [String] = [],
                             configure: ([String: Any]) -> [String: Any] = { $0 }) async throws -> ListMTAHarness {
        let relayPort = try FreePorts.take(1)[0]
        let gateway = try await GatewayHarness.start(smtpPort: relayPort, configure: configure)
        do {
            let relay = try await PostfixRelay.start(port: relayPort, lmtpPort: gateway.dovecot.lmtpPort,
                                               listDomain: listDomain, lists: lists)
            let harness = ListMTAHarness(gateway: gateway, relay: relay, lists: lists)
            do {
                for list in lists { try await harness.addList(list) }
                for member in members { try await harness.addMailbox(member) }
            } catch {
                harness.stop()
                throw error
            }
            return harness
        } catch {
            gateway.stop()
            throw error
        }
    }

    private init(gateway: GatewayHarness, relay: PostfixRelay, lists: [String]) {
        self.gateway = gateway
        self.relay = relay
        self.lists = lists
    }

    /// Stops Postfix and Dovecot and removes their folders.
    public func stop() {
        relay.stop()
        gateway.stop()
    }

    /// Gives a list its mailbox (password `GatewayHarness.listPassword`) and maps its legacy addresses into it.
    private func addList(_ list: String) async throws {
        try await gateway.dovecot.addUser(list, password: GatewayHarness.listPassword)
        for suffix in Self.legacySuffixes { try await gateway.dovecot.addAlias(list + suffix, to: list) }
    }

    /// Gives a person a mailbox: mail to `user@<any domain>` lands there.
    public func addMailbox(_ user: String) async throws {
        try await gateway.dovecot.addUser(user, password: Self.memberPassword)
    }

    /// Submits a message to the relay over SMTP, as a partner's MTA would; returns its Message-ID (without
    /// brackets). The envelope sender is `envelopeFrom`, else the address in `from`; the recipient is `to`'s
    /// address unless `recipients` are given (Bcc). `headers` are extra header lines (`Name: value`).
    @discardableResult
    public func send(from: String, to: String, subject: String, body: String = "Bonjour,\r\n",
                     headers: [String] = [], envelopeFrom: String? = nil, recipients: [String]? = nil,
                     messageID: String? = nil) async throws -> String {
        let id = messageID ?? "\(UUID().uuidString.lowercased())@mta.test"
        let message = Self.message(from: from, to: to, subject: subject, body: body, headers: headers, messageID: id)
        let sender = envelopeFrom ?? Self.address(in: from)
        let rcpts = recipients ?? [Self.address(in: to)]
        let server = ServerConfig(host: relay.host, port: relay.port, tls: .none)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            // libcurl blocks: send from a thread of our own, off the cooperative pool.
            Thread {
                do {
                    let connection = try SMTPConnection(settings: SMTPSettings(server: server, ehloName: "partner.test"))
                    try connection.send(envelopeFrom: sender, recipients: rcpts, message: message)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
        return id
    }

    /// Every message in `user`'s INBOX (a list or a member), oldest first, as IMAP returns it.
    public func fetch(user: String) async throws -> [[UInt8]] {
        let password = lists.contains(user) ? GatewayHarness.listPassword : Self.memberPassword
        let client = IMAPClient(server: gateway.dovecot.imap(user: user), timeout: .seconds(10),
                                logger: Logger(label: "mailgateway.tests.mta"))
        try await client.connect(password: password)
        _ = try await client.select("INBOX")
        let infos = try await client.messages(after: 0)
        let fetched = infos.isEmpty ? [] : try await client.fetchMessages(uids: infos.map(\.uid))
        await client.logout()
        return fetched.sorted { $0.uid < $1.uid }.map(\.bytes)
    }

    /// Waits (up to `seconds`) until `user` has at least `count` messages; returns them all, oldest first.
    public func waitForMail(user: String, count: Int, seconds: Double = 180) async throws -> [[UInt8]] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let messages = try await fetch(user: user)
            if messages.count >= count || Date() > deadline { return messages }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Waits until Postfix has handed everything to Dovecot (`PostfixRelay.settle`): "Mail queue is empty" when
    /// settled.
    @discardableResult
    public func settle(seconds: Double = 180) async throws -> String {
        try await relay.settle(seconds: seconds)
    }

    /// Runs `mailgateway ARGUMENTS --config CONFIG`; throws with its output when it exits non-zero.
    @discardableResult
    public func cli(_ arguments: [String]) async throws -> String {
        let outcome = try await gateway.run(arguments)
        guard outcome.status == 0 else {
            throw ChildProcessError(command: "mailgateway " + arguments.joined(separator: " "), output: outcome.output)
        }
        return outcome.output
    }

    /// `mailgateway run --once` (every list's mailbox read once, the outbox sent), which must succeed, once Postfix
    /// has handed everything queued to Dovecot (``settle(seconds:)``): `send` returns when Postfix has queued a
    /// message, and a run that listed the mailboxes before its LMTP delivery would not see it (on a loaded
    /// machine nothing orders the two otherwise).
    @discardableResult
    public func runOnce() async throws -> String {
        try await settle()
        return try await cli(["run", "--once", "--log-level", "warning"])
    }

    /// The address in `Name <address>` (or the text itself when there are no brackets).
    static func address(in mailbox: String) -> String {
        guard let open = mailbox.lastIndex(of: "<"), let close = mailbox.lastIndex(of: ">"), open < close else {
            return mailbox.trimmingCharacters(in: .whitespaces)
        }
        return String(mailbox[mailbox.index(after: open)..<close])
    }

    /// A small RFC 5322 message (CRLF, UTF-8 8bit body; a non-ASCII display name or subject RFC 2047-encoded).
    static func message(from: String, to: String, subject: String, body: String, headers: [String],
                        messageID: String) -> [UInt8] {
        let fromAddress = address(in: from)
        let fromName = from.contains("<")
            ? from[..<from.lastIndex(of: "<")!].trimmingCharacters(in: .whitespaces) : ""
        let fromField = fromName.isEmpty ? fromAddress
            : HeaderEncoding.mailbox(MailAddress(name: fromName.trimmingCharacters(in: CharacterSet(charactersIn: "\"")),
                                                 address: fromAddress))
        var lines = [
            "From: \(fromField)", "To: \(to)", "Subject: \(HeaderEncoding.unstructured(subject))",
            "Message-ID: <\(messageID)>", "Date: \(RFC5322Date.string(from: Date()))", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
        ]
        lines += headers
        return Array(LineEndings.crlf(lines.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }
}
