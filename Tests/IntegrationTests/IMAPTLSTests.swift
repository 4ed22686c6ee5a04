import Foundation
import MailGateway
import Testing
import TestSupport

/// Dovecot's certificate is self-signed for `localhost` only: the system store does not trust it, and it does
/// not name 127.0.0.1. So the same server is refused by default, accepted when `caFile` names the certificate
/// and the host is `localhost`, and refused again when the host is `127.0.0.1`.
@Suite("IMAP TLS verification", .enabled(if: DovecotServer.available, Comment(rawValue: DovecotServer.absentMessage)))
struct IMAPTLSTests {
    /// Whether Dovecot saw a login for `alice` (it logs `Login: user=<alice>`): a refused certificate must
    /// stop us before the password is sent.
    private func loginWasLogged(_ dovecot: DovecotServer) -> Bool {
        let log = (try? String(contentsOfFile: dovecot.logPath, encoding: .utf8)) ?? ""
        return log.contains("Login: user=<\(IMAPTest.user)>")
    }

    @Test func selfSignedCertificateIsRefusedByDefault() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let client = IMAPClient(server: dovecot.imap(user: IMAPTest.user, tls: .tls, host: "localhost"),
                                logger: IMAPTest.logger)
        let error = try await #require(throws: IMAPError.self) { try await client.connect(password: IMAPTest.password) }
        #expect(error.kind == .tls)
        #expect(error.reason?.contains("self-signed") == true)
        #expect(error.description.contains("localhost:\(dovecot.imapsPort)"))
        #expect(await !client.isConnected)
        #expect(!loginWasLogged(dovecot))
    }

    @Test func certificateNamedInCAFileIsAccepted() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let server = dovecot.imap(user: IMAPTest.user, tls: .tls, host: "localhost", caFile: dovecot.certificatePath)
        let client = IMAPClient(server: server, logger: IMAPTest.logger)
        try await client.connect(password: IMAPTest.password)
        try await client.append(IMAPTest.message(1), to: "INBOX")
        #expect(try await client.select("INBOX").exists == 1)
        #expect(try await client.fetchMessages(uids: [1]).first?.bytes == IMAPTest.message(1))
        #expect(loginWasLogged(dovecot))
    }

    @Test func certificateFromAPrivateCAIsAcceptedOnlyWhenCAFileNamesTheCA() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password], privateCA: true)
        defer { dovecot.stop() }
        let refused = IMAPClient(server: dovecot.imap(user: IMAPTest.user, tls: .tls, host: "localhost"),
                                 logger: IMAPTest.logger)
        let error = try await #require(throws: IMAPError.self) { try await refused.connect(password: IMAPTest.password) }
        #expect(error.kind == .tls)
        #expect(error.reason?.contains("does not chain to a trusted root") == true)

        // The leaf is not in the trust store, its issuer is: a real chain is built and checked.
        let accepted = IMAPClient(server: dovecot.imap(user: IMAPTest.user, tls: .tls, host: "localhost",
                                                       caFile: dovecot.caCertificatePath),
                                  logger: IMAPTest.logger)
        try await accepted.connect(password: IMAPTest.password)
        #expect(try await accepted.select("INBOX").exists == 0)
    }

    @Test func hostNameMismatchIsRefusedEvenWithCAFile() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let server = dovecot.imap(user: IMAPTest.user, tls: .tls, host: "127.0.0.1", caFile: dovecot.certificatePath)
        let client = IMAPClient(server: server, logger: IMAPTest.logger)
        let error = try await #require(throws: IMAPError.self) { try await client.connect(password: IMAPTest.password) }
        #expect(error.kind == .tls)
        #expect(error.reason?.contains("127.0.0.1") == true)
        #expect(!loginWasLogged(dovecot))
    }

    @Test func startTLSIsVerifiedToo() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let refused = IMAPClient(server: dovecot.imap(user: IMAPTest.user, tls: .starttls, host: "localhost"),
                                 logger: IMAPTest.logger)
        let error = try await #require(throws: IMAPError.self) { try await refused.connect(password: IMAPTest.password) }
        #expect(error.kind == .tls)
        #expect(!loginWasLogged(dovecot))

        let accepted = IMAPClient(server: dovecot.imap(user: IMAPTest.user, tls: .starttls, host: "localhost",
                                                       caFile: dovecot.certificatePath),
                                  logger: IMAPTest.logger)
        let capabilities = try await accepted.connect(password: IMAPTest.password)
        #expect(capabilities.idle)
        #expect(try await accepted.select("INBOX").exists == 0)
    }

    @Test func unreadableCAFileIsATLSErrorNamingIt() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let missing = dovecot.directory.appendingPathComponent("no-such-ca.pem").path
        let client = IMAPClient(server: dovecot.imap(user: IMAPTest.user, tls: .tls, host: "localhost", caFile: missing),
                                logger: IMAPTest.logger)
        let error = try await #require(throws: IMAPError.self) { try await client.connect(password: IMAPTest.password) }
        #expect(error.kind == .tls)
        #expect(error.reason?.contains(missing) == true)
    }
}
