import Foundation
import Testing
import MailGateway
import TestSupport

/// `mailbox.processed_folder` (the setting docs/configuration.md recommends for long-lived lists) against a real
/// Dovecot, through the `mailgateway` process: processed mail is moved out of the watched folder after its commit,
/// into a folder the gateway creates when nobody did, and a crash between the commit and the move neither loses
/// nor duplicates.
@Suite("Processed mail moved to processed_folder", .enabled(if: DovecotServer.available, Comment(rawValue: DovecotServer.absentMessage)))
struct ProcessedFolderTests {
    static let list = "college-research"
    /// Not created by anyone but the gateway; not ASCII, so its modified UTF-7 name goes over the wire.
    static let folder = "Traités"

    /// A harness whose research college moves processed mail to ``folder``; `capabilities` replaces Dovecot's.
    static func start(capabilities: String? = nil) async throws -> GatewayHarness {
        try await GatewayHarness.start(imapCapabilities: capabilities) { json in
            var json = json
            var lists = json["lists"] as! [[String: Any]]
            for index in lists.indices where lists[index]["id"] as? String == list {
                var mailbox = lists[index]["mailbox"] as! [String: Any]
                mailbox["processed_folder"] = folder
                lists[index]["mailbox"] = mailbox
            }
            json["lists"] = lists
            return json
        }
    }

    /// The Message-IDs of the messages in `folder` of the list's mailbox (nil when the folder does not exist).
    static func messageIDs(_ harness: GatewayHarness, in folder: String) async throws -> [String]? {
        let client = try await harness.client(for: list)
        var ids: [String]?
        if (try? await client.select(folder)) != nil {
            let uids = try await client.messages(after: 0).map(\.uid)
            ids = try await client.fetchMessages(uids: uids).map { try MessageParser.parse($0.bytes).messageID }
        }
        await client.logout()
        return ids
    }

    @Test("processed posts leave INBOX for the processed folder, which the gateway creates; new posts follow")
    func movesIntoACreatedFolder() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        try await harness.append(DaemonTests.thread, to: Self.list)
        #expect(try await Self.messageIDs(harness, in: Self.folder) == nil, "the folder does not exist yet")

        let first = try await harness.run(["run", "--once"])
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("processed folder created"), "\(first.output)")
        let ids = ["root@inrae.example", "reply1@cirad.example", "reply2@ird.example"]
        #expect(Set(try await DaemonTests.archived(harness, list: Self.list).keys) == Set(ids))
        #expect(try await Self.messageIDs(harness, in: "INBOX") == [])
        #expect(try await Self.messageIDs(harness, in: Self.folder) == ids)

        try await harness.append([TestMail.message(id: "later@inrae.example", subject: "Suite")], to: Self.list)
        let second = try await harness.run(["run", "--once"])
        #expect(second.status == 0, "\(second.output)")
        #expect(!second.output.contains("processed folder created"), "created once: \(second.output)")
        #expect(try await Self.messageIDs(harness, in: "INBOX") == [])
        #expect(try await Self.messageIDs(harness, in: Self.folder) == ids + ["later@inrae.example"])
        #expect(try await DaemonTests.archived(harness, list: Self.list).count == 4)
    }

    @Test("a crash between the archive commit and the move: the next run moves the committed mail, once")
    func crashBetweenCommitAndMove() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        try await harness.append(DaemonTests.thread, to: Self.list)

        let crashed = try await harness.run(["run", "--once"], environment: ["MAILGATEWAY_FAULT": "exit-after-commit"])
        #expect(crashed.status == 75, "the fault injection exits right after the commit: \(crashed.output)")
        #expect(try await DaemonTests.archived(harness, list: Self.list).count == 3, "committed before the crash")
        #expect(try await Self.messageIDs(harness, in: "INBOX")?.count == 3, "not moved: the process died first")

        let resumed = try await harness.run(["run", "--once"])
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("3 flagged after an interruption"), "\(resumed.output)")
        #expect(try await DaemonTests.archived(harness, list: Self.list).count == 3, "no duplicate")
        #expect(try await Self.messageIDs(harness, in: "INBOX") == [])
        #expect(try await Self.messageIDs(harness, in: Self.folder)?.count == 3)
    }

    @Test("a server without MOVE or UIDPLUS: the originals stay flagged \\Deleted, and later runs do not copy them again")
    func withoutMoveOrUIDPLUS() async throws {
        let harness = try await Self.start(capabilities: "IMAP4rev1 IDLE")
        defer { harness.stop() }
        try await harness.append(DaemonTests.thread, to: Self.list)
        let ids = ["root@inrae.example", "reply1@cirad.example", "reply2@ird.example"]
        for run in 1...3 {
            let outcome = try await harness.run(["run", "--once"])
            #expect(outcome.status == 0, "run \(run): \(outcome.output)")
            #expect(try await Self.messageIDs(harness, in: Self.folder) == ids, "run \(run): one copy of each")
            #expect(try await DaemonTests.archived(harness, list: Self.list).count == 3)
        }
        // Copied, and the originals flagged \Deleted but not expunged (a plain EXPUNGE could remove others' mail).
        let client = try await harness.client(for: Self.list)
        let inbox = try await client.messages(after: 0).map(\.uid)
        let undeleted = try await client.undeletedUIDs(in: 1...UInt32.max)
        await client.logout()
        #expect(inbox.count == 3 && undeleted.isEmpty, "\(inbox) \(undeleted)")
    }
}
