import Foundation
import GRDB
import Logging
@testable import MailGateway
import TestSupport

/// A gateway over a temporary database (a college list, an interface, the repository's templates), a small
/// register, and helpers to send command mail and read what the outbox holds, for the command tests.
struct CommandWorld {
    let gateway: Gateway
    let dir: URL
    let logger = IngestTestGateway.quietLogger("mailgateway.tests.commands")

    static let csv = """
        organisation,country,college,funder,person,email,language
        INRAE,France,research,no,Hélène Dubois,helene@inrae.example,fr
        CIRAD,France,research,no,José Martínez,jose@cirad.example,es
        Soil Fund,United Kingdom,private,yes,Olivia Bennett,olivia@soilfund.example,en
        """

    init(trustedAuthservID: String? = nil, welcomeOnImport: Bool = false, roster: RosterVisibility = .moderators) throws {
        func list(_ id: String, _ kind: ListKind, _ college: College?) -> ListConfig {
            var list = IngestTestGateway.list(id, kind, college, nonMember: .reject)
            list.rosterVisibility = roster
            return list
        }
        (gateway, dir) = try IngestTestGateway.make(
            prefix: "mg-commands", lists: [list("college-research", .college, .research),
                                           list("interface-knowledge", .interface, nil)],
            trustedAuthservID: trustedAuthservID, secretariat: ["secretariat@initiative.example"])
        _ = try directory.importRegister(try PartnerRegister(csv: Array(Self.csv.utf8)),
                                         welcome: welcomeOnImport ? mail : nil)
    }

    var directory: MemberDirectory { MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists) }
    var mail: MembershipMail { MembershipMail(config: gateway.config, notices: gateway.pipeline.notices) }

    func close() { try? FileManager.default.removeItem(at: dir) }

    /// Processes a raw message of `list` at `now`.
    @discardableResult
    func process(_ raw: [UInt8], list: String = "interface-knowledge", now: Date = Date()) throws -> IngestOutcome {
        let config = gateway.config.list(id: list)!
        return try gateway.database.pool.write { db in
            try gateway.pipeline.process(db, list: config, raw: raw, fallbackDate: nil, source: .import, now: now,
                                         logger: logger)
        }
    }

    /// A command mail to `list+<detail>@` (`detail` nil: the posting address).
    static func command(_ detail: String?, list: String = "interface-knowledge", from: String,
                        id: String = UUID().uuidString + "@test", subject: String = "", body: String = "\r\n",
                        headers: [String] = []) -> [UInt8] {
        let to = detail.map { "\(list)+\($0)@lists.example.org" } ?? "\(list)@lists.example.org"
        return TestMail.message(id: id, from: from, to: to, subject: subject, body: body,
                                extraHeaders: ["Delivered-To: \(to)"] + headers)
    }

    /// One outbox copy: recipient, purpose and the message parsed.
    struct Copy {
        var recipient: String
        var purpose: String
        var raw: [UInt8]
        var message: ParsedMessage

        var text: String { message.text ?? "" }
        /// The token of a confirmation request (its `confirm <token>` line).
        var token: String? {
            text.split(separator: "\n").first { $0.hasPrefix("confirm ") }
                .map { String($0.dropFirst("confirm ".count)).trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        /// A header of the copy.
        func header(_ name: String) -> String? { message.header(name) }
    }

    func outbox() throws -> [Copy] {
        try gateway.database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT o.recipient, o.purpose, o.header_prefix, b.bytes FROM outbox o JOIN outbox_body b ON b.id = o.body_id
                ORDER BY o.id
                """).map { row in
                let raw = [UInt8]((row["header_prefix"] as Data) + (row["bytes"] as Data))
                return Copy(recipient: row["recipient"], purpose: row["purpose"], raw: raw,
                            message: try MessageParser.parse(raw))
            }
        }
    }

    /// The copies added since `before` copies.
    func newCopies(after before: Int) throws -> [Copy] { Array(try outbox().dropFirst(before)) }

    /// The membership of a person in a list, if any.
    func membership(_ address: String, list: String = "interface-knowledge") throws -> Membership? {
        try directory.members(listID: list).first { $0.address == address }
    }
}
