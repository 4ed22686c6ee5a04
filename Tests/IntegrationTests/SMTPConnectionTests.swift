import Foundation
import Testing
@testable import MailGateway
import TestSupport

/// `SMTPConnection` against a real Postfix smtp-sink on 127.0.0.1 (scripts/postfix.sh).
@Suite(.serialized) struct SMTPConnectionTests {
    func settings(_ sink: SMTPSink, tls: TLSMode = .none) -> SMTPSettings {
        SMTPSettings(server: ServerConfig(host: "127.0.0.1", port: sink.port, tls: tls), ehloName: "gateway.test.example",
                     connectTimeout: 10, replyTimeout: 20, transactionTimeout: 60)
    }

    let message = Array("From: a@b.example\r\nTo: list@l.example\r\nSubject: hi\r\nMessage-ID: <m1@b.example>\r\n\r\nline one\r\n.starts with a dot\r\n".utf8)

    @Test func sendsSeveralMessagesOverOneReusedConnection() throws {
        let sink = try SMTPSink.start()
        defer { sink.remove() }
        let connection = try SMTPConnection(settings: settings(sink))
        for index in 0..<5 {
            try connection.send(envelopeFrom: "list-bounces+u\(index)=x.example@l.example",
                                recipients: ["u\(index)@x.example"], message: message)
        }
        #expect(connection.connectionsOpened == 1)
        let dumps = try sink.dumps()
        #expect(dumps.count == 5)
        #expect(Set(dumps.flatMap(\.recipients)) == Set((0..<5).map { "u\($0)@x.example" }))
        for dump in dumps {
            let recipient = try #require(dump.recipients.first)
            let user = recipient.prefix { $0 != "@" }
            #expect(dump.envelopeFrom == "list-bounces+\(user)=x.example@l.example")
            #expect(dump.header("Message-ID") == "<m1@b.example>")
            // Dot-stuffing was undone by the server: the body arrives unchanged (smtp-sink dumps LF lines).
            #expect(dump.message.contains("line one\n.starts with a dot\n"))
        }
    }

    /// smtp-sink fault options and the error each one must give, for both clients (PipelinedSMTPConnectionTests).
    static let refusals: [([String], SMTPError.Kind, Int, String)] = [
        (["-r", "RCPT"], .transient, 450, "RCPT"),
        (["-f", "RCPT"], .permanent, 500, "RCPT"),
        (["-Q", "RCPT"], .transient, 421, "RCPT"),
        (["-r", "MAIL"], .transient, 450, "MAIL"),
        (["-f", "MAIL"], .permanent, 500, "MAIL"),
        (["-f", "DATA"], .permanent, 500, "DATA"),
        (["-r", "."], .transient, 450, "."),
        (["-f", "."], .permanent, 500, "."),
    ]

    @Test(arguments: Self.refusals)
    func serverRefusalsAreClassified(options: [String], kind: SMTPError.Kind, code: Int, command: String) throws {
        let sink = try SMTPSink.start(options: options)
        defer { sink.remove() }
        let connection = try SMTPConnection(settings: settings(sink))
        let error = #expect(throws: SMTPError.self) {
            try connection.send(envelopeFrom: "s@l.example", recipients: ["r@x.example"], message: message)
        }
        #expect(error?.kind == kind)
        #expect(error?.code == code)
        #expect(error?.command == command)
        // The server's own reply text is kept (smtp-sink's default "Error: command failed").
        #expect(error?.reply.contains("command failed") == true || code == 421)
        if code == 421 { #expect(error?.reply.isEmpty == false) }
        // And the description carries no address.
        #expect(error.map { !$0.description.contains("@") } ?? false)
    }

