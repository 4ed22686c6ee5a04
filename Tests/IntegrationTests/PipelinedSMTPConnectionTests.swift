import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import MailGateway
import TestSupport

/// ``PipelinedSMTPConnection`` against real servers: Postfix's smtp-sink (with and without PIPELINING, with its
/// fault options) and a Postfix relay into Dovecot.
@Suite(.serialized) struct PipelinedSMTPConnectionTests {
    static func settings(port: Int) -> SMTPSettings {
        SMTPSettings(server: ServerConfig(host: "127.0.0.1", port: port, tls: .none), ehloName: "gateway.test.example",
                     connectTimeout: 10, replyTimeout: 20, transactionTimeout: 60)
    }

    let message = Array("From: a@b.example\r\nTo: list@l.example\r\nSubject: hi\r\nMessage-ID: <m1@b.example>\r\n\r\nline one\r\n.starts with a dot\r\n".utf8)

    /// `-p`: smtp-sink does not announce PIPELINING, and the client sends one command per reply.
    @Test(arguments: [false, true])
    func sendsOverOneReusedConnectionPipelinedOrNot(lockstep: Bool) throws {
        let sink = try SMTPSink.start(options: lockstep ? ["-p"] : [])
        defer { sink.remove() }
        let connection = try PipelinedSMTPConnection(settings: Self.settings(port: sink.port))
        for index in 0..<5 {
            try connection.send(envelopeFrom: "list-bounces+u\(index)=x.example@l.example",
                                recipients: ["u\(index)@x.example"], message: message)
        }
        let results = try connection.send(envelopeFrom: "list-bounces@l.example", each: ["v1@x.example", "v2@x.example"],
                                          message: message)
        #expect(results == [nil, nil])
        try connection.send(envelopeFrom: "list-bounces@l.example", recipients: ["w1@x.example", "w2@x.example"],
                            message: message)
        #expect(connection.connectionsOpened == 1)
        #expect(connection.serverExtensions.contains("PIPELINING") == !lockstep)
        let dumps = try sink.dumps()
        #expect(dumps.count == 7)
        #expect(Set(dumps.map(\.recipients)) == Set((0..<5).map { ["u\($0)@x.example"] }
            + [["v1@x.example", "v2@x.example"], ["w1@x.example", "w2@x.example"]]))
        for dump in dumps {
            #expect(dump.header("Message-ID") == "<m1@b.example>")
            #expect(dump.message.contains("line one\n.starts with a dot\n"), "\(dump.message)")
        }
    }

    @Test(arguments: SMTPConnectionTests.refusals, [false, true])
    func serverRefusalsAreClassifiedAsThroughLibcurl(fault: ([String], SMTPError.Kind, Int, String), lockstep: Bool) throws {
        let (options, kind, code, command) = fault
        let sink = try SMTPSink.start(options: options + (lockstep ? ["-p"] : []))
        defer { sink.remove() }
        let connection = try PipelinedSMTPConnection(settings: Self.settings(port: sink.port))
        let error = #expect(throws: SMTPError.self) {
            try connection.send(envelopeFrom: "s@l.example", recipients: ["r@x.example"], message: message)
        }
        #expect(error == SMTPError(kind: kind, code: code, reply: error?.reply ?? "", command: command))
        // The server's own text (smtp-sink's "Error: command failed", or its 421 text).
        #expect(error.map { code == 421 ? !$0.reply.isEmpty : $0.reply.contains("command failed") } == true,
                "\(String(describing: error))")
        // Nothing was delivered before the end of data (smtp-sink keeps the dump of a message it refused at "."),
        // and the next transaction works (on this connection or a new one).
        let refusedAtEnd = command == "." ? [["r@x.example"]] : []
        #expect(try sink.dumps().filter(\.hasContent).map(\.recipients) == refusedAtEnd)
        try sink.restart(options: lockstep ? ["-p"] : [])
        try connection.send(envelopeFrom: "s@l.example", recipients: ["r2@x.example"], message: message)
        #expect(Set(try sink.dumps().filter(\.hasContent).map(\.recipients)) == Set(refusedAtEnd + [["r2@x.example"]]))
    }

    /// RFC 6152 without libcurl's ENVID: `BODY=8BITMIME` alone, from the first message (EHLO comes before MAIL).
    @Test(arguments: [false, true])
    func eightBitBodiesAreDeclaredWhenTheServerOffersIt(without8BITMIME: Bool) throws {
        let sink = try SMTPSink.start(options: without8BITMIME ? ["-8"] : [])
        defer { sink.remove() }
        let connection = try PipelinedSMTPConnection(settings: Self.settings(port: sink.port))
        let eight = SMTPEightBitMIMETests().eight, seven = SMTPEightBitMIMETests().seven
        for (index, message) in [eight, seven, eight].enumerated() {
            try connection.send(envelopeFrom: "b@l.example", recipients: ["m\(index)@x.example"], message: message)
        }
        let args = Dictionary(uniqueKeysWithValues: try sink.dumps().map { ($0.recipients.first ?? "", $0.mailArgs) })
        let declared = without8BITMIME ? "<b@l.example>" : "<b@l.example> BODY=8BITMIME"
        #expect(args == ["m0@x.example": declared, "m1@x.example": "<b@l.example>", "m2@x.example": declared])
    }

    @Test func disconnectWithoutReplyIsTransientAndNothingIsDelivered() throws {
        let sink = try SMTPSink.start(options: ["-q", "RCPT"])
        defer { sink.remove() }
        let connection = try PipelinedSMTPConnection(settings: Self.settings(port: sink.port))
        let error = #expect(throws: SMTPError.self) {
            try connection.send(envelopeFrom: "s@l.example", recipients: ["r@x.example"], message: message)
        }
        #expect(error?.kind == .transient)
        #expect(error?.code == 0)
        #expect(error?.command == "RCPT")
        #expect(try sink.dumps().allSatisfy { !$0.hasContent })
    }

    /// A relay that goes away: the reused connection is found dead before any reply, reconnecting fails, and the
    /// send is a transient CONNECT failure; once the relay is back the next send reconnects. A relay restarted
    /// between two sends (an idle session it closed) costs nothing: the transaction is sent again on a new connection.
    @Test func aRelayThatDropsTheConnection() throws {
        let sink = try SMTPSink.start()
        defer { sink.remove() }
        let connection = try PipelinedSMTPConnection(settings: Self.settings(port: sink.port))
        try connection.send(envelopeFrom: "s@l.example", recipients: ["a@x.example"], message: message)
        try sink.stop()
        let error = #expect(throws: SMTPError.self) {
            try connection.send(envelopeFrom: "s@l.example", recipients: ["b@x.example"], message: message)
        }
        #expect(error?.kind == .transient && error?.code == 0 && error?.command == "CONNECT", "\(String(describing: error))")
        try sink.restart()
        try connection.send(envelopeFrom: "s@l.example", recipients: ["c@x.example"], message: message)
        #expect(connection.connectionsOpened == 2)
        try sink.restart()
        try connection.send(envelopeFrom: "s@l.example", recipients: ["d@x.example"], message: message)
        #expect(connection.connectionsOpened == 3)
        #expect(try sink.dumps().filter(\.hasContent).map(\.recipients).sorted { $0[0] < $1[0] }
            == [["a@x.example"], ["c@x.example"], ["d@x.example"]])
    }

    /// `-e`: smtp-sink answers EHLO with 500 (no ESMTP). The client says HELO instead, as libcurl does, and sends
    /// without any extension: one command per reply, no BODY=8BITMIME.
    @Test func aServerWithoutESMTPIsGreetedWithHELO() throws {
        let sink = try SMTPSink.start(options: ["-e"])
        defer { sink.remove() }
        let connection = try PipelinedSMTPConnection(settings: Self.settings(port: sink.port))
        try connection.send(envelopeFrom: "s@l.example", recipients: ["a@x.example"], message: SMTPEightBitMIMETests().eight)
        let results = try connection.send(envelopeFrom: "s@l.example", each: ["b@x.example", "c@x.example"], message: message)
        #expect(results == [nil, nil])
        #expect(connection.serverExtensions.isEmpty)
        #expect(connection.connectionsOpened == 1)
        let dumps = try sink.dumps().filter(\.hasContent)
        #expect(Set(dumps.map(\.recipients)) == [["a@x.example"], ["b@x.example", "c@x.example"]])
        #expect(dumps.allSatisfy { $0.mailArgs == "<s@l.example>" }, "\(dumps.map(\.mailArgs))")
    }

    /// A server that accepts the TCP connection and never says a word (a listening socket nobody serves): the
    /// greeting's wait ends at `replyTimeout`, a transient CONNECT failure, and nothing hangs.
    @Test func aSilentServerTimesOutAtTheReplyTimeout() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(listener, raw, length) == 0 && listen(listener, 4) == 0 && getsockname(listener, raw, &length) == 0
            }
        }
        try #require(bound)
        var settings = Self.settings(port: Int(UInt16(bigEndian: address.sin_port)))
        settings.replyTimeout = 1
        let connection = try PipelinedSMTPConnection(settings: settings)
        let started = ContinuousClock.now
        let error = #expect(throws: SMTPError.self) {
            try connection.send(envelopeFrom: "s@l.example", recipients: ["r@x.example"], message: message)
        }
        let waited = ContinuousClock.now - started
        #expect(error?.kind == .transient && error?.code == 0 && error?.command == "CONNECT", "\(String(describing: error))")
        #expect(error?.reply.contains("timed out") == true)
        #expect(waited >= .milliseconds(900) && waited < .seconds(30), "\(waited)")
    }

    @Test func unsafeEnvelopesNeverReachTheWireAndTheSenderIsNamedFirst() throws {
        let sink = try SMTPSink.start()
        defer { sink.remove() }
        let injected = "x@y.example>\r\nRCPT TO:<injected@evil.example"
        let pipelined = try PipelinedSMTPConnection(settings: Self.settings(port: sink.port))
        let curl = try SMTPConnection(settings: Self.settings(port: sink.port))
        let clients: [any OutboxSMTPSession] = [pipelined, curl]
        for client in clients {
            for (from, to, command) in [("b@l.example", injected, "RCPT"), (injected, "u@x.example", "MAIL"),
                                        (injected, injected, "MAIL")] {
                #expect(throws: SMTPError.unsafeEnvelope(command: command)) {
                    try client.send(envelopeFrom: from, recipients: [to], message: message)
                }
            }
            #expect(throws: SMTPError.unsafeEnvelope(command: "MAIL")) {
                _ = try client.send(envelopeFrom: injected, each: [injected], message: message)
            }
            #expect(try client.send(envelopeFrom: "b@l.example", each: [injected, "ok@x.example"], message: message)
                == [SMTPError.unsafeEnvelope(command: "RCPT"), nil])
            #expect(client.connectionsOpened == 1)
        }
        #expect(try sink.dumps().map(\.recipients) == [["ok@x.example"], ["ok@x.example"]])
    }
}

