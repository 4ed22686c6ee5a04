import Foundation
import Synchronization
import Testing
@testable import MailGateway
import TestSupport

/// Which inbound messages have their author's DMARC policy looked up before their transaction: only those whose
/// copies may be composed (now, or after a moderator's approval). Mail a list rejects never costs a DNS query.
@Suite("Ingest: DMARC is looked up only for mail that may be distributed")
struct DMARCNeedTests {
    /// A gateway with a college list that rejects non-members and an interface that holds them, and a register.
    static func gateway() throws -> (Gateway, URL) {
        let (gateway, dir) = try IngestTestGateway.make(prefix: "mg-dmarc-need", lists: [
            IngestTestGateway.list("college-research", .college, .research, nonMember: .reject),
            IngestTestGateway.list("interface-knowledge", .interface, nil, nonMember: .hold),
        ])
        try IngestTestGateway.importRegister(gateway, IngestTestGateway.twoPartners)
        return (gateway, dir)
    }

    static func parsed(from: String, to: String = "college-research@lists.example.org") throws -> ParsedMessage {
        try IngestPipeline.parse(TestMail.message(id: "\(UUID().uuidString)@x.example", from: from, to: to,
                                                  subject: "Carbone des sols")).get()
    }

    @Test("a partner entitled to the list, or a stranger to a list that holds strangers: yes; a stranger to a list that rejects them, a partner of another college, a command: no")
    func mayBeDistributed() throws {
        let (gateway, dir) = try Self.gateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        let college = try #require(gateway.config.list(id: "college-research"))
        let interface = try #require(gateway.config.list(id: "interface-knowledge"))
        func may(_ list: ListConfig, _ message: ParsedMessage) throws -> Bool {
            try gateway.database.pool.read { db in
                try gateway.pipeline.mayBeDistributed(db, list: list, parsed: message, rawSize: 1_000)
            }
        }
        #expect(try may(college, Self.parsed(from: "Hélène Dubois <helene@inrae.example>")))
        #expect(try !may(college, Self.parsed(from: "Olivia Bennett <olivia@soilfund.example>")),
                "a private company's partner is rejected by the research college")
        #expect(try !may(college, Self.parsed(from: "spam@random.example")), "a stranger is rejected here")
        #expect(try may(interface, Self.parsed(from: "spam@random.example", to: "interface-knowledge@lists.example.org")),
                "held for a moderator, who may approve it by email: its copies need the policy")
        #expect(try may(interface, Self.parsed(from: "olivia@soilfund.example", to: "interface-knowledge@lists.example.org")))
        #expect(try !may(college, Self.parsed(from: "helene@inrae.example", to: "college-research+join@lists.example.org")),
                "a command is no post")
    }

    @Test("the domain of mail that may not be distributed is not queried; a cached domain is answered without asking")
    func noQueryForRejectedMail() async throws {
        let (gateway, dir) = try Self.gateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stub = StubTXTResolver(["_dmarc.inrae.example": .records(["v=DMARC1; p=reject"], ttl: 3_600)])
        let resolver = DMARCResolver(resolver: stub, fallback: DMARCLookup { _ in nil })
        let distributor = PostDistributor(webBaseURL: nil, footers: [:], dmarc: DMARCLookup { _ in nil },
                                          dmarcResolver: resolver)
        let list = try #require(gateway.config.list(id: "college-research"))
        let asked = Mutex(0)
        func prepare(_ message: ParsedMessage, needed: Bool) async -> DMARCResolution? {
            await distributor.prepareDMARC(for: message, list: list, needed: {
                asked.withLock { $0 += 1 }
                return needed
            })
        }
        #expect(await prepare(try Self.parsed(from: "spam@random.example"), needed: false) == nil)
        #expect(stub.queries.isEmpty, "rejected mail: no DNS query")
        let first = await prepare(try Self.parsed(from: "helene@inrae.example"), needed: true)
        #expect(first?.policy == .reject && stub.queries == ["_dmarc.inrae.example"])
        let again = await prepare(try Self.parsed(from: "helene@inrae.example"), needed: false)
        #expect(again == first && stub.queries.count == 1, "cached: answered without a query")
        #expect(asked.withLock { $0 } == 2, "a fresh cached answer is returned without asking whether it is needed")
    }
}
