import Foundation
import Testing
@testable import MailGateway

@Suite("Policy")
struct PolicyTests {
    static let trusted = "mx.lists.example.org"

    static func message(from: String = "Marie.Dupont@INRAE.fr", subject: String = "Soil carbon data",
                        headers extra: [(String, String)] = [], contentType: String = "text/plain") -> ParsedMessage {
        var headers = [MessageHeader(name: "From", value: "Marie <\(from)>"),
                       MessageHeader(name: "Subject", value: subject)]
        headers += extra.map { MessageHeader(name: $0.0, value: $0.1) }
        if contentType != "text/plain" { headers.append(MessageHeader(name: "Content-Type", value: contentType)) }
        return ParsedMessage(messageID: "abc@inrae.fr", subject: subject, from: [MailAddress(address: from)],
                             headers: headers,
                             contentType: String(contentType.prefix { $0 != ";" }).lowercased())
    }

    static let marie = SenderIdentity(
        personID: 1, name: "Marie Dupont", language: .fr,
        organisation: Organisation(id: 1, name: "INRAE", country: "France", college: .research, isFunder: false),
        roles: ["college-research": .member])
    static let ana = SenderIdentity(
        personID: 2, name: "Ana García", language: .es,
        organisation: Organisation(id: 2, name: "MAPA", country: "España", college: .states, isFunder: true),
        roles: ["college-states": .member, "funders": .member])
    static let awa = SenderIdentity(personID: 3, name: "Awa Diop", language: .fr, organisation: nil,
                                    roles: ["individuals": .member])

    static func context(_ message: ParsedMessage, list: ListConfig = MembersFixtures.research,
                        sender: SenderIdentity? = marie, size: Int = 2_000, trusted: String? = nil,
                        secretariat: Set<String> = []) -> PostContext {
        PostContext(message: message, rawSize: size, list: list, sender: sender, lists: MembersFixtures.lists,
                    ownListIDs: ["college-research.lists.example.org", "funders.lists.example.org"],
                    ownAddresses: ["recherche@lists.example.org", "bailleurs@lists.example.org"],
                    trustedAuthservID: trusted, secretariat: secretariat)
    }

    static func decide(_ c: PostContext) -> PolicyDecision { PolicyChain.standard.decide(c) }

    // MARK: loop

    @Test func ownListIdIsALoop() {
        let d = Self.decide(Self.context(Self.message(headers: [("List-Id", "Recherche <College-Research.lists.example.org>")])))
        #expect(d == PolicyDecision(action: .discard, rule: "loop", reason: .loop))
    }

    @Test func ownXLoopIsALoop() {
        let d = Self.decide(Self.context(Self.message(headers: [("X-Loop", "recherche@lists.example.org")])))
        #expect(d.rule == "loop" && d.action == .discard && d.notice == nil)
    }

    // MARK: bounce

    @Test func deliveryStatusNotificationIsKeptAsBounce() {
        let m = Self.message(from: "someone@inrae.fr",
                             contentType: "multipart/report; report-type=delivery-status; boundary=x")
        let d = Self.decide(Self.context(m))
        #expect(d == PolicyDecision(action: .bounce, rule: "bounce", reason: .deliveryStatus))
    }

    @Test func mailerDaemonIsABounce() {
        let d = Self.decide(Self.context(Self.message(from: "MAILER-DAEMON@mx.inrae.fr"), sender: nil))
        #expect(d.action == .bounce && d.notice == nil)
    }

    // MARK: auto-reply and bulk

    @Test func autoSubmittedAutoRepliedIsDiscarded() {
        let d = Self.decide(Self.context(Self.message(headers: [("Auto-Submitted", "auto-replied (vacation)")])))
        #expect(d == PolicyDecision(action: .discard, rule: "auto-reply", reason: .autoReply))
    }

