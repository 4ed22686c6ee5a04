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

    /// A migrated database in a new temporary folder.
    static func database() throws -> DatabaseQueue {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("mailgateway-members-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: folder.appendingPathComponent("test.sqlite").path)
        try StoreMigrations.migrator.migrate(queue)
        // Every `list_id` is a foreign key to `lists` (as `Gateway` does at start, the fixture's lists are registered).
        try queue.write { db in for list in lists { try ArchiveWriter.registerList(db, id: list.id, address: list.address) } }
        return queue
    }

    /// Archive rows with the given ids (a hold's `message_id` is a foreign key to `messages`), in one thread.
    static func archiveMessages(rows: some Sequence<Int64>, list: String = research.id, in db: Database) throws {
        try db.execute(sql: "INSERT INTO threads (list_id) VALUES (?)", arguments: [list])
        let thread = db.lastInsertedRowID
        for row in rows {
            try db.execute(sql: """
                INSERT INTO messages (id, list_id, message_id, date, received_at, size, raw, thread_id, source)
                VALUES (?, ?, ?, '2025-11-24 00:00:00.000', '2025-11-24 00:00:00.000', 0, X'', ?, 'import')
                """, arguments: [row, list, "fixture-\(row)@example.org", thread])
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
