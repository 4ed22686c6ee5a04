import Foundation
import Logging
import MailGateway
import TestSupport

/// One person of the test register: a CSV row of `partners import`, and a Dovecot mailbox named after the local
/// part of the address (the relay's LMTP delivery to `local@domain` reaches user `local`).
struct TestPartner {
    var organisation: String
    var college: String
    var name: String
    var address: String
    var funder = false
    var language = "fr"

    var mailboxUser: String { String(address[..<address.firstIndex(of: "@")!]) }
}

/// A gateway whose outgoing SMTP is a real Postfix relaying into the gateway's own Dovecot (every member has a
/// mailbox there), or an smtp-sink; helpers to load the register and read members' mailboxes over IMAP.
struct DeliveryWorld {
    static let memberPassword = "member-Pa55word"

    let harness: GatewayHarness
    let relay: PostfixRelay?

    /// The research college's register used by most tests.
    static let helene = TestPartner(organisation: "INRAE", college: "research", name: "Hélène Dubois", address: "helene@inrae.example")
    static let jose = TestPartner(organisation: "CIRAD", college: "research", name: "José Martínez", address: "jose@cirad.example", language: "es")
    static let amelie = TestPartner(organisation: "IRD", college: "research", name: "Amélie Nguyen", address: "amelie@ird.example")
    static let juergen = TestPartner(organisation: "Thünen", college: "research", name: "Jürgen Weber", address: "juergen@thuenen.example", language: "en")
    static let modo = TestPartner(organisation: "INRAE", college: "research", name: "Marc Modo", address: "modo@inrae.example")
    static let farmer = TestPartner(organisation: "Coop Sol", college: "producers", name: "Paul Fermier", address: "paul@coopsol.example")
    static let register = [helene, jose, amelie, juergen, modo, farmer]
    /// Outsiders with a mailbox (to read notices), not in the register.
    static let stranger = "stranger@nowhere.example"

    /// Starts Dovecot (+ a Postfix relay into it when `smtpPort` is nil) and writes the configuration.
    static func start(smtpPort: Int? = nil, configure: @escaping ([String: Any]) -> [String: Any] = { $0 }) async throws -> DeliveryWorld {
        let relayPort = try smtpPort ?? FreePorts.take(1)[0]
        let harness = try await GatewayHarness.start(smtpPort: relayPort, configure: configure)
        guard smtpPort == nil else { return DeliveryWorld(harness: harness, relay: nil) }
        do {
            let relay = try await PostfixRelay.start(port: relayPort, lmtpPort: harness.dovecot.lmtpPort)
            return DeliveryWorld(harness: harness, relay: relay)
        } catch {
            harness.stop()
            throw error
        }
    }

    func stop() {
        relay?.stop()
        harness.stop()
    }

    /// Imports `partners` with `partners import` of a generated CSV; gives each a mailbox when `mailboxes`. The
    /// lists' mail is what these tests observe: no welcomes (`--no-welcome`, a first migration) unless `welcome`.
    func importPartners(_ partners: [TestPartner], mailboxes: Bool = true, welcome: Bool = false) async throws {
        var csv = "organisation,country,college,funder,person,email,language\n"
        for p in partners {
            csv += "\(p.organisation),France,\(p.college),\(p.funder ? "yes" : "no"),\(p.name),\(p.address),\(p.language)\n"
        }
        let path = harness.directory.appendingPathComponent("partners-\(UUID().uuidString.prefix(6)).csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        try await cli(["partners", "import", path] + (welcome ? [] : ["--no-welcome"]))
        if mailboxes {
            for p in partners { try await harness.dovecot.addUser(p.mailboxUser, password: Self.memberPassword) }
        }
    }

    /// Imports Hélène, the author of the fault and crash tests' posts, and `members`, without mailboxes; Hélène
    /// opts out of her own posts (`members set --own-posts no`, on by default since issue 11) so that "every
    /// member, nobody else" stays the members those tests count.
    func importAuthorAndMembers(_ members: [TestPartner], list: String = "college-research") async throws {
        try await importPartners([Self.helene] + members, mailboxes: false)
        try await cli(["members", "set", "--list", list, Self.helene.address, "--own-posts", "no"])
    }

    /// Runs a CLI command; throws with its output when it exits non-zero.
    @discardableResult
    func cli(_ arguments: [String]) async throws -> String {
        let outcome = try await harness.run(arguments)
        guard outcome.status == 0 else {
            throw CommandFailure(command: "mailgateway " + arguments.joined(separator: " "), output: outcome.output)
        }
        return outcome.output
    }

    /// `run --once`, which must succeed.
    @discardableResult
    func runOnce() async throws -> String {
        try await cli(["run", "--once", "--log-level", "warning"])
    }

    /// Every message in `user`'s INBOX, oldest first.
    func mailbox(_ user: String) async throws -> [[UInt8]] {
        let client = IMAPClient(server: harness.dovecot.imap(user: user), timeout: .seconds(10),
                                logger: Logger(label: "mailgateway.tests.delivery"))
        try await client.connect(password: Self.memberPassword)
        _ = try await client.select("INBOX")
        let infos = try await client.messages(after: 0)
        let fetched = infos.isEmpty ? [] : try await client.fetchMessages(uids: infos.map(\.uid))
        await client.logout()
        return fetched.sorted { $0.uid < $1.uid }.map(\.bytes)
    }

    /// Waits (up to `seconds`) until `user` has at least `count` messages; returns them all, parsed.
    func waitForMail(_ user: String, count: Int, seconds: Double = 180) async throws -> [Delivered] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let messages = try await mailbox(user)
            if messages.count >= count || Date() > deadline { return try messages.map(Delivered.init) }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Waits until Postfix has handed everything to Dovecot (its queue is empty), so that "nothing arrived" is
    /// a real observation rather than a race. Returns the last queue summary.
    @discardableResult
    func settle(seconds: Double = 180) async throws -> String {
        try await relay?.settle(seconds: seconds) ?? ""
    }

    /// The archive's JSON view of a message (`archive message ID --json`).
    func archivedMessage(_ messageID: String) async throws -> [String: Any] {
        let output = try await cli(["archive", "message", messageID, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(output.utf8))
        return object as? [String: Any] ?? [:]
    }

    /// `outbox list --json` rows, optionally of one status.
    func outbox(status: String? = nil) async throws -> [[String: Any]] {
        let output = try await cli(["outbox", "list", "--limit", "100000", "--json"] + (status.map { ["--status", $0] } ?? []))
        return (try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]]) ?? []
    }
}

/// A CLI command exited non-zero.
struct CommandFailure: Error, CustomStringConvertible {
    var command: String
    var output: String
    var description: String { "\(command) failed: \(output)" }
}

/// A message read back from a mailbox: its bytes and parsed form.
struct Delivered {
    let raw: [UInt8]
    let parsed: ParsedMessage

    init(_ raw: [UInt8]) throws {
        self.raw = raw
        self.parsed = try MessageParser.parse(raw)
    }

    /// Every value of header `name`, unfolded (from the parser).
    func all(_ name: String) -> [String] { parsed.headerValues(name) }
    /// The single value of header `name`.
    func header(_ name: String) -> String? { parsed.header(name) }
    /// The raw text (for looking at bodies).
    var text: String { String(decoding: raw, as: UTF8.self) }
}

