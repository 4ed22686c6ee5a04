import Foundation
import Testing
@testable import MailGateway
import TestSupport

/// A real Postfix relay started by scripts/postfix.sh, relaying over LMTP. The LMTP end here is smtp-sink in
/// LMTP mode (-L); the end-to-end test into Dovecot mailboxes belongs with scripts/dovecot.sh (fetch branch).
@Suite(.serialized) struct SMTPRelayTests {
    @Test func copiesSentToTheRelayArriveOverLMTPWithTheirEnvelope() async throws {
        let lmtp = try SMTPSink.start(options: ["-L"])
        defer { lmtp.remove() }
        let relay = try await PostfixRelay.start(lmtpPort: lmtp.port)
        defer { relay.stop() }
        let list = ListIdentity(id: "college-research", name: "Recherche", address: "recherche@lists.example.org",
                                language: .en, subjectPrefix: "[Recherche]", fromRewrite: .never, webBaseURL: nil)
        let post = OutgoingComposer(list: list, footer: "footer").compose(
            raw: Array("From: a@partner.example\nSubject: hello\nMessage-ID: <relay1@partner.example>\n\nbody\n".utf8),
            subject: "hello", author: MailAddress(address: "a@partner.example"))
        let connection = try SMTPConnection(settings: SMTPSettings(
            server: ServerConfig(host: "127.0.0.1", port: relay.port, tls: .none), ehloName: "gateway.test.example"))
        let recipients = ["one@member.example", "two@member.example"]
        // Per-copy VERP (BN-1): the envelope the outbox gives copy n, `recherche+bounce.<token>@`.
        func envelope(_ recipient: String) -> String {
            post.copy(for: recipient).bounceEnvelope!.address(copyID: Int64(recipients.firstIndex(of: recipient)! + 1))
        }
        for recipient in recipients {
            let copy = post.copy(for: recipient)
            try connection.send(envelopeFrom: envelope(recipient), recipients: [recipient], message: copy.bytes)
        }
        // A bound for a loaded 2-core machine where the whole suite starts its servers at once, not a speed.
        let deadline = Date().addingTimeInterval(180)
        var dumps: [SinkDump] = []
        while Date() < deadline {
            dumps = try lmtp.dumps().filter(\.hasContent)
            if dumps.count >= 2 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(dumps.count == 2, "\(relay.logTail())")
        #expect(Set(dumps.flatMap(\.recipients)) == Set(recipients))
        for dump in dumps {
            let recipient = try #require(dump.recipients.first)
            #expect(dump.envelopeFrom == envelope(recipient))
            #expect(dump.envelopeFrom.hasPrefix("recherche+bounce.") && !dump.envelopeFrom.contains("member.example"))
            #expect(dump.header("Message-ID") == "<relay1@partner.example>")
            #expect(dump.header("Subject") == "[Recherche] hello")
        }
    }
}
