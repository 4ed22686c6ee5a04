import Foundation
import Testing
@testable import MailGateway

/// Moderators' replies as Gmail, Outlook and Thunderbird build them, greetings first.
@Suite("Moderation by email: reading the moderator's words")
struct ModeratorReplyTests {
    static let token = "MOD-7-1764003600-0123456789abcdef0123456789abcdef"
    static let now = ModerationTests.now
    /// The request as the moderator received it (what a client quotes).
    static let request = """
        Bonjour,

        Un message adressé à la liste Recherche (recherche@lists.example.org) attend votre décision.

        Pour décider, répondez à ce message en gardant l'objet intact (il contient [\(token)]) et en écrivant sur la première ligne un seul de ces mots :
        - approuver : le message est diffusé ;
        - rejeter : le message n'est pas diffusé et l'auteur est prévenu ;
        - supprimer : le message n'est pas diffusé, sans prévenir l'auteur.
        """

    static func quoted(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? ">" : "> " + $0 }
            .joined(separator: "\n")
    }

    static func gmail(_ top: String) -> String {
        "\(top)\n\nOn Sat, Dec 6, 2026 at 10:00 AM Recherche <recherche+owner@lists.example.org> wrote:\n\n"
            + quoted(request) + "\n"
    }

    static func outlook(_ top: String, french: Bool) -> String {
        let block = french
            ? "De : Recherche <recherche+owner@lists.example.org>\nEnvoyé : samedi 6 décembre 2026 10:00\nÀ : Marie Dupont <marie@inrae.fr>\nObjet : [\(token)] À modérer"
            : "From: Recherche <recherche+owner@lists.example.org>\nSent: Saturday, December 6, 2026 10:00 AM\nTo: Marie Dupont\nSubject: [\(token)] To moderate"
        return "\(top)\n\n________________________________\n\(block)\n\n\(request)\n"
    }

    static func outlookNoSeparator(_ top: String) -> String {
        "\(top)\r\n\r\nDe : Recherche <recherche+owner@lists.example.org>\r\nEnvoyé : samedi 6 décembre 2026 10:00\r\n"
            + "À : Marie\r\nObjet : [\(token)]\r\n\r\n" + request.replacingOccurrences(of: "\n", with: "\r\n")
    }

    static func thunderbird(_ top: String) -> String {
        "\(top)\n\nLe 06/12/2026 à 10:00, Recherche a écrit :\n" + quoted(request) + "\n"
    }

    static let shapes: [(String, @Sendable (String) -> String)] = [
        ("gmail", gmail), ("outlook-fr", { outlook($0, french: true) }), ("outlook-en", { outlook($0, french: false) }),
        ("outlook-bare", outlookNoSeparator), ("thunderbird", thunderbird),
    ]

    @Test(arguments: [
        ("Bonjour,\n\napprouver\n\nCordialement\nMarie", ModeratorAction.approve),
        ("Bonjour Paul,\napprouver", .approve), ("Hello,\n\nApprove.", .approve), ("Hi all,\nreject", .reject),
        ("Hola,\n\naprobar", .approve), ("Buenos días,\n\nrechazar", .reject), ("Dear Anne,\n\ndiscard", .discard),
        ("Chère Anne,\nsupprimer", .discard), ("Bonjour\nrejeter : hors sujet", .reject), ("approuver", .approve),
    ])
    func clientReplyShapesParseToTheAction(top: String, action: ModeratorAction) throws {
        for (name, shape) in Self.shapes {
            let body = shape(top)
            let command = try ModeratorCommand.parse(subject: "RE: [\(Self.token)] À modérer", body: body, now: Self.now)
            #expect(command.action == action, "\(name): \(top)")
            #expect(command.token.holdID == 7)
            #expect(ModeratorCommand.readDecision(body: body)?.action == action, "\(name) without the token")
        }
    }

    @Test func theRejectReasonSurvivesEveryShape() {
        for (name, shape) in Self.shapes {
            let d = ModeratorCommand.readDecision(body: shape("Bonjour,\n\nrejeter : hors sujet pour ce groupe\n\nMarie"))
            #expect(d == ModeratorDecision(action: .reject, reason: "hors sujet pour ce groupe"), "\(name)")
        }
    }

    @Test(arguments: [
        "Ok, je regarde demain", "OK", "okay", "Ok", "Bonjour,\n\nOk, je regarde demain\n\napprouver",
        "Bonjour,\n\nJe regarde demain.", "Bonjour,\n\nCordialement", "Drop me a line", "Toujours pas d'avis",
    ])
    func sentencesThatAreNotDecisions(top: String) {
        for (name, shape) in Self.shapes {
            #expect(ModeratorCommand.readDecision(body: shape(top)) == nil, "\(name): \(top)")
        }
        #expect(throws: ModeratorCommand.Failure.noCommandWord) {
            try ModeratorCommand.parse(subject: "Re: [\(Self.token)]", body: Self.gmail(top), now: Self.now)
        }
    }

    @Test func theQuotedRequestsOwnWordsNeverDecide() {
        // Nothing written above the quote: the request's "- approuver : ..." lines must not be read.
        for (name, shape) in Self.shapes {
            #expect(ModeratorCommand.readDecision(body: shape("")) == nil, "\(name)")
        }
    }

    @Test(arguments: [
        ("approve always", true), ("Approve and accept the sender from now on", true), ("accept sender", true),
        ("approuver et accepter", true), ("Approuver et accepter l'expéditeur désormais", true),
        ("approuver toujours", true), ("aprobar siempre", true), ("aprobar y aceptar al remitente", true),
        ("approve", false), ("approuver, merci", false), ("aprobar.", false), ("reject always", false),
    ])
    func approveAndAllowTheSender(line: String, allow: Bool) throws {
        let d = try #require(ModeratorCommand.readDecision(body: Self.thunderbird("Bonjour,\n\n\(line)")))
        #expect(d.alsoAllowSender == allow, "\(line)")
        let c = try ModeratorCommand.parse(subject: "Re: [\(Self.token)]", body: "\(line)\n", now: Self.now)
        #expect(c.alsoAllowSender == allow)
    }

    @Test func htmlOnlyOutlookReplies() {
        func reply(_ top: String) -> String {
            HTMLText.render("""
                <html><body><div>\(top)</div><hr><div id="divRplyFwdMsg"><b>De :</b> Recherche &lt;recherche+owner@lists.example.org&gt;<br>
                <b>Envoyé :</b> samedi 6 décembre 2026 10:00<br><b>À :</b> Marie<br><b>Objet :</b> [\(Self.token)]</div>
                <p>- approuver : le message est diffusé ;</p><p>- rejeter : le message n'est pas diffusé</p></body></html>
                """)
        }
        #expect(ModeratorCommand.readDecision(body: reply("<p>Bonjour,</p><p>rejeter : doublon</p>"))
                == ModeratorDecision(action: .reject, reason: "doublon"))
        #expect(ModeratorCommand.readDecision(body: reply("<p>Bonjour,</p>")) == nil)
    }

    @Test func bottomPostingBelowTheQuote() {
        let body = "Le 06/12/2026 à 10:00, Recherche a écrit :\n" + Self.quoted(Self.request) + "\n\nBonjour,\napprouver\n"
        #expect(ModeratorCommand.readDecision(body: body)?.action == .approve)
        #expect(ModeratorCommand.readDecision(body: "> approuver\n>\n\nrejeter : hors sujet\n")
                == ModeratorDecision(action: .reject, reason: "hors sujet"))
    }

    @Test(arguments: ["Bonjour,", "Bonjour Marie,", "Hello,", "Hi all,", "Hola,", "Buenos días,", "Dear X,",
                      "Chère Anne,", "Bonjour Marie", "Buenos días a todos", "Good morning"])
    func greetings(line: String) {
        #expect(ModeratorCommand.isGreeting(line))
    }

    @Test(arguments: ["Je regarde demain", "Ok, je regarde demain", "Pouvez-vous attendre la réunion de lundi prochain,"])
    func notGreetings(line: String) {
        #expect(!ModeratorCommand.isGreeting(line))
    }
}