    @Test func autoSubmittedNoIsNotDiscarded() {
        let d = Self.decide(Self.context(Self.message(headers: [("Auto-Submitted", " No ")])))
        #expect(d == PolicyDecision(action: .accept, rule: "sender-identity", reason: .entitled))
    }

    @Test(arguments: [("Precedence", "bulk"), ("Precedence", "JUNK"), ("Precedence", "list"),
                      ("X-Autoreply", "yes"), ("X-Autorespond", "1"),
                      ("List-Id", "Other list <other.lists.example.net>")])
    func bulkAndAutorespondersAreDiscarded(header: String, value: String) {
        let d = Self.decide(Self.context(Self.message(headers: [(header, value)])))
        #expect(d.action == .discard)
        #expect(d.rule == "auto-reply")
        #expect(d.notice == nil)
    }

    @Test(arguments: ["AUTO: Smith, John is out of the office.", "Automatic reply: Soil", "Réponse automatique : Sol",
                      "Respuesta automática: Suelo", "Out of Office AutoReply: x"])
    func outOfOfficeSubjectsAreDiscarded(subject: String) {
        #expect(Self.decide(Self.context(Self.message(subject: subject))).reason == .autoReply)
    }

    @Test func ordinarySubjectsAreNotAutoReplies() {
        for subject in ["Auto: the car of the future", "Automation of soil sampling", "Re: Automatic reply handling"] {
            #expect(Self.decide(Self.context(Self.message(subject: subject))).action == .accept, "\(subject)")
        }
    }

    @Test func readReceiptIsDiscarded() {
        let m = Self.message(contentType: "multipart/report; report-type=disposition-notification; boundary=b")
        #expect(Self.decide(Self.context(m)).reason == .autoReply)
    }

    @Test func precedenceFirstClassIsPosted() {
        #expect(Self.decide(Self.context(Self.message(headers: [("Precedence", "first-class")]))).action == .accept)
    }

    // MARK: size

