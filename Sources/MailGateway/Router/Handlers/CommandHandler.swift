import Foundation
public import GRDB
import Logging

/// Commands by email (`list+request@`, `list+join@`, `list+leave@`, `list+set.<mode>@`, `list+lang.<code>@`,
/// `list+help@`, an unknown subaddress), and the confirmations of their tokens.
public struct CommandHandler: InboundHandler {
    let pipeline: IngestPipeline

    public func handle(_ message: InboundMessage, in db: Database) throws -> IngestOutcome {
        if let refused = try SenderChecks.refuse(message, in: db) { return refused }
        let kept = try message.keep(db, rule: "route:\(message.route.name)")
        guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
        message.logger.info("command kept", metadata: message.metadata)
        return .routed(messageRowID: kept.row, route: message.route.name, detail: "kept")
    }

    /// A confirmation token of a command (join, leave, set, lang, undo) was used, or a token failed.
    func confirm(_ message: InboundMessage, token: ConfirmationToken,
                 looked: Result<ConfirmationRecord, Confirmations.Failure>, in db: Database) throws -> IngestOutcome {
        let kept = try message.keep(db, rule: "route:confirm")
        guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
        return .routed(messageRowID: kept.row, route: message.route.name, detail: "kept")
    }
}