    @Test func disconnectWithoutReplyIsTransient() throws {
        let sink = try SMTPSink.start(options: ["-q", "RCPT"])
        defer { sink.remove() }
        let connection = try SMTPConnection(settings: settings(sink))
        let error = #expect(throws: SMTPError.self) {
            try connection.send(envelopeFrom: "s@l.example", recipients: ["r@x.example"], message: message)
        }
        #expect(error?.kind == .transient)
        #expect(error?.code == 0)
        let dumps = try sink.dumps()
        #expect(dumps.allSatisfy { !$0.hasContent }, "\(dumps.map(\.message))")
    }

    @Test func aFailedTransactionDoesNotSpoilTheNextOne() throws {
        let sink = try SMTPSink.start(options: ["-r", "RCPT"])
        defer { sink.remove() }
        let connection = try SMTPConnection(settings: settings(sink))
        #expect(throws: SMTPError.self) {
            try connection.send(envelopeFrom: "s@l.example", recipients: ["r@x.example"], message: message)
        }
        try sink.restart()
        try connection.send(envelopeFrom: "s@l.example", recipients: ["r@x.example"], message: message)
        // A dump the sink opened at MAIL for the refused transaction may outlive the restart: only content counts.
        #expect(try sink.dumps().filter(\.hasContent).map(\.recipients) == [["r@x.example"]])
    }

    @Test func starttlsRequiredAgainstAServerWithoutItFailsClearly() throws {
        let sink = try SMTPSink.start()
        defer { sink.remove() }
        let connection = try SMTPConnection(settings: settings(sink, tls: .starttls))
        let error = #expect(throws: SMTPError.self) {
            try connection.send(envelopeFrom: "s@l.example", recipients: ["r@x.example"], message: message)
        }
        #expect(error?.command == "STARTTLS")
        #expect(error?.kind == .transient)
        #expect(error?.reply.contains("STARTTLS required") == true)
        // Nothing went out in clear text.
        #expect(try sink.dumps().isEmpty)
    }

    @Test func connectionRefusedIsTransientWithoutCode() throws {
        let sink = try SMTPSink.start()
        try sink.stop()
        defer { sink.remove() }
        let connection = try SMTPConnection(settings: settings(sink))
        let error = #expect(throws: SMTPError.self) {
            try connection.send(envelopeFrom: "s@l.example", recipients: ["r@x.example"], message: message)
        }
        #expect(error?.kind == .transient)
        #expect(error?.code == 0)
        #expect(error?.command == "CONNECT")
    }

    @Test func anEnvelopeAddressWithCRLFNeverReachesTheWire() throws {
        let sink = try SMTPSink.start()
        defer { sink.remove() }
        let connection = try SMTPConnection(settings: settings(sink))
        let injected = "x@y.example>\r\nRCPT TO:<injected@evil.example"
        for (from, to, command) in [("list-bounces@l.example", injected, "RCPT"), (injected, "u@x.example", "MAIL"),
                                    ("list-bounces@l.example", "nul\0@x.example", "RCPT")] {
            #expect(throws: SMTPError.unsafeEnvelope(command: command)) {
                try connection.send(envelopeFrom: from, recipients: [to], message: message)
            }
        }
        #expect(connection.connectionsOpened == 0, "refused before connecting")
        // The connection still works for a clean envelope, and only that one arrived.
        try connection.send(envelopeFrom: "list-bounces@l.example", recipients: ["u@x.example"], message: message)
        let dumps = try sink.dumps()
        #expect(dumps.count == 1)
        #expect(dumps.flatMap(\.recipients) == ["u@x.example"])
    }

    @Test func aRefusedLoginIsPermanentAndNamed() throws {
        let sink = try SMTPSink.start(options: ["-f", "AUTH"])
        defer { sink.remove() }
        var settings = settings(sink)
        settings.server.user = "gateway"
        settings.password = "wrong"
        let connection = try SMTPConnection(settings: settings)
        do {
            try connection.send(envelopeFrom: "list-bounces@l.example", recipients: ["u@x.example"], message: message)
            Issue.record("the send should have failed")
        } catch {
            #expect(error.isAuthenticationRefused, "\(error)")
            #expect(error.kind == .permanent && error.command == "AUTH")
            #expect(error.description.hasPrefix("SMTP authentication refused"), "\(error)")
            #expect(!error.description.contains("wrong"))
        }
        #expect(try sink.dumps().isEmpty)
    }
}

/// RFC 6152 through libcurl: `BODY=8BITMIME` on MAIL when the body has 8-bit bytes and the server announced
/// 8BITMIME (and DSN, whose ENVID carries libcurl's closing `>`: `SMTPConnection.declares8BitMIME`).
@Suite(.serialized) struct SMTPEightBitMIMETests {
    let seven = Array("From: a@b.example\r\nSubject: seven\r\n\r\nplain ascii\r\n".utf8)
    let eight = Array("From: a@b.example\r\nSubject: eight\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nRéunion à Montpellier\r\n".utf8)

