public import GRDB
import Foundation
import Logging

/// Mail to a list's bounce address (`list+bounce.<token>@`, the former `list-bounces+…@`): a delivery status
/// report about a copy the gateway sent (BN-1, BN-3). Always kept in the archive with status `bounce` (never
/// distributed, never answered). The token names the copy (``BounceToken``): a token that is malformed, forged,
/// of another list or older than 30 days is logged and changes nothing; so does an automatic reply or a message
/// that says nothing a bounce says. A failure is classified (``BounceMessageReader``) and recorded against the
/// copy's recipient (``BounceLedger``).
public struct BounceHandler: InboundHandler {
    /// The key of the VERP tokens.
    public let bounceKey: [UInt8]?

    public init(bounceKey: [UInt8]?) {
        self.bounceKey = bounceKey
    }

    public func handle(_ message: InboundMessage, in db: Database) throws -> IngestOutcome {
        let kept = try message.keep(db, status: .bounce, rule: "route:bounce")
        guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
        var metadata = message.metadata.merging(["message.row": "\(kept.row)"]) { $1 }
        func done(_ detail: String) -> IngestOutcome {
            .routed(messageRowID: kept.row, route: message.route.name, detail: detail)
        }
        // The token first: a message that names no copy of ours is not read at all (what it holds is the sender's).
        guard let copy = try copy(of: message, in: db) else {
            message.logger.notice("bounce for an unknown, expired or forged token: ignored", metadata: metadata)
            return done("ignored: unknown token")
        }
        metadata["outbox.id"] = "\(copy.id)"
        let report = BounceMessageReader.read(message.parsed, raw: message.raw)
        metadata["bounce.kind"] = "\(report.kind.rawValue)"
        guard report.kind == .dsn || report.kind == .nonDSN else {
            message.logger.info("mail to the bounce address is not a bounce: ignored", metadata: metadata)
            return done("ignored: \(report.kind.rawValue)")
        }
        guard let failure = report.worst, let bounceClass = failure.bounceClass else {
            message.logger.info("delivery report without a failure: ignored", metadata: metadata)
            return done("ignored: no failure")
        }
        // The former readable form is no secret (it is the member's address): a report to it counts only when it
        // names that same recipient, as a genuine DSN does.
        if case .bounce(let detail?) = message.route, BounceToken(detail, key: bounceKey) == nil,
           failure.address.map(MailAddress.canonicalKey) != MailAddress.canonicalKey(copy.recipient) {
            message.logger.notice("report to the former bounce address names another recipient: ignored",
                                  metadata: metadata)
            return done("ignored: recipient mismatch")
        }
        let event = try BounceLedger.record(db, BounceObservation(
            address: copy.recipient, listID: copy.listID, copyID: copy.id, bounceClass: bounceClass,
            status: failure.status, code: SMTPReplyCode.first(in: failure.diagnostic), diagnostic: failure.diagnostic,
            source: report.kind == .dsn ? "dsn" : "nondsn", bounceRow: kept.row), now: message.now)
        metadata["bounce.class"] = "\(bounceClass.rawValue)"
        message.logger.info("bounce recorded", metadata: metadata)
        return done(event == nil ? "bounce: \(bounceClass.rawValue) (already recorded)" : "bounce: \(bounceClass.rawValue)")
    }

    /// The copy the bounce address names: the token's, if it verifies, is this list's and is recent; else a copy
    /// sent to the former `list-bounces+user=domain@` form in the last 30 days.
    func copy(of message: InboundMessage, in db: Database) throws -> OutboxCopyRecord? {
        guard case .bounce(let detail?) = message.route else { return nil }
        let since = message.now.addingTimeInterval(-BounceToken.lifetime)
        if let token = BounceToken(detail, key: bounceKey) {
            guard let copy = try OutboxCopyRecord.fetchOne(db, key: token.copyID), copy.listID == message.list.id,
                  copy.createdAt >= since else { return nil }
            return copy
        }
        let addresses = ListAddresses(address: message.list.address)
        guard detail.contains("=") else { return nil }
        return try OutboxCopyRecord.latest(db, envelopeFrom: addresses.legacy("bounces+\(detail)"), since: since)
    }
}