/// ``PipelinedSMTPConnection`` through a real Postfix into Dovecot: per-recipient refusals and the bytes delivered.
@Suite(.enabled(if: DovecotServer.available && PostfixRelay.available,
                Comment(rawValue: DovecotServer.absentMessage + "; " + PostfixRelay.absentMessage)),
       .serialized)
struct PipelinedSMTPRelayTests {
    /// Postfix answers each RCPT of the pipelined batch: the list domain's unknown address is refused (550), the
    /// others get the message; an all-or-nothing send with a refused RCPT sends nothing.
    @Test func refusedRecipientsFailAloneInEachModeAndFailTheWholeOtherwise() async throws {
        let dovecot = try await DovecotServer.start(users: ["alice": "pw", "bob": "pw", "carol": "pw"])
        defer { dovecot.stop() }
        let relay = try await PostfixRelay.start(lmtpPort: dovecot.lmtpPort, listDomain: "l.example", lists: ["list"])
        defer { relay.stop() }
        let connection = try PipelinedSMTPConnection(settings: PipelinedSMTPConnectionTests.settings(port: relay.port))
        let message = Array("From: a@b.example\r\nSubject: each\r\nMessage-ID: <each@b.example>\r\n\r\nhello\r\n".utf8)
        let results = try connection.send(envelopeFrom: "list-bounces@l.example",
                                          each: ["alice@member.example", "nobody@l.example", "bob@member.example"],
                                          message: message)
        #expect(connection.serverExtensions.contains("PIPELINING"))
        #expect(results[0] == nil && results[2] == nil, "\(results)")
        #expect(results[1]?.kind == .permanent && results[1]?.code == 550 && results[1]?.command == "RCPT",
                "\(String(describing: results[1]))")
        let error = #expect(throws: SMTPError.self) {
            try connection.send(envelopeFrom: "list-bounces@l.example", recipients: ["alice@member.example", "nobody@l.example"],
                                message: Array("Subject: none\r\n\r\nnever\r\n".utf8))
        }
        #expect(error?.code == 550 && error?.command == "RCPT")
        try connection.send(envelopeFrom: "", recipients: ["carol@member.example"], message: message)
        #expect(connection.connectionsOpened == 1, "RSET kept the session")
        for user in ["alice", "bob", "carol"] {
            let delivered = try await Self.delivered(to: user, count: 1, in: dovecot, relay: relay)
            #expect(delivered.count == 1)
            #expect(delivered.allSatisfy { $0.contains("Message-ID: <each@b.example>") && !$0.contains("never") })
        }
    }

    /// Dot-stuffing and bare line ends, through Postfix (3.7, which takes a bare LF as a line end) into a Dovecot
    /// mailbox: lines that start with a dot arrive unchanged, and a `LF . LF` in the body ends nothing: the commands
    /// after it stay text of the one message (no smuggled second message to bob).
    @Test func dotsAndBareLineEndsArriveAsTextAndSmuggleNothing() async throws {
        let dovecot = try await DovecotServer.start(users: ["alice": "pw", "bob": "pw"])
        defer { dovecot.stop() }
        let relay = try await PostfixRelay.start(lmtpPort: dovecot.lmtpPort)
        defer { relay.stop() }
        let connection = try PipelinedSMTPConnection(settings: PipelinedSMTPConnectionTests.settings(port: relay.port))
        let body = "line one\r\n.starts with a dot\r\n..two dots\r\n. \r\nbare\n.\nMAIL FROM:<evil@evil.example>\r\n"
            + "RCPT TO:<bob@member.example>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n.\r\nthe end"
        let message = Array("From: a@b.example\r\nSubject: dots\r\nMessage-ID: <dots@b.example>\r\n\r\n\(body)".utf8)
        try connection.send(envelopeFrom: "list-bounces@l.example", recipients: ["alice@member.example"], message: message)
        let delivered = try await Self.delivered(to: "alice", count: 1, in: dovecot, relay: relay)
        let text = try #require(delivered.first).replacingOccurrences(of: "\r\n", with: "\n")
        let expected = "line one\n.starts with a dot\n..two dots\n. \nbare\n.\nMAIL FROM:<evil@evil.example>\n"
            + "RCPT TO:<bob@member.example>\nDATA\nSubject: smuggled\n\nsmuggled\n.\nthe end\n"
        #expect(text.hasSuffix("\n\n" + expected), "\(text)")
        // Postfix had every byte: a copy for bob would be in its queue or delivered by now.
        try await relay.settle()
        #expect(Self.maildir(of: "bob", in: dovecot).isEmpty)
    }

    static func maildir(of user: String, in dovecot: DovecotServer) -> [String] {
        let folder = dovecot.directory.appendingPathComponent("mail/\(user)/Maildir/new")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().compactMap { name in
            FileManager.default.contents(atPath: folder.appendingPathComponent(name).path).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// The messages in `user`'s maildir once `count` are there (180 s at most: a bound for a loaded machine).
    static func delivered(to user: String, count: Int, in dovecot: DovecotServer, relay: PostfixRelay) async throws -> [String] {
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            let messages = maildir(of: user, in: dovecot)
            if messages.count >= count { return messages }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("\(user) did not receive \(count) message(s): \(relay.logTail())")
        return maildir(of: user, in: dovecot)
    }
}
