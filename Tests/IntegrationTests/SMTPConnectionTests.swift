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

    @Test(arguments: [
        (["-r", "RCPT"], SMTPError.Kind.transient, 450, "RCPT"),
        (["-f", "RCPT"], .permanent, 500, "RCPT"),
        (["-Q", "RCPT"], .transient, 421, "RCPT"),
        (["-r", "MAIL"], .transient, 450, "MAIL"),
        (["-f", "MAIL"], .permanent, 500, "MAIL"),
        (["-f", "DATA"], .permanent, 500, "DATA"),
        (["-r", "."], .transient, 450, "."),
        (["-f", "."], .permanent, 500, "."),
    ])
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
        #expect(try sink.dumps().map(\.recipients) == [["r@x.example"]])
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
