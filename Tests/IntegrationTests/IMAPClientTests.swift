import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif
import MailGateway
import Testing
import TestSupport

@Suite("IMAPClient against a private Dovecot", .enabled(if: DovecotServer.available, Comment(rawValue: DovecotServer.absentMessage)))
struct IMAPClientTests {
    @Test func loginSucceedsAndReportsCapabilities() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let client = IMAPClient(server: dovecot.imap(user: IMAPTest.user), logger: IMAPTest.logger)
        let capabilities = try await client.connect(password: IMAPTest.password)
        #expect(capabilities.idle)
        #expect(capabilities.move)
        #expect(capabilities.uidPlus)
        #expect(await client.isConnected)
        await client.logout()
        #expect(await !client.isConnected)
    }

    @Test func wrongPasswordIsALoginErrorWithTheServerText() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let client = IMAPClient(server: dovecot.imap(user: IMAPTest.user), logger: IMAPTest.logger)
        let wrong = "not-the-password-42"
        let error = try await #require(throws: IMAPError.self) { try await client.connect(password: wrong) }
        #expect(error.kind == .login)
        #expect(error.user == IMAPTest.user)
        #expect(error.serverText == "[AUTHENTICATIONFAILED] Authentication failed.")
        #expect(error.description.contains("login failed for user alice on 127.0.0.1:\(dovecot.imapPort)"))
        #expect(!error.description.contains(wrong))
        #expect(await !client.isConnected)
    }

    @Test func passwordNeverReachesTheLogs() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let records = LogRecords()
        let logger = Logger(label: "capture") { _ in CapturingLogHandler(records: records) }
        let client = IMAPClient(server: dovecot.imap(user: IMAPTest.user), logger: logger)
        try await client.connect(password: IMAPTest.password)
        _ = try await client.select("INBOX")
        let refused = IMAPClient(server: dovecot.imap(user: IMAPTest.user), logger: logger)
        let wrong = "wrong-Pa55word-77"
        await #expect(throws: IMAPError.self) { try await refused.connect(password: wrong) }
        let lines = records.all
        #expect(lines.contains { $0.contains("imap.login") && $0.contains(IMAPTest.user) })
        #expect(!lines.contains { $0.contains(IMAPTest.password) || $0.contains(wrong) })
    }

    @Test func closedPortIsAConnectErrorReportedQuickly() async throws {
        let port = try FreePorts.take(1)[0] // free, so nobody listens there
        let server = ServerConfig(host: "127.0.0.1", port: port, tls: .none, user: IMAPTest.user)
        let client = IMAPClient(server: server, timeout: .seconds(20), logger: IMAPTest.logger)
        let started = ContinuousClock.now
        let error = try await #require(throws: IMAPError.self) { try await client.connect(password: "x") }
        #expect(error.kind == .connect)
        #expect(error.isTransient)
        #expect(error.server == "127.0.0.1:\(port)")
        // `.connect`, not `.timeout`: the refusal was seen, not the 20 s timeout (IMAPConnection classifies a
        // failure that took the whole timeout as `.timeout`). No wall-clock bound: the suite runs in parallel on
        // two cores, where the test task itself may wait for a thread.
        _ = started
    }

    @Test func silentServerIsATimeout() async throws {
        // A socket that listens but never greets: the kernel completes the TCP handshake, nobody answers.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(listener >= 0)
        defer { close(listener) }
        let port = try FreePorts.take(1)[0]
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0 && listen(listener, 4) == 0)

        let server = ServerConfig(host: "127.0.0.1", port: port, tls: .none, user: IMAPTest.user)
        let client = IMAPClient(server: server, timeout: .seconds(1), logger: IMAPTest.logger)
        let error = try await #require(throws: IMAPError.self) { try await client.connect(password: "x") }
        #expect(error.kind == .timeout)
        #expect(error.isTransient)
    }

    @Test func commandWithoutSelectedFolderIsRefusedLocally() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let client = try await IMAPTest.connectedClient(dovecot)
        let error = try await #require(throws: IMAPError.self) { try await client.markSeen(uids: [1]) }
        #expect(error.kind == .command)
        #expect(error.serverText == nil)
        #expect(await client.isConnected)
    }

    @Test func appendSelectListAndFetchAreByteExact() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let client = try await IMAPTest.connectedClient(dovecot)
        let messages = [IMAPTest.message(1), IMAPTest.message(2, bodyLines: 400), IMAPTest.message(3)]
        let date = Date(timeIntervalSince1970: 1_764_000_000) // whole seconds: INTERNALDATE has no fraction
        var appended: [UInt32] = []
        for message in messages {
            let uid = try await client.append(message, to: "INBOX", internalDate: date)
            appended.append(try #require(uid))
        }
        #expect(appended == [1, 2, 3])

        let status = try await client.select("INBOX")
        #expect(status.exists == 3)
        #expect(status.uidValidity > 0)
        #expect(status.uidNext == 4)

        let listed = try await client.messages(after: 0)
        #expect(listed.map(\.uid) == [1, 2, 3])
        #expect(listed.map(\.size) == messages.map(\.count))
        #expect(listed.allSatisfy { $0.internalDate == date })

        // `UID FETCH 4:*` names the last message (UID 3) although none is above 3: it must be filtered out.
        #expect(try await client.messages(after: 3).isEmpty)
        #expect(try await client.messages(after: 2).map(\.uid) == [3])

        let fetched = try await client.fetchMessages(uids: [3, 1, 2, 99])
        #expect(fetched.map(\.uid) == [1, 2, 3])
        #expect(fetched.map(\.bytes) == messages)
        #expect(fetched.allSatisfy { $0.internalDate == date })

        // Dates the listing gave are not asked again: the messages carry the dates passed (one the server does not
        // hold shows which was used). A UID without one brings INTERNALDATE back for the batch, the server's winning.
        let passed = Date(timeIntervalSince1970: 1_700_000_000)
        let known = try await client.fetchMessages(uids: [1, 2], knownDates: [1: passed, 2: passed])
        #expect(known.map(\.bytes) == Array(messages[0...1]))
        #expect(known.map(\.internalDate) == [passed, passed])
        let partly = try await client.fetchMessages(uids: [1, 3], knownDates: [1: passed])
        #expect(partly.map(\.uid) == [1, 3])
        #expect(partly.map(\.internalDate) == [date, date])
        #expect(listed.internalDates == [1: date, 2: date, 3: date])

        let headers = try await client.fetchHeaders(uids: [2])
        #expect(headers.map(\.uid) == [2])
        #expect(headers.first?.bytes == IMAPTest.header(of: messages[1]))

        // BODY.PEEK must not have set \Seen.
        #expect(try await client.unseenUIDs(in: 1...3) == [1, 2, 3])
        await client.logout()
    }

    @Test func emptyFolderListsNothing() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let client = try await IMAPTest.connectedClient(dovecot)
        let status = try await client.select("INBOX")
        #expect(status.exists == 0)
        #expect(try await client.messages(after: 0).isEmpty)
        #expect(try await client.fetchMessages(uids: []).isEmpty)
        #expect(try await client.unseenUIDs(in: 1...100).isEmpty)
    }

    @Test func seenMessagesLeaveTheUnseenSearch() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let client = try await IMAPTest.connectedClient(dovecot)
        for number in 1...4 { try await client.append(IMAPTest.message(number), to: "INBOX") }
        try await client.append(IMAPTest.message(5), to: "INBOX", flags: [.seen])
        _ = try await client.select("INBOX")
        #expect(try await client.unseenUIDs(in: 1...5) == [1, 2, 3, 4])
        try await client.markSeen(uids: [1, 3])
        #expect(try await client.unseenUIDs(in: 1...5) == [2, 4])
        #expect(try await client.unseenUIDs(in: 3...5) == [4])
        // The flags are the server's, not the session's: a second connection sees them.
        let other = try await IMAPTest.connectedClient(dovecot)
        _ = try await other.select("INBOX")
        #expect(try await other.unseenUIDs(in: 1...5) == [2, 4])
    }

    @Test func moveToAnotherFolder() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let client = try await IMAPTest.connectedClient(dovecot)
        let messages = (1...3).map { IMAPTest.message($0) }
        for message in messages { try await client.append(message, to: "INBOX") }
        #expect(try await client.createFolder("Processed") == true)
        #expect(try await client.createFolder("Processed") == false, "already there: not an error, nothing created")
        _ = try await client.select("INBOX")
        try await client.move(uids: [1, 3], to: "Processed")
        #expect(try await client.select("INBOX").exists == 1)
        #expect(try await client.messages(after: 0).map(\.uid) == [2])
        #expect(try await client.select("Processed").exists == 2)
        let moved = try await client.fetchMessages(uids: try await client.messages(after: 0).map(\.uid))
        #expect(moved.map(\.bytes) == [messages[0], messages[2]])
    }

    @Test func moveFallsBackToCopyAndUIDExpungeWithoutMOVE() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password],
                                                    capabilities: "IMAP4rev1 IDLE UIDPLUS")
        defer { dovecot.stop() }
        let client = try await IMAPTest.connectedClient(dovecot)
        let capabilities = await client.capabilities
        #expect(!capabilities.move && capabilities.uidPlus)
        let messages = (1...3).map { IMAPTest.message($0) }
        for message in messages { try await client.append(message, to: "INBOX") }
        try await client.createFolder("Processed")
        _ = try await client.select("INBOX")
        try await client.move(uids: [2, 3], to: "Processed")
        #expect(try await client.select("INBOX").exists == 1)
        #expect(try await client.messages(after: 0).map(\.uid) == [1])
        _ = try await client.select("Processed")
        let moved = try await client.fetchMessages(uids: try await client.messages(after: 0).map(\.uid))
        #expect(moved.map(\.bytes) == [messages[1], messages[2]])
    }

    @Test func moveWithoutMOVEOrUIDPLUSLeavesOriginalsDeleted() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password],
                                                    capabilities: "IMAP4rev1 IDLE")
        defer { dovecot.stop() }
        let client = try await IMAPTest.connectedClient(dovecot)
        for number in 1...2 { try await client.append(IMAPTest.message(number), to: "INBOX") }
        try await client.createFolder("Processed")
        _ = try await client.select("INBOX")
        try await client.move(uids: [1], to: "Processed")
        // Copied, and the original flagged \Deleted but not expunged (a plain EXPUNGE could remove others' mail).
        #expect(try await client.select("Processed").exists == 1)
        #expect(try await client.select("INBOX").exists == 2)
    }

    @Test func nonASCIIFolderNamesWork() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let client = try await IMAPTest.connectedClient(dovecot)
        try await client.append(IMAPTest.message(1), to: "INBOX")
        try await client.createFolder("Traités")
        _ = try await client.select("INBOX")
        try await client.move(uids: [1], to: "Traités")
        #expect(try await client.select("Traités").exists == 1)
        // Dovecot's maildir names folders by their modified UTF-7 name: the encoding reached the server.
        let maildir = dovecot.directory.appendingPathComponent("mail/\(IMAPTest.user)/Maildir/.Trait&AOk-s")
        #expect(FileManager.default.fileExists(atPath: maildir.path))
        #expect(try await client.noop() == 1)
    }

    @Test func missingFolderIsACommandErrorNamingIt() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let client = try await IMAPTest.connectedClient(dovecot)
        let error = try await #require(throws: IMAPError.self) { try await client.select("NoSuchFolder") }
        #expect(error.kind == .command)
        #expect(error.command == "SELECT")
        #expect(error.mailbox == "NoSuchFolder")
        #expect(error.serverText?.isEmpty == false)
        // A refused command leaves the session usable.
        #expect(await client.isConnected)
        #expect(try await client.select("INBOX").exists == 0)
    }

    @Test func uidValidityCanBeChangedByATest() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let client = try await IMAPTest.connectedClient(dovecot)
        try await client.append(IMAPTest.message(1), to: "INBOX")
        let before = try await client.select("INBOX").uidValidity
        await client.logout()

        try await dovecot.setUIDValidity(before + 1000, user: IMAPTest.user)

        try await client.connect(password: IMAPTest.password)
        let after = try await client.select("INBOX")
        #expect(after.uidValidity == before + 1000)
        #expect(after.exists == 1)
    }
}
