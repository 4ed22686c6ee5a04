import Foundation
import Testing
@testable import MailGateway
import TestSupport

/// `DNSResolver` (glibc's res_nquery, ns_initparse, ns_parserr) and `DMARCResolver` against a real DNS server
/// on 127.0.0.1 (`DNSTestServer`: UDP, answers from a fixed zone), the resolver pointed at it through its own
/// res_state.
@Suite(.serialized) struct DMARCDNSTests {
    static let zone: [String: DNSTestServer.Records] = [
        "_dmarc.inrae-demo.example": .init(["v=DMARC1; p=reject; rua=mailto:dmarc@inrae-demo.example"], ttl: 1800),
        "_dmarc.cirad-demo.example": .init(["v=DMARC1; p=none; sp=quarantine"], ttl: 600),
        "_dmarc.monitor-demo.example": .init(["v=DMARC1; p=none"], ttl: 600),
        // Two DMARC records: none applies (RFC 7489 §6.6.3).
        "_dmarc.twice-demo.example": .init(["v=DMARC1; p=reject", "v=DMARC1; p=none"], ttl: 600),
        // A record longer than one 255-byte character-string, with an SPF text beside it.
        "_dmarc.long-demo.example": .init(["v=spf1 -all", "v=DMARC1; p=quarantine; rua=mailto:" + String(repeating: "a", count: 300) + "@long-demo.example"], ttl: 120),
        // The name exists, without TXT (NODATA).
        "_dmarc.nodata-demo.example": .init([], ttl: 60),
    ]

    @Test func txtQueriesReadRecordsTTLsAndAbsences() async throws {
        let server = try await DNSTestServer.start(zone: Self.zone, servfail: ["_dmarc.broken-demo.example"])
        defer { server.stop() }
        let resolver = try DNSResolver(nameserver: server.address, timeout: 10, attempts: 1)
        #expect(await resolver.txt("_dmarc.inrae-demo.example")
            == .records(["v=DMARC1; p=reject; rua=mailto:dmarc@inrae-demo.example"], ttl: 1800))
        guard case .records(let texts, let ttl) = await resolver.txt("_dmarc.long-demo.example") else {
            Issue.record("no records for the long name")
            return
        }
        #expect(ttl == 120)
        #expect(texts.count == 2)
        #expect(texts.contains { $0.hasPrefix("v=DMARC1; p=quarantine; rua=mailto:aaa") && $0.hasSuffix("@long-demo.example") })
        #expect(await resolver.txt("_dmarc.nodata-demo.example") == TXTAnswer.none)
        #expect(await resolver.txt("_dmarc.absent-demo.example") == TXTAnswer.none)
        guard case .failure = await resolver.txt("_dmarc.broken-demo.example") else {
            Issue.record("SERVFAIL must be a failure")
            return
        }
        #expect(server.queries.contains("_dmarc.inrae-demo.example 16"))
    }

    @Test func aSilentServerTimesOutAndTheListDecides() async throws {
        let server = try await DNSTestServer.start(zone: [:], silent: ["_dmarc.gmail.com", "_dmarc.slow-demo.example"])
        defer { server.stop() }
        let dns = try DNSResolver(nameserver: server.address, timeout: 1, attempts: 1)
        let resolver = DMARCResolver(resolver: dns, fallback: .strictDomains(["gmail.com"]))
        let started = Date()
        let gmail = await resolver.resolve("gmail.com")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(gmail.source == .fallbackList)
        #expect(gmail.policy == .reject)
        let slow = await resolver.resolve("slow-demo.example")
        #expect(slow.source == .fallbackList)
        #expect(slow.policy == nil)
    }

    @Test func policiesThroughRealDNS() async throws {
        let server = try await DNSTestServer.start(zone: Self.zone)
        defer { server.stop() }
        let resolver = DMARCResolver(resolver: try DNSResolver(nameserver: server.address, timeout: 10, attempts: 1),
                                     fallback: .strictDomains(["gmail.com"]))
        #expect(await resolver.resolve("inrae-demo.example").policy == .reject)
        #expect(await resolver.resolve("mail.cirad-demo.example").policy == .quarantine)
        #expect(await resolver.resolve("cirad-demo.example").policy == DMARCPolicy.none)
        #expect(await resolver.resolve("monitor-demo.example").policy == DMARCPolicy.none)
        #expect(await resolver.resolve("twice-demo.example").policy == nil)
        #expect(await resolver.resolve("long-demo.example").policy == .quarantine)
        // No record: no policy, even for a domain on the fallback list (DNS answered).
        #expect(await resolver.resolve("gmail.com").policy == nil)
        // Cached: asking again sends no query.
        let before = server.queries.count
        #expect(await resolver.resolve("inrae-demo.example").policy == .reject)
        #expect(server.queries.count == before)
    }

    @Test func aBadNameserverIsRefused() {
        #expect(throws: DNSResolverError.self) { try DNSResolver(nameserver: "not-an-ip:53") }
    }
}
