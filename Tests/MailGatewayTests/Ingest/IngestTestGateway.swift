import Foundation
import Logging
@testable import MailGateway
import TestSupport

/// A gateway over a temporary database with the repository's templates and a moderation key, for the tests that
/// drive the ingest pipeline directly (`IngestPipelineTests`, `AnnouncementTests`).
enum IngestTestGateway {
    /// A logger that shows warnings and worse only.
    static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .warning
        return logger
    }

    /// A list `<id>@lists.example.org` in French, prefix `[<id>]`.
    static func list(_ id: String, _ kind: ListKind, _ college: College?, nonMember: NonMemberAction) -> ListConfig {
        ListConfig(id: id, kind: kind, college: college, name: LocalizedName(fr: id, en: id, es: id),
                   address: "\(id)@lists.example.org", language: .fr, subjectPrefix: "[\(id)]",
                   mailbox: MailboxConfig(user: id, passwordEnv: "X"), nonMemberAction: nonMember)
    }

    /// The gateway and its temporary directory (remove it when done).
    static func make(prefix: String, lists: [ListConfig], trustedAuthservID: String? = nil,
                     secretariat: [String] = [], configure: (inout GatewayConfig) -> Void = { _ in }) throws -> (Gateway, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var config = GatewayConfig(
            platformName: "Initiative 4 pour 1000", database: dir.appendingPathComponent("a.sqlite").path,
            imap: ServerConfig(host: "127.0.0.1", port: 1, tls: .none), smtp: ServerConfig(host: "127.0.0.1", port: 1, tls: .none),
            templatesDirectory: Corpora.repositoryRoot.appendingPathComponent("templates").path, lists: lists)
        config.trustedAuthservID = trustedAuthservID
        config.secretariat = secretariat
        configure(&config)
        let gateway = try Gateway(config: config, environment: ["MAILGATEWAY_MODERATION_KEY": String(repeating: "k", count: 40)])
        return (gateway, dir)
    }

    /// Hélène Dubois (INRAE, research) and Olivia Bennett (Soil Fund, private, a funder): the register of the tests
    /// that tell a partner of the list's college from a partner of another one and from a stranger.
    static let twoPartners = [
        "INRAE,France,research,no,Hélène Dubois,helene@inrae.example,fr",
        "Soil Fund,United Kingdom,private,yes,Olivia Bennett,olivia@soilfund.example,en",
    ]

    /// Imports a partner register of `rows` (organisation, country, college, funder, person, email, language).
    static func importRegister(_ gateway: Gateway, _ rows: [String]) throws {
        let csv = (["organisation,country,college,funder,person,email,language"] + rows).joined(separator: "\n")
        _ = try MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
            .importRegister(try PartnerRegister(csv: Array(csv.utf8)))
    }
}