    func settings(_ sink: SMTPSink) -> SMTPSettings {
        SMTPSettings(server: ServerConfig(host: "127.0.0.1", port: sink.port, tls: .none), ehloName: "gateway.test.example",
                     connectTimeout: 10, replyTimeout: 20, transactionTimeout: 60)
    }

    func send(_ messages: [[UInt8]], options: [String]) throws -> [String: String] {
        let sink = try SMTPSink.start(options: options)
        defer { sink.remove() }
        let connection = try SMTPConnection(settings: settings(sink))
        for (index, message) in messages.enumerated() {
            try connection.send(envelopeFrom: "list-bounces+m\(index)=x.example@l.example", recipients: ["m\(index)@x.example"],
                                message: message)
        }
        return Dictionary(uniqueKeysWithValues: try sink.dumps().map { ($0.recipients.first ?? "", $0.mailArgs) })
    }

    @Test func eightBitBodiesAreDeclaredWhenTheServerOffersIt() throws {
        let args = try send([seven, eight, seven, eight], options: [])
        // The first transaction learns the server's extensions; a 7-bit body never declares anything.
        #expect(args["m0@x.example"]?.contains("BODY=") == false)
        #expect(args["m1@x.example"]?.contains("BODY=8BITMIME") == true, "\(args)")
        #expect(args["m2@x.example"]?.contains("BODY=") == false)
        #expect(args["m3@x.example"]?.contains("BODY=8BITMIME") == true)
        // On the wire (libcurl 7.88): the address, BODY, and an ENVID whose xtext value holds libcurl's `>`.
        let wire = args["m1@x.example"] ?? ""
        #expect(wire == "<list-bounces+m1=x.example@l.example> BODY=8BITMIME ENVID=mailgateway>"
            || wire == "<list-bounces+m1=x.example@l.example> BODY=8BITMIME ENVID=mailgateway", "\(wire)")
    }

    @Test func nothingIsDeclaredToAServerWithout8BITMIME() throws {
        let args = try send([seven, eight, eight], options: ["-8"])
        #expect(args.count == 3)
        #expect(args.values.allSatisfy { !$0.contains("BODY=") }, "\(args)")
    }

    /// Postfix's smtpd (3.7) accepts the declaration as libcurl writes it: both 8-bit copies are taken on one
    /// connection, the second one declared.
    @Test func aRealPostfixAcceptsTheDeclaration() async throws {
        let relay = try await PostfixRelay.start(lmtpPort: try FreePorts.take(1)[0])
        defer { relay.stop() }
        let settings = SMTPSettings(server: ServerConfig(host: "127.0.0.1", port: relay.port, tls: .none),
                                    ehloName: "gateway.test.example", connectTimeout: 10, replyTimeout: 20,
                                    transactionTimeout: 60)
        let connection = try SMTPConnection(settings: settings)
        try connection.send(envelopeFrom: "list-bounces@l.example", recipients: ["m0@x.example"], message: eight)
        #expect(connection.serverExtensions.isSuperset(of: ["8BITMIME", "DSN"]))
        try connection.send(envelopeFrom: "list-bounces@l.example", recipients: ["m1@x.example"], message: eight)
        try connection.send(envelopeFrom: "", recipients: ["m2@x.example"], message: eight)
        #expect(connection.connectionsOpened == 1)
    }

    @Test func theDeclarationIsPureLogic() {
        let both: Set<String> = ["8BITMIME", "DSN"]
        #expect(SMTPConnection.declares8BitMIME(message: eight, serverExtensions: both))
        #expect(!SMTPConnection.declares8BitMIME(message: seven, serverExtensions: both))
        #expect(!SMTPConnection.declares8BitMIME(message: eight, serverExtensions: ["8BITMIME"]))
        #expect(!SMTPConnection.declares8BitMIME(message: eight, serverExtensions: []))
        #expect(SMTPConnection.mailFrom("a@b", declaring8BitMIME: false) == "<a@b>")
        #expect(SMTPConnection.mailFrom("", declaring8BitMIME: true) == "<> BODY=8BITMIME ENVID=mailgateway")
    }
}
