import Foundation
import Synchronization
import Testing
@testable import MailGateway

/// A TXT resolver answering from a table, counting the queries (what the cache must spare).
final class StubTXTResolver: TXTResolving {
    let answers: Mutex<[String: TXTAnswer]>
    let asked = Mutex<[String]>([])

    init(_ answers: [String: TXTAnswer]) {
        self.answers = Mutex(answers)
    }

    func txt(_ name: String) async -> TXTAnswer {
        asked.withLock { $0.append(name) }
        return answers.withLock { $0[name] } ?? .none
    }

    func set(_ name: String, _ answer: TXTAnswer) { answers.withLock { $0[name] = answer } }
    var queries: [String] { asked.withLock { $0 } }
}

/// A clock the test moves.
final class TestClock: Sendable {
    let now = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    func advance(_ seconds: TimeInterval) { now.withLock { $0 += seconds } }
    var read: @Sendable () -> Date { { [self] in now.withLock { $0 } } }
}

@Suite struct DMARCRecordTests {
    @Test(arguments: [
        ("v=DMARC1; p=reject; rua=mailto:d@x.example", DMARCRecord(policy: .reject)),
        ("v=DMARC1;p=quarantine;sp=none", DMARCRecord(policy: .quarantine, subdomainPolicy: DMARCPolicy.none)),
        ("v=DMARC1; p=NONE", DMARCRecord(policy: DMARCPolicy.none)),
        ("v=DMARC1; rua=mailto:d@x.example", DMARCRecord(policy: DMARCPolicy.none)),
        ("v=DMARC1; p=bogus; sp=reject", DMARCRecord(policy: DMARCPolicy.none, subdomainPolicy: .reject)),
    ])
    func parses(text: String, expected: DMARCRecord) {
        #expect(DMARCRecord.parse(text) == expected)
    }

    @Test(arguments: ["v=spf1 -all", "p=reject; v=DMARC1", "v=DMARC2; p=reject", ""])
    func refusesWhatIsNotADMARCRecord(text: String) {
        #expect(DMARCRecord.parse(text) == nil)
    }

    @Test func exactlyOneRecordCounts() {
        #expect(DMARCRecord.select(["v=spf1 -all", "v=DMARC1; p=reject"]) == DMARCRecord(policy: .reject))
        #expect(DMARCRecord.select(["v=DMARC1; p=reject", "v=DMARC1; p=none"]) == nil)
        #expect(DMARCRecord.select(["google-site-verification=abc"]) == nil)
    }

    @Test(arguments: [
        ("mail.inrae.fr", "inrae.fr"), ("inrae.fr", "inrae.fr"), ("fr", "fr"),
        ("lists.univ.ac.uk", "univ.ac.uk"), ("a.b.inta.gob.ar", "inta.gob.ar"), ("x.embrapa.com.br", "embrapa.com.br"),
        ("Mail.Example.COM.", "example.com"), ("deep.sub.cirad.fr", "cirad.fr"),
    ])
    func organizationalDomain(domain: String, expected: String) {
        #expect(OrganizationalDomain.of(domain) == expected)
    }
}

@Suite struct DMARCResolverTests {
    let fallback = DMARCLookup.strictDomains(["gmail.com"])

    @Test func thePublishedPolicyDecidesAndIsCachedForItsTTL() async {
        let dns = StubTXTResolver(["_dmarc.inrae.fr": .records(["v=DMARC1; p=reject"], ttl: 600)])
        let clock = TestClock()
        let resolver = DMARCResolver(resolver: dns, fallback: fallback, clock: clock.read)
        let first = await resolver.resolve("INRAE.fr")
        #expect(first.policy == .reject)
        #expect(first.source == .domain)
        #expect(resolver.lookup.policy("inrae.fr") == .reject)
        clock.advance(599)
        _ = await resolver.resolve("inrae.fr")
        #expect(dns.queries == ["_dmarc.inrae.fr"])
        // After the TTL, DNS is asked again and a changed policy is seen.
        dns.set("_dmarc.inrae.fr", .records(["v=DMARC1; p=none"], ttl: 600))
        clock.advance(2)
        #expect(await resolver.resolve("inrae.fr").policy == DMARCPolicy.none)
        #expect(dns.queries == ["_dmarc.inrae.fr", "_dmarc.inrae.fr"])
        #expect(resolver.lookup.policy("inrae.fr") == DMARCPolicy.none)
    }

