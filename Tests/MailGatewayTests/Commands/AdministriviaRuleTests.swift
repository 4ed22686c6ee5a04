import Foundation
import Testing
import TestSupport
@testable import MailGateway

@Suite("Policy: posts that look like a command (CM-11)")
struct AdministriviaRuleTests {
    static func post(subject: String, body: String) -> ParsedMessage {
        var m = PolicyTests.message(subject: subject)
        m.text = body
        return m
    }

    static func decide(_ m: ParsedMessage, sender: SenderIdentity? = PolicyTests.marie) -> PolicyDecision {
        PolicyChain.standard.decide(PolicyTests.context(m, sender: sender))
    }

    @Test(arguments: [
        ("désabonner", ""), ("Re: désabonner", "\n"), ("", "désabonner"), ("Unsubscribe me please", "Marie\nINRAE"),
        ("(no subject)", "Unsubscribe me please\nThanks"), ("aide", ""), ("Help", ""), ("darme de baja", "gracias"),
        ("Subscribe", ""), ("Hola", "Quiero darme de baja de esta lista, por favor.\nAna"),
        ("Question", "Bonjour,\n\nje veux me désabonner\n\nMarie"), ("nomail", ""), ("set digest", ""),
        ("DÉSABONNEMENT", "-- \nMarie Dupont, INRAE\nUnité Sols"),
    ])
    func heldWithTheRightAddresses(subject: String, body: String) {
        let d = Self.decide(Self.post(subject: subject, body: body))
        #expect(d == PolicyDecision(action: .hold, rule: "administrivia", reason: .looksLikeACommand,
                                    notice: .looksLikeACommand), "\(subject) / \(body)")
    }

    @Test(arguments: [
        ("Help needed with the soil carbon budget", "Could someone look at the attached figures?"),
        ("Réunion de mars", "Bonjour,\n\nVoici l'ordre du jour.\n\nMerci de confirmer votre présence."),
        ("Budget 2027", "Dear all,\n\nThe draft is attached.\n\nIf you need help, ask Anne."),
        ("Unsubscribe rates of our newsletters", "A short note on the figures."),
        ("Mode d'emploi du nouvel outil", "Voir la pièce jointe."),
        ("Aucun problème", "pour moi c'est bon"),
        ("Can you help me?", "I cannot open the file from the last meeting."),
        ("Question", "Pouvez-vous m'aider ?"),
    ])
    func ordinaryPostsAreAccepted(subject: String, body: String) {
        let d = Self.decide(Self.post(subject: subject, body: body))
        #expect(d == PolicyDecision(action: .accept, rule: "sender-identity", reason: .entitled), "\(subject)")
    }

    @Test func helpInTheThirdParagraphOfANormalPostIsNotACommand() {
        let body = """
        Dear colleagues,

        Please find attached the minutes of the December meeting, with the actions agreed.

        If anyone can help with the field measurements, please tell me.

        We will discuss the soil carbon measurement protocol at the next meeting, in Montpellier.
        """
        #expect(Self.decide(Self.post(subject: "Minutes", body: body)).rule == "sender-identity")
    }

    @Test func aLongMessageIsAPostWhateverItsSubject() {
        let body = "unsubscribe\n" + String(repeating: "Some real content about the project. ", count: 20)
        #expect(Self.decide(Self.post(subject: "unsubscribe", body: body)).rule == "sender-identity")
    }

    /// A member's Reply to a list post, "désabonner" typed above what the client quotes: only the written part
    /// counts towards "a short message", not the quoted post or the signature below it.
    @Test(arguments: [
        // Gmail: the attribution line, then the quoted post.
        "Désabonner\n\nLe jeu. 3 déc. 2026 à 09:12, Marie Dupont <marie@inrae.example> a écrit :\n",
        // Outlook: a rule, then the header block of the original.
        "unsubscribe\n\n________________________________\nFrom: Marie Dupont <marie@inrae.example>\nSent: Thursday\n",
        // A long signature under the word.
        "darme de baja\n-- \n" + String(repeating: "Ana García, Universidad, Departamento de Suelos\n", count: 12),
    ])
    func aReplyWithTheWordAboveAQuoteIsHeld(body: String) {
        let quote = String(repeating: "> Compte rendu de la réunion de novembre sur le carbone des sols.\n", count: 20)
        let d = Self.decide(Self.post(subject: "Re: [Recherche] Compte rendu", body: body + quote))
        #expect(d.reason == .looksLikeACommand && d.action == .hold, "\(body)")
    }

    @Test func aLongWrittenReplyAboveAQuoteIsAPost() {
        let written = "unsubscribe\n" + String(repeating: "Some real content about the project. ", count: 20) + "\n"
        let body = written + "\nOn Thu, 3 Dec 2026, Marie wrote:\n> the post\n"
        #expect(Self.decide(Self.post(subject: "Re: unsubscribe", body: body)).rule == "sender-identity")
    }

    @Test func anUnknownSendersCommandGetsTheNonPartnerAnswer() {
        let d = Self.decide(Self.post(subject: "unsubscribe", body: ""), sender: nil)
        #expect(d.rule == "sender-identity" && d.reason == .nonMember)
    }

    @Test func aKnownSenderWhoMayNotPostGetsTheAddressesRatherThanARefusal() {
        // Marie may not post to the funders' list, but her "unsubscribe" there is a command, not a post.
        let m = Self.post(subject: "unsubscribe", body: "")
        let d = PolicyChain.standard.decide(PolicyTests.context(m, list: MembersFixtures.funders))
        #expect(d.reason == .looksLikeACommand && d.action == .hold)
    }

    @Test func aModeratorReplyToTheListIsHeldWithoutNotice() {
        let m = Self.post(subject: "RE: [MOD-7-1764003600-0123456789abcdef0123456789abcdef] À modérer : Soil",
                          body: "approuver\n\n" + String(repeating: "long quoted request ", count: 60))
        for sender in [PolicyTests.marie, nil] {
            let d = Self.decide(m, sender: sender)
            #expect(d == PolicyDecision(action: .hold, rule: "administrivia", reason: .looksLikeAModeratorReply))
            #expect(!PolicyChain.noticeAllowed(for: d))
        }
    }

    @Test func aReplyToATokenSubjectIsHeldToo() {
        let token = ConfirmationToken().description
        let m = Self.post(subject: "Re: [Instituts de recherche] Offre de stage — Un Inconnu (\(token))",
                          body: "approuver\n\n" + String(repeating: "long quoted request ", count: 60))
        #expect(Self.decide(m, sender: PolicyTests.marie).reason == .looksLikeAModeratorReply)
        // Parentheses that hold no token are an ordinary subject.
        let ordinary = Self.post(subject: "Réunion (salle 2)", body: String(repeating: "texte ", count: 120))
        #expect(Self.decide(ordinary, sender: PolicyTests.marie).reason != .looksLikeAModeratorReply)
        #expect(!AdministriviaRule.endsWithRequestToken("Re: (abcdefghijklmnopqrstuvwxy1)"), "1 is not base32")
    }

    @Test func theRuleComesAfterSpoofingAndSize() {
        let names = PolicyChain.standard.rules.map(\.name)
        #expect(names == ["loop", "bounce", "auto-reply", "announce-poster", "spoofing", "digest-reply", "size", "administrivia",
                          "sender-identity"])
        let unproven = PolicyChain.standard.decide(PolicyTests.context(Self.post(subject: "unsubscribe", body: ""),
                                                                       trusted: PolicyTests.trusted))
        #expect(unproven.rule == "spoofing")
    }

    @Test(arguments: Language.allCases)
    func theNoticeGivesTheAddressesInEveryLanguage(language: Language) throws {
        let composer = try NoticeComposer(templatesDirectory: TemplatesTests.templates)
        let values = NoticeValues(platformName: "4 pour 1000", originalSubject: "désabonner",
                                  reason: .looksLikeACommand, recipientName: "Marie")
        let notice = try composer.render(.looksLikeACommand, language: language, list: MembersFixtures.research,
                                         values: values)
        #expect(notice.subject.contains("désabonner"))
        for address in ["recherche+leave@lists.example.org", "recherche+help@lists.example.org",
                        "recherche+request@lists.example.org", "recherche@lists.example.org"] {
            #expect(notice.body.contains(address), "\(language) \(address)")
        }
        #expect(!notice.body.contains("{{"))
        let request = try composer.render(.moderationRequest, language: language, list: MembersFixtures.research,
                                          values: values)
        let reasonLine = try #require(request.body.split(separator: "\n").first {
            $0.hasPrefix("Moti") || $0.hasPrefix("Reason")
        })
        #expect(reasonLine.count > 20, "the moderators are told why: \(reasonLine)")
    }
}
