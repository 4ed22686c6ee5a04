import Foundation
import GRDB

/// Mail to `list+get.<n>@`: a member asks for the list's archived post `n` (DG-12: the "get" link of each digest
/// item, for mail clients that ignore a `mailto:` link's In-Reply-To, such as Gmail). The post is sent as the copy
/// a member reading every message would have had (``PostDistributor/copy(list:raw:parsed:for:reader:)``: its
/// original Message-ID, Subject, In-Reply-To and References, the list's headers and the member's footer), so that
/// a plain Reply threads, to the From address only, and only when:
/// - the request passes the sender checks (loops, auto-replies, and where a trusted authserv-id is configured
///   an aligned pass: a get sends mail at once);
/// - the From is a member of the list (any role or delivery mode);
/// - `n` is an accepted post of this list (never a held, rejected or other list's message);
/// - the address asked at most ``maxPerDay`` times in the last 24 hours, all lists together.
/// Anything else is kept (rule `get-request`) and answered by nothing, as the specification asks; the log says
/// why.
struct GetHandler: InboundHandler {
    let pipeline: IngestPipeline
    /// Requests answered per address in 24 hours, all lists together.
    static let maxPerDay = 50

    func handle(_ message: InboundMessage, in db: Database) throws -> IngestOutcome {
        if let refused = try SenderChecks.refuse(message, in: db) { return refused }
        let kept = try message.keep(db, rule: "get-request")
        guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
        let detail = try answer(message, requestRowID: kept.row, in: db)
        message.logger.info("get request", metadata: message.metadata.merging(["outcome": "\(detail)"]) { $1 })
        return .routed(messageRowID: kept.row, route: message.route.name, detail: detail)
    }

    /// Queues the copy, or says why not.
    private func answer(_ message: InboundMessage, requestRowID: Int64, in db: Database) throws -> String {
        let list = message.list
        guard case .get(let key) = message.route, let row = Int64(key), row > 0 else { return "refused: not a message number" }
        guard let from = message.from, AddressSyntax.isValid(from.address),
              let identity = message.sender,
              let membership = try MembershipRecord.find(listID: list.id, personID: identity.personID, in: db)
        else { return "refused: not a member" }
        guard try MessageRecord.isAcceptedPost(db, row: row, list: list.id) else { return "refused: no such post" }
        let asked = try MessageRecord.count(db, from: from.address, decisionRule: "get-request",
                                            since: message.now.addingTimeInterval(-86_400))
        guard asked <= Self.maxPerDay else { return "refused: over \(Self.maxPerDay) a day" }
        let (raw, parsed) = try ModerationActions.message(db, rowID: row)
        let reader = FooterReader(language: membership.language ?? identity.language, delivery: membership.delivery)
        let copy = pipeline.distributor.copy(list: list, raw: raw, parsed: parsed, for: from.address, reader: reader)
        try Outbox.enqueue(db, listID: list.id, messageID: row, purpose: .get(request: requestRowID), copies: [copy],
                           now: message.now)
        return "sent message \(row)"
    }
}