    @Test func oversizedPostIsHeld() {
        let d = Self.decide(Self.context(Self.message(), size: 100_001))
        #expect(d == PolicyDecision(action: .hold, rule: "size", reason: .tooLarge, notice: .heldForModeration))
        #expect(Self.decide(Self.context(Self.message(), size: 100_000)).action == .accept)
        // A list without a limit holds nothing for size.
        #expect(Self.decide(Self.context(Self.message(), list: MembersFixtures.states, sender: Self.ana,
                                         size: 10_000_000)).action == .accept)
    }

    // MARK: spoofing

    @Test func forgedAuthenticationResultsFromAnotherServerAreIgnored() {
        // The forged header claims a pass from an untrusted server; the trusted one says DKIM fail.
        let m = Self.message(headers: [
            ("Authentication-Results", "mx.evil.example; dkim=pass header.d=inrae.fr; dmarc=pass header.from=inrae.fr"),
            ("Authentication-Results", "\(Self.trusted); dkim=fail header.d=inrae.fr; spf=softfail smtp.mailfrom=x@spam.example"),
        ])
        let d = Self.decide(Self.context(m, trusted: Self.trusted))
        #expect(d == PolicyDecision(action: .hold, rule: "spoofing", reason: .notAuthenticated))
        // Only a forged header: still held.
        let onlyForged = Self.message(headers: [
            ("Authentication-Results", "mx.evil.example; dkim=pass header.d=inrae.fr; spf=pass smtp.mailfrom=inrae.fr"),
        ])
        #expect(Self.decide(Self.context(onlyForged, trusted: Self.trusted)).rule == "spoofing")
    }

    @Test func authenticationResultsBelowTheFirstReceivedAreIgnored() {
        // The border MTA's result on top, then its Received; below, a field the sender planted with the trusted id.
        let planted = Self.message(headers: [
            ("Authentication-Results", "\(Self.trusted); spf=fail smtp.mailfrom=mallory@evil.example; dkim=none"),
            ("Received", "from evil.example by \(Self.trusted); Wed, 25 Nov 2026 10:00:00 +0100"),
            ("Authentication-Results", "\(Self.trusted); dkim=pass header.d=inrae.fr"),
        ])
        #expect(Self.decide(Self.context(planted, trusted: Self.trusted))
                == PolicyDecision(action: .hold, rule: "spoofing", reason: .notAuthenticated))
        // Only a planted one below a Received: no trusted result at all, held.
        let onlyPlanted = Self.message(headers: [
            ("Received", "from evil.example by \(Self.trusted); Wed, 25 Nov 2026 10:00:00 +0100"),
            ("Authentication-Results", "\(Self.trusted); dkim=pass header.d=inrae.fr; dmarc=pass header.from=inrae.fr"),
        ])
        #expect(Self.decide(Self.context(onlyPlanted, trusted: Self.trusted)).reason == .notAuthenticated)
        // The same pass above the first Received is the MTA's own: accepted.
        let real = Self.message(headers: [
            ("Authentication-Results", "\(Self.trusted); dkim=pass header.d=inrae.fr"),
            ("Received", "from mail.inrae.fr by \(Self.trusted); Wed, 25 Nov 2026 10:00:00 +0100"),
        ])
        #expect(Self.decide(Self.context(real, trusted: Self.trusted)).action == .accept)
    }

    @Test func alignedDKIMPassIsAccepted() {
        let m = Self.message(headers: [
            ("Authentication-Results", "\(Self.trusted) 1; dkim=pass (2048-bit key) header.d=mail.inrae.fr header.s=s1 header.b=abc; spf=fail smtp.mailfrom=bounce@esp.example"),
        ])
        let d = Self.decide(Self.context(m, trusted: Self.trusted.uppercased()))
        #expect(d == PolicyDecision(action: .accept, rule: "sender-identity", reason: .entitled))
    }

    @Test func unalignedDKIMPassIsHeld() {
        let m = Self.message(headers: [
            ("Authentication-Results", "\(Self.trusted); dkim=pass header.d=mailchimp.example; spf=pass smtp.mailfrom=bounces@mailchimp.example"),
        ])
        #expect(Self.decide(Self.context(m, trusted: Self.trusted)).reason == .notAuthenticated)
    }

    @Test func alignedSPFPassIsAccepted() {
        let m = Self.message(headers: [
            ("Authentication-Results", "\(Self.trusted); dkim=none; spf=pass smtp.mailfrom=\"marie@relay.inrae.fr\""),
        ])
        #expect(Self.decide(Self.context(m, trusted: Self.trusted)).action == .accept)
    }

    @Test func dmarcFailIsHeldEvenFromAPartner() {
        let m = Self.message(headers: [
            ("Authentication-Results", "\(Self.trusted); dkim=pass header.d=inrae.fr; dmarc=fail (p=reject) header.from=inrae.fr"),
        ])
        let d = Self.decide(Self.context(m, trusted: Self.trusted))
        #expect(d == PolicyDecision(action: .hold, rule: "spoofing", reason: .dmarcFail))
    }

    @Test func spoofingRuleIsOffWithoutATrustedServer() {
        #expect(Self.decide(Self.context(Self.message(), trusted: nil)).action == .accept)
    }

    @Test func authenticationResultsParsing() throws {
        let ar = try #require(AuthenticationResults(
            "Mx.Example.org 1; (comment; with semicolon) dkim/1=pass reason=\"good sig\" header.i=@sub.inrae.fr; spf=neutral smtp.mailfrom=a@b.c; dmarc=none"))
        #expect(ar.authservID == "mx.example.org")
        #expect(ar.results.map(\.method) == ["dkim", "spf", "dmarc"])
        #expect(ar.results[0].result == "pass")
        #expect(ar.results[0].properties == ["header.i": "@sub.inrae.fr"])
        #expect(ar.results[1].properties["smtp.mailfrom"] == "a@b.c")
        #expect(AuthenticationResults("mx.example.org; none")?.results.isEmpty == true)
    }

    @Test func relaxedAlignmentUsesTheOrganisationalDomain() {
        #expect(DomainAlignment.aligned("mail.inrae.fr", "INRAE.fr"))
        #expect(DomainAlignment.aligned("news.cirad.fr", "cirad.fr."))
        #expect(!DomainAlignment.aligned("inrae.fr", "cirad.fr"))
        #expect(DomainAlignment.organisationalDomain("a.b.defra.gov.uk") == "defra.gov.uk")
        #expect(!DomainAlignment.aligned("defra.gov.uk", "evil.gov.uk"))
    }

    // MARK: sender identity

    @Test func entitledPartnerIsAccepted() {
        #expect(Self.decide(Self.context(Self.message())) ==
                PolicyDecision(action: .accept, rule: "sender-identity", reason: .entitled))
    }

    @Test func wrongCollegePartnerIsRejectedWithTheRightGroups() {
        let d = Self.decide(Self.context(Self.message(from: "ana@mapa.gob.es"), sender: Self.ana))
        #expect(d == PolicyDecision(action: .reject, rule: "sender-identity", reason: .notEntitled, notice: .notEntitled))
        let groups = PostingRights.postableLists(Self.ana, among: MembersFixtures.lists).map(\.id)
        #expect(groups == ["college-states", "funders", "interface-knowledge"])
        #expect(PostingRights.postableLists(Self.awa, among: MembersFixtures.lists).map(\.id)
                == ["individuals", "interface-knowledge"])
    }

    @Test func nonPartnerFollowsTheListSetting() {
        let stranger = Self.message(from: "someone@gmail.example")
        #expect(Self.decide(Self.context(stranger, sender: nil)) ==
                PolicyDecision(action: .reject, rule: "sender-identity", reason: .nonMember, notice: .notAPartner))
        #expect(Self.decide(Self.context(stranger, list: MembersFixtures.funders, sender: nil)) ==
                PolicyDecision(action: .hold, rule: "sender-identity", reason: .nonMember, notice: .heldForModeration))
        #expect(Self.decide(Self.context(stranger, list: MembersFixtures.individuals, sender: nil)) ==
                PolicyDecision(action: .discard, rule: "sender-identity", reason: .nonMember))
    }

    @Test func interfacesAreOpenToEveryPartnerAndIndividual() {
        #expect(Self.decide(Self.context(Self.message(), list: MembersFixtures.knowledge, sender: Self.ana)).action == .accept)
        #expect(Self.decide(Self.context(Self.message(), list: MembersFixtures.knowledge, sender: Self.awa)).action == .accept)
        #expect(Self.decide(Self.context(Self.message(), list: MembersFixtures.knowledge, sender: nil)).action == .reject)
    }

    @Test func announceAcceptsModeratorsAndSecretariatOnly() {
        let list = MembersFixtures.announce
        #expect(Self.decide(Self.context(Self.message(), list: list)).reason == .notEntitled)
        var member = Self.marie
        member.roles["announce"] = .member
        #expect(Self.decide(Self.context(Self.message(), list: list, sender: member)).reason == .notEntitled)
        // Posters are entitled; without a trusted aligned pass they confirm first (AN-2), with one they go out.
        func proven(_ from: String, _ domain: String) -> ParsedMessage {
            Self.message(from: from, headers: [("Authentication-Results", "mx.test; dmarc=pass header.from=\(domain)")])
        }
        var moderator = Self.marie
        moderator.roles["announce"] = .moderator
        #expect(Self.decide(Self.context(Self.message(), list: list, sender: moderator)).reason == .awaitingPosterConfirmation)
        #expect(Self.decide(Self.context(proven("Marie.Dupont@INRAE.fr", "inrae.fr"), list: list, sender: moderator,
                                         trusted: "mx.test")).action == .accept)
        var secretariat = Self.awa
        secretariat.isSecretariat = true
        #expect(Self.decide(Self.context(Self.message(), list: list, sender: secretariat)).reason == .awaitingPosterConfirmation)
        // A secretariat address from the configuration, unknown to the directory.
        let s = Self.message(from: "secretariat@4p1000.example")
        let configured: Set<String> = ["secretariat@4p1000.example"]
        #expect(Self.decide(Self.context(s, list: list, sender: nil, secretariat: configured)) ==
                PolicyDecision(action: .hold, rule: "announce-poster", reason: .awaitingPosterConfirmation,
                               notice: .posterPreview))
        #expect(Self.decide(Self.context(proven("secretariat@4p1000.example", "4p1000.example"), list: list, sender: nil,
                                         trusted: "mx.test", secretariat: configured)).action == .accept)
        #expect(Self.decide(Self.context(s, list: list, sender: nil)).action == .reject)
    }

    @Test func messageWithoutFromIsHeld() {
        var m = Self.message()
        m.from = []
        #expect(Self.decide(Self.context(m, sender: nil)) ==
                PolicyDecision(action: .hold, rule: "sender-identity", reason: .noSender))
    }

    @Test func chainOrderLoopBeforeEverything() {
        // A looped oversized auto-reply from a stranger: the loop rule decides, nothing is answered.
        let m = Self.message(from: "x@y.example", headers: [("X-Loop", "recherche@lists.example.org"),
                                                          ("Auto-Submitted", "auto-replied")])
        let d = Self.decide(Self.context(m, sender: nil, size: 1_000_000))
        #expect(d.rule == "loop")
        #expect(!PolicyChain.noticeAllowed(for: d))
        #expect(PolicyChain.noticeAllowed(for: Self.decide(Self.context(Self.message(from: "x@y.example"), sender: nil))))
    }

    // MARK: with the directory

    @Test func wrongCollegePartnerFromTheDirectoryGetsANoticeNamingTheirGroups() throws {
        let (db, _) = try MembersFixtures.directory()
        let server = ServerConfig(host: "127.0.0.1", port: 1, tls: .none)
        let config = GatewayConfig(platformName: "4 pour 1000", database: ":memory:", imap: server, smtp: server,
                                   lists: MembersFixtures.lists)
        let message = Self.message(from: "ana@MAPA.gob.es", subject: "Política de suelos")
        let (context, decision) = try db.read { db in
            let c = try PostContext.make(message: message, rawSize: 500, list: MembersFixtures.research, config: config,
                                         ownListIDs: ["college-research.lists.example.org"], in: db)
            return (c, PolicyChain.standard.decide(c))
        }
        #expect(decision == PolicyDecision(action: .reject, rule: "sender-identity", reason: .notEntitled,
                                           notice: .notEntitled))
        let identity = try #require(context.sender)
        let groups = PostingRights.postableLists(identity, among: config.lists)
        #expect(groups.map(\.id) == ["college-states", "interface-knowledge"])
        let composer = try NoticeComposer(templatesDirectory: TemplatesTests.templates)
        let language = NoticeComposer.language(for: identity, list: context.list)
        #expect(language == .es)
        let notice = try composer.render(.notEntitled, language: language, list: context.list, values: NoticeValues(
            platformName: config.platformName, originalSubject: message.subject, postableLists: groups,
            recipientName: identity.name))
        #expect(notice.body.contains("- Estados y provincias: etats@lists.example.org"))
        #expect(notice.body.contains("- Conocimientos: connaissances@lists.example.org"))
        #expect(!notice.body.contains("Grupo de financiadores"))
        #expect(notice.body.contains("«Política de suelos»"))
        // Our own owner address in X-Loop is a loop too.
        let looped = Self.message(headers: [("X-Loop", "recherche-owner@lists.example.org")])
        let loopDecision = try db.read { db in
            PolicyChain.standard.decide(try PostContext.make(message: looped, rawSize: 1, list: MembersFixtures.research,
                                                             config: config, ownListIDs: [], in: db))
        }
        #expect(loopDecision.rule == "loop")
    }
}
