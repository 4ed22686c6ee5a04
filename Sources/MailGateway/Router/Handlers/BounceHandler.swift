public import GRDB
import Logging

/// Mail to a list's bounce address (`list+bounce.<token>@`, `list-bounces@`): a delivery status report about a
/// copy the gateway sent. Kept in the archive with status `bounce` (never distributed, never answered) until the
/// deliverability work (issue 11) reads it.
public struct BounceHandler: InboundHandler {
    public func handle(_ message: InboundMessage, in db: Database) throws -> IngestOutcome {
        let kept = try message.keep(db, status: .bounce, rule: "route:bounce")
        guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
        message.logger.info("bounce kept", metadata: message.metadata.merging(["message.row": "\(kept.row)"]) { $1 })
        return .routed(messageRowID: kept.row, route: message.route.name, detail: "kept")
    }
}
