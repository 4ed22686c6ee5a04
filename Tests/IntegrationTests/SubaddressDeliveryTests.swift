import Foundation
import Testing
import MailGateway
import TestSupport

/// The MTA side of issue 10 (docs/mta.md): every address of a list reaches the list's one mailbox through a real
/// Postfix relay and Dovecot LMTP, and the message says which address it was delivered to.
@Suite("Subaddresses: list+*@ and list-request/-owner/-bounces@ into the list's mailbox through Postfix + Dovecot",
       .enabled(if: DovecotServer.available && PostfixRelay.available,
                Comment(rawValue: DovecotServer.absentMessage + "; " + PostfixRelay.absentMessage)),
       .serialized)
struct SubaddressDeliveryTests {
    static let list = "college-research"
    static let token = "2a9f4c1e7b3d5a8f6c0e2d4b1a3c5e7f"

    /// Envelope recipient -> what the test sends there.
    static let addresses = [
        "college-research@lists.example.org",
        "college-research+join@lists.example.org",
        "college-research+confirm.\(token)@lists.example.org",
        "college-research-request@lists.example.org",
        "college-research-owner@lists.example.org",
        "college-research-bounces+ghost=nowhere.example@lists.example.org",
    ]

    @Test("each address lands in the list's INBOX, once, with Delivered-To naming it as sent (detail and legacy spelling kept)")
    func everyAddressReachesTheListMailbox() async throws {
        let mta = try await ListMTAHarness.start()
        defer { mta.stop() }
        var sent: [String: String] = [:]  // Message-ID -> envelope recipient
        for (index, address) in Self.addresses.enumerated() {
            // A Bcc for one of them: only the envelope (hence Delivered-To) names the list's address.
            let to = index == 1 ? "Undisclosed recipients:;" : address
            let id = try await mta.send(from: "Hélène Dubois <helene@inrae.example>", to: to,
                                        subject: "message \(index)", recipients: [address])
            sent[id] = address
        }
        let messages = try await mta.waitForMail(user: Self.list, count: Self.addresses.count)
        let queue = try await mta.settle()
        #expect(queue.contains("Mail queue is empty"), "\(queue)\n\(mta.relay.logTail())")
        #expect(messages.count == Self.addresses.count, "\(mta.relay.logTail())")
        var seen: Set<String> = []
        for raw in messages {
            let parsed = try MessageParser.parse(raw)
            let id = try #require(parsed.messageID)
            let address = try #require(sent[id], "a message the test did not send: \(id)")
            seen.insert(id)
            #expect(parsed.headerValues("Delivered-To") == [address], "Dovecot's LMTP writes the RCPT TO address")
            let received = parsed.headerValues("Received").first ?? ""
            #expect(received.contains("for <\(address)>"), "\(received)")
            #expect(parsed.headerValues("X-Original-To").isEmpty, "Dovecot's LMTP writes no X-Original-To")
        }
        #expect(seen == Set(sent.keys))
        // Nothing in a `+detail` folder (lmtp_save_to_detail_mailbox = no), nothing in the other lists' mailboxes.
        let maildir = mta.gateway.dovecot.directory.appendingPathComponent("mail/\(Self.list)/Maildir")
        let folders = try FileManager.default.contentsOfDirectory(atPath: maildir.path).filter { $0.hasPrefix(".") }
        #expect(folders.isEmpty, "\(folders)")
        for other in GatewayHarness.lists where other != Self.list {
            #expect(try await mta.fetch(user: other).isEmpty, "\(other)")
        }
    }

    @Test("an address of the lists' domain that is no list address is refused at RCPT time; a list's unknown subaddress is delivered")
    func unknownAddressRefused() async throws {
        let mta = try await ListMTAHarness.start()
        defer { mta.stop() }
        for address in ["college-research-admin@lists.example.org", "nobody@lists.example.org",
                        "college-researchers@lists.example.org"] {
            await #expect(throws: SMTPError.self, "\(address)") {
                try await mta.send(from: "helene@inrae.example", to: address, subject: "x")
            }
        }
        // An unknown subaddress still reaches the list (the router answers it with help).
        try await mta.send(from: "helene@inrae.example", to: "college-research+aide@lists.example.org", subject: "y")
        _ = try await mta.waitForMail(user: Self.list, count: 1)
        try await mta.settle()
        let messages = try await mta.fetch(user: Self.list).map { try MessageParser.parse($0) }
        #expect(messages.map { $0.headerValues("Delivered-To") } == [["college-research+aide@lists.example.org"]])
    }

    @Test("a legacy alias is a delivery address only: it cannot log in over IMAP")
    func aliasCannotLogIn() async throws {
        let mta = try await ListMTAHarness.start(lists: [Self.list])
        defer { mta.stop() }
        let client = IMAPClient(server: mta.gateway.dovecot.imap(user: "\(Self.list)-request"), timeout: .seconds(10),
                                logger: IMAPTest.logger)
        await #expect(throws: (any Error).self) { try await client.connect(password: "") }
        await #expect(throws: (any Error).self) { try await client.connect(password: GatewayHarness.listPassword) }
    }
}
