import Foundation
import Logging
import MailGateway

/// The fixed world every input is run against: `config.example.json`'s twelve lists with a trusted authserv-id
/// (`mx.4p1000.org`), the demo partner register imported, interface members and moderators added, the
/// `individuals` list holding non-members' posts, a moderation key, and one pending hold (#1) so that a
/// moderator's reply with a valid token can be found by mutation. The database lives in a temporary folder;
/// every input is rolled back (`InboundProbe`), so the world never changes between inputs.
struct FuzzFixture: Sendable {
    static let moderationKey = "fuzz-moderation-key-0123456789abcdef0123456789"
    static let trustedAuthservID = "mx.4p1000.org"
    static let secretariat = "secretariat@4p1000-demo.example"
    static let partner = "helene.dubois@inrae-demo.example"

    let probe: InboundProbe
    let lists: [ListConfig]
    /// Lower-cased list addresses, as bytes, in the order of `lists`.
    let addresses: [[UInt8]]
    /// A fixed clock, so that a reproducer behaves the same on every run.
    let now: Date
    let logger: Logger
    /// The valid token of hold #1 (for the seeds).
    let token: String

    /// The repository root: this file is `Fuzz/Sources/InboundFuzzer/FuzzFixture.swift`.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func make() throws -> FuzzFixture {
        let root = ProcessInfo.processInfo.environment["MAILGATEWAY_REPOSITORY"].map { URL(fileURLWithPath: $0) }
            ?? repository
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mailgw-fuzz-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

        let example = try Data(contentsOf: root.appendingPathComponent("config.example.json"))
        guard var json = try JSONSerialization.jsonObject(with: example) as? [String: Any],
              var lists = json["lists"] as? [[String: Any]] else {
            throw ArchiveError("config.example.json is not a JSON object with lists")
        }
        json["database"] = folder.appendingPathComponent("archive.sqlite").path
        json["templates_directory"] = root.appendingPathComponent("templates").path
        json["trusted_authserv_id"] = trustedAuthservID
        json["secretariat"] = [secretariat]
        for i in lists.indices where lists[i]["id"] as? String == "individuals" {
            lists[i]["non_member_action"] = "hold"
        }
        json["lists"] = lists
        let config = try ConfigLoader(environment: [:]).decode(json, file: "fuzz-config.json", base: root,
                                                              checkSecrets: false)
        let gateway = try Gateway(config: config, environment: ["MAILGATEWAY_MODERATION_KEY": moderationKey])
        let directory = MemberDirectory(writer: gateway.database.pool, lists: config.lists)
        let csv = try Data(contentsOf: root.appendingPathComponent("demo/partners.csv"))
        try directory.importRegister(try PartnerRegister(csv: [UInt8](csv)))
        for a in ["c.rousseau@sols-vivants-demo.example", "g.wanjiru@agroforestry-centre-demo.example",
                  "j.weber@thuenen-demo.example"] {
            try directory.addMember(listID: "interface-knowledge", address: a)
        }
        try directory.addMember(listID: "interface-policies", address: secretariat, role: .moderator)
        try directory.addMember(listID: "individuals", address: secretariat, role: .moderator)
        try directory.setMember(listID: "college-research", address: partner, role: .moderator)

        let now = Date(timeIntervalSince1970: 1_767_225_600) // 2026-01-01T00:00:00Z
        let logger = Logger(label: "mailgateway.fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
        guard let individuals = config.list(id: "individuals") else { throw ArchiveError("no individuals list") }
        // Hold #1, committed: a non-member's post to the individuals list.
        let held = try gateway.database.pool.write { db in
            try gateway.pipeline.process(db, list: individuals, raw: Array(Seeds.heldPost.utf8), fallbackDate: now,
                                         source: .imap(uidValidity: 1, uid: 1), now: now, logger: logger)
        }
        guard case .archived(_, _, let decision) = held, decision.action == .hold,
              let queue = gateway.moderationQueue, let hold = try queue.list(listID: "individuals").first,
              let key = ModerationKey(secret: moderationKey) else {
            throw ArchiveError("the fixture's held post was not held: \(held)")
        }
        let token = ModerationToken(holdID: hold.id, listID: hold.listID, expiry: hold.expiresAt, key: key)
        return FuzzFixture(probe: InboundProbe(gateway: gateway), lists: config.lists,
                           addresses: config.lists.map { Array($0.address.lowercased().utf8) }, now: now,
                           logger: logger, token: token.description)
    }

    /// The list a message is for: the first list address in its first 16 KiB (the header, mostly), else one
    /// chosen by its length. Deterministic, so a reproducer replays the same path.
    func list(for raw: [UInt8]) -> ListConfig {
        let head = raw.prefix(16_384).map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }
        for (i, address) in addresses.enumerated() where head.firstRange(of: address) != nil {
            return lists[i]
        }
        return lists[raw.count % lists.count]
    }
}