    @Test func aSubdomainFallsBackToTheOrganizationalDomainsSubdomainPolicy() async {
        let dns = StubTXTResolver(["_dmarc.cirad.fr": .records(["v=DMARC1; p=none; sp=quarantine"], ttl: 300)])
        let resolver = DMARCResolver(resolver: dns, fallback: fallback)
        let resolution = await resolver.resolve("mail.cirad.fr")
        #expect(resolution.policy == .quarantine)
        #expect(resolution.source == .organizationalDomain)
        #expect(dns.queries == ["_dmarc.mail.cirad.fr", "_dmarc.cirad.fr"])
        // Without sp=, the organizational domain's p= applies.
        dns.set("_dmarc.ird.fr", .records(["v=DMARC1; p=reject"], ttl: 300))
        #expect(await resolver.resolve("lists.ird.fr").policy == .reject)
    }

    @Test func noRecordAnywhereMeansNoPolicyEvenForAListedDomain() async {
        let resolver = DMARCResolver(resolver: StubTXTResolver([:]), fallback: fallback)
        let resolution = await resolver.resolve("gmail.com")
        #expect(resolution.policy == nil)
        #expect(resolution.source == .domain)
        #expect(resolver.lookup.policy("gmail.com") == nil)
    }

    @Test func aDNSFailureFallsBackToTheListBriefly() async {
        let dns = StubTXTResolver(["_dmarc.gmail.com": .failure("timeout"), "_dmarc.partner.example": .failure("timeout")])
        let clock = TestClock()
        let resolver = DMARCResolver(resolver: dns, fallback: fallback, clock: clock.read)
        let gmail = await resolver.resolve("gmail.com")
        #expect(gmail.policy == .reject)
        #expect(gmail.source == .fallbackList)
        #expect(await resolver.resolve("partner.example").policy == nil)
        // The failure is retried after failureTTL, not the record's day.
        dns.set("_dmarc.partner.example", .records(["v=DMARC1; p=reject"], ttl: 86_400))
        clock.advance(resolver.failureTTL - 1)
        #expect(await resolver.resolve("partner.example").policy == nil)
        clock.advance(2)
        #expect(await resolver.resolve("partner.example").policy == .reject)
    }

    @Test func anExpiredDNSAnswerStillServesComposingUntilReplaced() async {
        let dns = StubTXTResolver(["_dmarc.inrae.fr": .records(["v=DMARC1; p=quarantine"], ttl: 60)])
        let clock = TestClock()
        let resolver = DMARCResolver(resolver: dns, fallback: fallback, clock: clock.read)
        _ = await resolver.resolve("inrae.fr")
        clock.advance(7 * 86_400)
        #expect(resolver.lookup.policy("inrae.fr") == .quarantine)
        // A domain never resolved gets the list.
        #expect(resolver.lookup.policy("mail.gmail.com") == .reject)
        #expect(resolver.lookup.policy("never.example") == nil)
    }

    @Test func ttlsAreClamped() async {
        let dns = StubTXTResolver(["_dmarc.a.example": .records(["v=DMARC1; p=reject"], ttl: 1),
                                   "_dmarc.b.example": .records(["v=DMARC1; p=reject"], ttl: 9_999_999)])
        let clock = TestClock()
        let resolver = DMARCResolver(resolver: dns, fallback: fallback, clock: clock.read)
        let now = clock.read()
        #expect(await resolver.resolve("a.example").expires == now + resolver.minimumTTL)
        #expect(await resolver.resolve("b.example").expires == now + resolver.maximumTTL)
    }

    @Test func composingRewritesFromForQuarantineAndRejectOnly() async {
        let dns = StubTXTResolver([
            "_dmarc.strict.example": .records(["v=DMARC1; p=quarantine"], ttl: 300),
            "_dmarc.monitor.example": .records(["v=DMARC1; p=none"], ttl: 300),
        ])
        let resolver = DMARCResolver(resolver: dns, fallback: fallback)
        let list = ListIdentity(id: "research", name: "Recherche", address: "research@lists.example.org", language: .fr,
                                subjectPrefix: nil, fromRewrite: .whenDMARC, webBaseURL: nil)
        for (domain, rewritten) in [("strict.example", true), ("monitor.example", false)] {
            await resolver.resolve(domain)
            let raw = Array("From: Ana <ana@\(domain)>\r\nSubject: s\r\n\r\nbody\r\n".utf8)
            let post = OutgoingComposer(list: list, footer: nil, dmarc: resolver.lookup)
                .compose(raw: raw, subject: "s", author: MailAddress(name: "Ana", address: "ana@\(domain)"))
            #expect(post.fromRewritten == rewritten, "\(domain)")
        }
    }
}
