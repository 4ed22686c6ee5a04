import Foundation
import Logging
import MailGateway
import Testing

/// The administrators' and moderators' commands, run as the built executable against a real SQLite file.
@Suite("CLI: partners, members, moderation, outbox")
struct CLICommandsTests {
    static let goodRegister = """
        organisation,country,college,funder,person,email,language
        INRAE,France,research,no,Marie Dupont,marie.dupont@inrae.fr,fr
        "CIRAD, Montpellier",France,research,yes,John Smith,john@cirad.fr,en
        "CIRAD, Montpellier",France,research,yes,John Smith,j.smith@cirad.fr,en
        Embrapa,Brasil,research,no,Ana Souza,ana@embrapa.br,es
        ,Sénégal,,,Awa Diop,awa@example.sn,fr

        """

    @Test("a register with bad rows is refused whole: exit 2, every line named, nothing imported")
    func badRegister() async throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let csv = try cli.write("bad.csv", """
            organisation,country,college,funder,person,email,language
            INRAE,France,research,no,Marie Dupont,marie.dupont@inrae.fr,fr
            CIRAD,France,farming,no,John Smith,john@cirad.fr,en
            Embrapa,Brasil,research,no,Ana Souza,not-an-address,es

            """)
        let run = try await cli.run(["partners", "import", csv])
        #expect(run.status == 2)
        #expect(run.stderr.contains("line 3, college"))
        #expect(run.stderr.contains("line 4, email"))
        #expect(!run.stderr.contains("line 2"))
        let listing = try await cli.json(PartnerListing.self, ["partners", "list"])
        #expect(listing.organisations.isEmpty && listing.individuals.isEmpty)
        // A dry run of the same file says the same and also changes nothing.
        #expect(try await cli.run(["partners", "import", csv, "--dry-run"]).status == 2)
    }

    @Test("import fills the college list; members set is kept; a re-import duplicates nothing")
    func importSetReimport() async throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let csv = try cli.write("register.csv", Self.goodRegister)
        let dry = try await cli.run(["partners", "import", csv, "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("dry run"))
        #expect(try await cli.json(PartnerListing.self, ["partners", "list"]).organisations.isEmpty)

        let first = try await cli.run(["partners", "import", csv])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("organisations  3"))

        let members = try await cli.json([MemberRow].self, ["members", "list", "--list", "college-research"])
        #expect(members.map(\.personName).sorted() == ["Ana Souza", "John Smith", "Marie Dupont"])
        #expect(members.allSatisfy { $0.role == "member" && $0.delivery == "immediate" && $0.origin == "register" })
        let funders = try await cli.json([MemberRow].self, ["members", "list", "--list", "funders"])
        #expect(funders.map(\.personName) == ["John Smith"])
        #expect(try await cli.json([MemberRow].self, ["members", "list", "--list", "interface-policies"]).isEmpty)

        let set = try await cli.run(["members", "set", "--list", "college-research", "ana@embrapa.br", "--delivery", "digest"])
        #expect(set.status == 0, "\(set.stderr)")
        let afterSet = try await cli.json([MemberRow].self, ["members", "list", "--list", "college-research"])
        #expect(afterSet.first { $0.address == "ana@embrapa.br" }?.delivery == "digest")
        #expect(afterSet.filter { $0.delivery == "immediate" }.count == 2)

        let second = try await cli.run(["partners", "import", csv])
        #expect(second.status == 0, "\(second.stderr)")
        let listing = try await cli.json(PartnerListing.self, ["partners", "list"])
        #expect(listing.organisations.map(\.name) == ["CIRAD, Montpellier", "Embrapa", "INRAE"])
        #expect(listing.organisations.map(\.people) == [1, 1, 1])
        #expect(listing.organisations.first?.isFunder == true)
        #expect(listing.individuals.map(\.name) == ["Awa Diop"])
        let afterReimport = try await cli.json([MemberRow].self, ["members", "list", "--list", "college-research"])
        #expect(afterReimport.count == 3)
        #expect(afterReimport.first { $0.address == "ana@embrapa.br" }?.delivery == "digest")
    }

    @Test("unknown list ids and unknown addresses are refused with words, not dumps")
    func clearErrors() async throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        _ = try await cli.run(["partners", "import", try cli.write("register.csv", Self.goodRegister)])

        let unknownList = try await cli.run(["members", "list", "--list", "college-farming"])
        #expect(unknownList.status != 0)
        #expect(unknownList.stderr.contains("college-farming")
                && unknownList.stderr.contains("college-research, interface-policies, funders"))

        let unknownAddress = try await cli.run(["members", "add", "--list", "interface-policies", "nobody@example.org"])
        #expect(unknownAddress.status != 0)
        #expect(unknownAddress.stderr.contains("no person has the address nobody@example.org"))

        let notMember = try await cli.run(["members", "set", "--list", "funders", "awa@example.sn", "--role", "moderator"])
        #expect(notMember.status != 0 && notMember.stderr.contains("not a member of funders"))

        let badRole = try await cli.run(["members", "add", "--list", "funders", "awa@example.sn", "--role", "boss"])
        #expect(badRole.status != 0 && badRole.stderr.contains("boss"))

        let unknownHold = try await cli.run(["moderation", "approve", "999"])
        #expect(unknownHold.status != 0 && unknownHold.stderr.contains("no hold has the id 999"))

        for run in [unknownList, unknownAddress, notMember, unknownHold] {
            #expect(!run.stderr.contains("MemberDirectoryError") && !run.stderr.contains("ModerationError"))
        }
    }

    @Test("partners add, show and remove; members add and remove; columns aligned with wide characters")
    func partnersByHand() async throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let add = try await cli.run(["partners", "add", "--organisation", "東京大学", "--country", "Japan",
                               "--college", "research", "--person", "Sato Hanako", "--email", "sato@u-tokyo.ac.jp",
                               "--language", "en"])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout.contains("college-research"))
        let individual = try await cli.run(["partners", "add", "--person", "Awa Diop", "--email", "awa@example.sn",
                                      "--language", "fr"])
        #expect(individual.status == 0, "\(individual.stderr)")
        let wrong = try await cli.run(["partners", "add", "--person", "X", "--email", "x@example.org", "--language", "fr",
                                 "--college", "states"])
        #expect(wrong.status != 0 && wrong.stderr.contains("individual"))
        _ = try await cli.run(["partners", "add", "--organisation", "INRAE", "--country", "France", "--college", "research",
                         "--person", "Marie Dupont", "--email", "marie@inrae.fr", "--language", "fr"])

        // Human output: the COUNTRY column starts at the same display column on every row.
        let list = try await cli.run(["partners", "list"])
        let organisationTable = list.stdout.components(separatedBy: "\n\n").first ?? ""
        let rows = organisationTable.split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("NAME") || $0.hasPrefix("東京大学") || $0.hasPrefix("INRAE") }
        #expect(rows.count == 3)
        let columns = rows.map { row -> Int in
            let name = row.prefix { $0 != " " }
            let rest = row.dropFirst(name.count)
            return displayColumns(String(name)) + rest.prefix { $0 == " " }.count
        }
        #expect(Set(columns).count == 1, "\(rows)")

        let show = try await cli.json(PartnerDetailsRow.self, ["partners", "show", "東京大学"])
        #expect(show.organisation.country == "Japan" && show.people.map(\.name) == ["Sato Hanako"])

        #expect(try await cli.run(["members", "add", "--list", "interface-policies", "awa@example.sn", "--delivery", "digest"])
            .status == 0)
        let interface = try await cli.json([MemberRow].self, ["members", "list", "--list", "interface-policies"])
        #expect(interface.map(\.address) == ["awa@example.sn"] && interface.first?.origin == "manual")
        #expect(try await cli.run(["members", "remove", "--list", "interface-policies", "awa@example.sn"]).status == 0)
        #expect(try await cli.json([MemberRow].self, ["members", "list", "--list", "interface-policies"]).isEmpty)
        let again = try await cli.run(["members", "remove", "--list", "interface-policies", "awa@example.sn"])
        #expect(again.status != 0 && again.stderr.contains("not a member"))

        #expect(try await cli.run(["partners", "remove", "東京大学"]).status == 0)
        #expect(try await cli.run(["partners", "remove", "awa@example.sn"]).status == 0)
        let listing = try await cli.json(PartnerListing.self, ["partners", "list"])
        #expect(listing.organisations.map(\.name) == ["INRAE"] && listing.individuals.isEmpty)
        let members = try await cli.json([MemberRow].self, ["members", "list", "--list", "college-research"])
        #expect(members.map(\.address) == ["marie@inrae.fr"])
        #expect(try await cli.run(["partners", "remove", "nobody@example.org"]).status != 0)
    }

    @Test("a held post: listed, approved once into one copy per immediate member, refused the second time")
    func moderationApprove() async throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        _ = try await cli.run(["partners", "import", try cli.write("register.csv", Self.goodRegister)])
        #expect(try await cli.run(["members", "set", "--list", "college-research", "ana@embrapa.br", "--delivery", "digest"])
            .status == 0)
        // A moderator gets the moderation request when the post is held, and the post itself when it is approved.
        #expect(try await cli.run(["members", "set", "--list", "college-research", "marie.dupont@inrae.fr",
                             "--role", "moderator"]).status == 0)

        let holdID = try await hold(cli, subject: "Soil carbon data request", from: "stranger@example.com")
        let holds = try await cli.json([HoldRow].self, ["moderation", "list"])
        #expect(holds.map(\.hold.id) == [holdID])
        #expect(holds.first?.hold.listID == "college-research" && holds.first?.hold.status == "pending")
        #expect(holds.first?.sender == "stranger@example.com" && holds.first?.subject == "Soil carbon data request")
        #expect(try await cli.json([HoldRow].self, ["moderation", "list", "--list", "funders"]).isEmpty)

        let show = try await cli.run(["moderation", "show", "\(holdID)"])
        #expect(show.status == 0 && show.stdout.contains("Soil carbon data request")
                && show.stdout.contains("Could the research college share"))

        let before = Set(try await cli.json([OutboxRow].self, ["outbox", "list"]).map(\.id))
        #expect(try await cli.json([OutboxRow].self, ["outbox", "list"]).contains { $0.recipient == "marie.dupont@inrae.fr" })
        let approve = try await cli.run(["moderation", "approve", "\(holdID)"])
        #expect(approve.status == 0, "\(approve.stderr)")
        #expect(approve.stdout.contains("approved hold \(holdID)") && approve.stdout.contains("2 copies queued"))

        let after = try await cli.json([OutboxRow].self, ["outbox", "list", "--status", "pending"])
        let new = after.filter { !before.contains($0.id) }
        #expect(new.map(\.recipient).sorted() == ["john@cirad.fr", "marie.dupont@inrae.fr"])
        #expect(new.allSatisfy { $0.listID == "college-research" && $0.attempts == 0 })
        #expect(!new.contains { $0.recipient == "stranger@example.com" })

        let twice = try await cli.run(["moderation", "approve", "\(holdID)"])
        #expect(twice.status != 0)
        #expect(twice.stderr.contains("hold \(holdID) was already approved"))
        #expect(try await cli.json([OutboxRow].self, ["outbox", "list"]).count == before.count + 2)
        #expect(try await cli.json([HoldRow].self, ["moderation", "list"]).isEmpty)
    }

    @Test("reject queues a notice to the author, discard queues nothing, outbox retry reschedules nothing pending")
    func moderationRejectDiscard() async throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        _ = try await cli.run(["partners", "import", try cli.write("register.csv", Self.goodRegister)])
        let rejected = try await hold(cli, subject: "Buy cheap fertiliser", from: "seller@example.com")
        let discarded = try await hold(cli, subject: "Another offer", from: "seller2@example.com")
        #expect(try await cli.json([HoldRow].self, ["moderation", "list"]).count == 2)

        let before = Set(try await cli.json([OutboxRow].self, ["outbox", "list"]).map(\.id))
        let reject = try await cli.run(["moderation", "reject", "\(rejected)", "--reason", "off topic"])
        #expect(reject.status == 0, "\(reject.stderr)")
        let afterReject = try await cli.json([OutboxRow].self, ["outbox", "list"]).filter { !before.contains($0.id) }
        #expect(afterReject.map(\.recipient) == ["seller@example.com"])

        let discard = try await cli.run(["moderation", "discard", "\(discarded)"])
        #expect(discard.status == 0 && discard.stdout.contains("discarded hold \(discarded)"))
        #expect(try await cli.json([OutboxRow].self, ["outbox", "list"]).count == before.count + 1)
        let late = try await cli.run(["moderation", "reject", "\(discarded)"])
        #expect(late.status != 0 && late.stderr.contains("already discarded"))

        let retry = try await cli.run(["outbox", "retry"])
        #expect(retry.status == 0 && retry.stdout.hasPrefix("0 copies"))
        let expire = try await cli.run(["moderation", "expire"])
        #expect(expire.status == 0 && expire.stdout.contains("expired 0 hold(s)"))
    }

    @Test("without the moderation key in the environment, holds are still listed, shown and decided")
    func moderationWithoutKey() async throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        _ = try await cli.run(["partners", "import", try cli.write("register.csv", Self.goodRegister)])
        let holdID = try await hold(cli, subject: "Field trial results", from: "visitor@example.com")
        let list = try await cli.run(["moderation", "list"], withKey: false)
        #expect(list.status == 0 && list.stdout.contains("Field trial results") && list.stdout.contains("visitor@example.com"))
        let show = try await cli.run(["moderation", "show", "\(holdID)"], withKey: false)
        #expect(show.status == 0 && show.stdout.contains("To:         college-research@lists.example.org"))
        let approve = try await cli.run(["moderation", "approve", "\(holdID)"], withKey: false)
        #expect(approve.status == 0 && approve.stdout.contains("3 copies queued"), "\(approve.stdout)\(approve.stderr)")
        let shown = try await cli.json(HoldDetailsRow.self, ["moderation", "show", "\(holdID)"])
        #expect(shown.hold.status == "approved" && shown.hold.decidedBy?.hasPrefix("cli:") == true)
        #expect(shown.message?.subject == "Field trial results")
    }

    @Test("outbox list shows failures with their error; outbox retry makes failed and waiting copies due now")
    func outboxRetry() async throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        _ = try await cli.run(["partners", "import", try cli.write("register.csv", Self.goodRegister)])
        let holdID = try await hold(cli, subject: "Compost workshop", from: "guest@example.com")
        #expect(try await cli.run(["moderation", "approve", "\(holdID)"]).status == 0)
        let copies = try await cli.json([OutboxRow].self, ["outbox", "list", "--list", "college-research"])
        let marie = try #require(copies.first { $0.recipient == "marie.dupont@inrae.fr" })
        let john = try #require(copies.first { $0.recipient == "john@cirad.fr" })

        // Attempt every copy as the sender does: Marie's is refused for good, John's fails softly.
        let gateway = try cli.gateway()
        try await gateway.database.pool.write { db in
            let jobs = try Outbox.claim(db, limit: 100)
            for job in jobs {
                if job.id == marie.id {
                    try Outbox.markFailed(db, id: job.id, error: SMTPError(kind: .permanent, code: 550,
                                          reply: "550 5.1.1 mailbox unavailable", command: "RCPT TO"), policy: RetryPolicy())
                } else if job.id == john.id {
                    try Outbox.markFailed(db, id: job.id, error: SMTPError(kind: .transient, code: 451,
                                          reply: "451 4.3.0 try later", command: "DATA"), policy: RetryPolicy())
                } else {
                    try Outbox.markSent(db, id: job.id)
                }
            }
        }
        let failed = try await cli.json([OutboxRow].self, ["outbox", "list", "--status", "failed"])
        #expect(failed.map(\.id) == [marie.id] && failed.first?.attempts == 1)
        let human = try await cli.run(["outbox", "list", "--status", "failed"])
        #expect(human.stdout.contains("550 RCPT TO 550 5.1.1 mailbox unavailable"))
        #expect(try await cli.json([OutboxRow].self, ["outbox", "list", "--limit", "1"]).count == 1)

        let unknownList = try await cli.run(["outbox", "retry", "--list", "nope"])
        #expect(unknownList.status != 0 && unknownList.stderr.contains("configured lists"))
        let retry = try await cli.run(["outbox", "retry", "--list", "college-research"])
        #expect(retry.status == 0 && retry.stdout.hasPrefix("2 copies due again now (1 failed, 1 waiting"), "\(retry.stdout)")
        let due = try await gateway.database.pool.write { db in try Outbox.claim(db, limit: 100) }
        #expect(Set(due.map(\.id)) == [marie.id, john.id])
    }

    /// Holds a post from an unknown sender on the research college (non_member_action hold), through the
    /// library, and returns the hold id.
    private func hold(_ cli: CLIHarness, subject: String, from sender: String) async throws -> Int64 {
        let gateway = try cli.gateway()
        let list = try #require(gateway.config.list(id: "college-research"))
        let raw = """
            From: Someone <\(sender)>\r
            To: college-research@lists.example.org\r
            Subject: \(subject)\r
            Date: Wed, 25 Nov 2026 10:00:00 +0000\r
            Message-ID: <\(UUID().uuidString)@example.com>\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            Could the research college share its soil carbon measurements?\r
            Thanks.\r

            """
        let outcome = try await gateway.database.pool.write { db in
            try gateway.pipeline.process(db, list: list, raw: Array(raw.utf8), fallbackDate: nil, source: .import,
                                         logger: Logger(label: "cli-test"))
        }
        guard case .archived(let row, _, let decision) = outcome else {
            Issue.record("expected an archived message, got \(outcome)")
            throw CLIFailure(arguments: ["hold"], run: .init(status: -1, stdout: "", stderr: "\(outcome)"))
        }
        #expect(decision.action.rawValue == "hold")
        let holds = try await cli.json([HoldRow].self, ["moderation", "list"])
        return try #require(holds.first { $0.subject == subject }?.hold.id, "no hold for message row \(row)")
    }
}

/// `partners show NAME --json`.
struct PartnerDetailsRow: Decodable {
    struct OrganisationValue: Decodable {
        var name: String
        var country: String
    }
    struct PersonValue: Decodable {
        var name: String
    }
    var organisation: OrganisationValue
    var people: [PersonValue]
}

/// Display columns of a short test string: CJK ideographs take two.
private func displayColumns(_ text: String) -> Int {
    text.unicodeScalars.reduce(0) { $0 + ((0x4E00...0x9FFF).contains($1.value) ? 2 : 1) }
}

/// `moderation show ID --json`.
struct HoldDetailsRow: Decodable {
    struct HoldValue: Decodable {
        var status: String
        var decidedBy: String?
    }
    struct MessageValue: Decodable {
        var subject: String
    }
    var hold: HoldValue
    var message: MessageValue?
}
