import Foundation
import GRDB
import MailGateway

/// Shared fixtures for the members, policy, moderation and template tests: a real SQLite file in a fresh temp
/// folder with the members migrations, and a small set of lists.
enum MembersFixtures {
    static func mailbox(_ user: String) -> MailboxConfig { MailboxConfig(user: user) }

    static let research = ListConfig(
        id: "college-research", kind: .college, college: .research,
        name: LocalizedName(fr: "Instituts de recherche et d'enseignement", en: "Research and education institutes",
                            es: "Institutos de investigación y enseñanza"),
        address: "recherche@lists.example.org", language: .fr, subjectPrefix: "[Recherche]",
        mailbox: mailbox("recherche"), maxPostBytes: 100_000)
    static let states = ListConfig(
        id: "college-states", kind: .college, college: .states,
        name: LocalizedName(fr: "États et provinces", en: "States and provinces", es: "Estados y provincias"),
        address: "etats@lists.example.org", language: .fr, mailbox: mailbox("etats"))
    static let funders = ListConfig(
        id: "funders", kind: .funders,
        name: LocalizedName(fr: "Groupe des bailleurs de fonds", en: "Funders group", es: "Grupo de financiadores"),
        address: "bailleurs@lists.example.org", language: .en, mailbox: mailbox("bailleurs"),
        nonMemberAction: .hold)
    static let individuals = ListConfig(
        id: "individuals", kind: .individuals,
        name: LocalizedName(fr: "Individuels", en: "Individuals", es: "Individuales"),
        address: "individuels@lists.example.org", language: .es, mailbox: mailbox("individuels"),
        nonMemberAction: .discard)
    static let knowledge = ListConfig(
        id: "interface-knowledge", kind: .interface,
        name: LocalizedName(fr: "Connaissances", en: "Knowledge", es: "Conocimientos"),
        address: "connaissances@lists.example.org", language: .fr, mailbox: mailbox("connaissances"))
    static let announce = ListConfig(
        id: "announce", kind: .announce,
        name: LocalizedName(fr: "Annonces", en: "Announcements", es: "Anuncios"),
        address: "annonces@lists.example.org", language: .fr, mailbox: mailbox("annonces"))

    static let lists = [research, states, funders, individuals, knowledge, announce]

    /// A migrated database in a new temporary folder, with a `lists` row for each of `lists` (written as the
    /// daemon writes them), so that memberships and holds refer to lists that exist.
    static func database() throws -> DatabaseQueue {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("mailgateway-members-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: folder.appendingPathComponent("test.sqlite").path)
        try StoreMigrations.migrator.migrate(queue)
        try queue.write { db in
            for list in lists { try ArchiveWriter.registerList(db, id: list.id, address: list.address) }
        }
        return queue
    }

    /// Archives a small held message for `list` (as the ingest does before holding it) and returns its
    /// `messages` row id, for `holds.message_id` to refer to.
    static func heldMessage(_ queue: DatabaseQueue, list: String, number: Int) throws -> Int64 {
        let raw = Array("""
            Message-ID: <held-\(number)@example.org>\r
            From: Stranger <stranger@example.org>\r
            Subject: Held post \(number)\r
            Date: Tue, 25 Nov 2025 10:00:00 +0000\r
            \r
            A post waiting for a moderator.\r

            """.utf8)
        let parsed = try MessageParser.parse(raw)
        return try queue.write { db in
            switch try ArchiveWriter.archive(db, list: list, raw: raw, parsed: parsed, fallbackDate: nil,
                                             status: .held, source: .import) {
            case .inserted(let row, _): row
            case .duplicate(let row): row
            }
        }
    }

    static let register = """
        organisation,country,college,funder,person,email,language
        INRAE,France,research,no,Marie Dupont,Marie.Dupont@INRAE.fr,fr
        "CIRAD, Montpellier",France,research,yes,John Smith,john@cirad.fr,en
        Ministerio de Agricultura,España,states,no,Ana García,ana@mapa.gob.es,es
        ,Sénégal,,,Awa Diop,awa@example.sn,fr
        """

    static func directory() throws -> (DatabaseQueue, MemberDirectory) {
        let db = try database()
        let directory = MemberDirectory(writer: db, lists: lists)
        try directory.importRegister(PartnerRegister(csv: Array(register.utf8)), now: Date(timeIntervalSince1970: 1_764_000_000))
        return (db, directory)
    }
}
