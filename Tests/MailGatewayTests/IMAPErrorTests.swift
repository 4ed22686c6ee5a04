import Testing
@testable import MailGateway

@Suite("IMAPError descriptions")
struct IMAPErrorTests {
    @Test func loginFailureNamesUserServerAndServerText() {
        let error = IMAPError(kind: .login, server: "127.0.0.1:10143", user: "alice", command: "LOGIN",
                              serverText: "[AUTHENTICATIONFAILED] Authentication failed.")
        #expect(error.description
            == "login failed for user alice on 127.0.0.1:10143: [AUTHENTICATIONFAILED] Authentication failed.")
        #expect(!error.isTransient)
    }

    @Test func commandFailureNamesFolderAndCommand() {
        let error = IMAPError(kind: .command, server: "imap.example.org:993", user: "list", mailbox: "Archive",
                              command: "UID MOVE", serverText: "Mailbox doesn't exist: Archive")
        #expect(error.description.contains("UID MOVE"))
        #expect(error.description.contains("folder Archive"))
        #expect(error.description.hasSuffix("Mailbox doesn't exist: Archive"))
    }

    @Test func networkErrorsAreTransient() {
        for kind in [IMAPError.Kind.connect, .protocol, .timeout] {
            #expect(IMAPError(kind: kind, server: "h:1", command: "x").isTransient)
        }
        for kind in [IMAPError.Kind.tls, .login, .command] {
            #expect(!IMAPError(kind: kind, server: "h:1", command: "x").isTransient)
        }
    }

    /// RFC 5530: a NO carrying `[SERVERBUG]` or `[UNAVAILABLE]` is the server's failure (Dovecot answers SELECT so
    /// while it shuts down), transient; any other refused command needs an operator.
    @Test func serverFailuresOfACommandAreTransient() {
        let serverBug = "[SERVERBUG] Internal error occurred. Refer to server log for more information."
        #expect(IMAPError(kind: .command, server: "h:1", command: "SELECT", serverText: serverBug).isTransient)
        #expect(IMAPError(kind: .command, server: "h:1", command: "SELECT", serverText: "[unavailable] Try later").isTransient)
        #expect(!IMAPError(kind: .command, server: "h:1", command: "SELECT",
                           serverText: "[NONEXISTENT] Mailbox doesn't exist: Archive").isTransient)
        #expect(!IMAPError(kind: .login, server: "h:1", command: "LOGIN", serverText: serverBug).isTransient)
    }
}

@Suite("IMAP folder names (modified UTF-7, RFC 3501 §5.1.3)")
struct IMAPFolderNameTests {
    @Test(arguments: [
        ("INBOX", "INBOX"),
        ("Traités", "Trait&AOk-s"),
        ("Tom & Jerry", "Tom &- Jerry"),
        ("日本語", "&ZeVnLIqe-"),
        ("Archive/2026", "Archive/2026"),
        ("Ç", "&AMc-"),
    ])
    func encodesLikeRFC3501(name: String, wire: String) {
        #expect(IMAPFolderName.encode(name) == wire)
    }
}
