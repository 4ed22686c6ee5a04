import Foundation
public import GRDB
import Logging

/// Commands by email (`list+request@`, `list+join@`, `list+leave@`, `list+set.<mode>@`, `list+lang.<code>@`,
/// `list+help@`, an unknown subaddress), and the confirmations of their tokens (CM-1..CM-12).
///
/// Every command mail passes ``SenderChecks`` and ``CommandReplyGuard`` (nothing automatic is acted on or
/// answered), is kept in the archive out of the public views, and gets at most one reply, to its From only, in
/// the sender's language (``CommandSession``). Joining is always confirmed by the address (CM-5); leave, set
/// and lang are confirmed unless the mail has a trusted aligned pass for the From's domain, in which case they
/// run at once and the answer carries an undo token (7 days).
public struct CommandHandler: InboundHandler {
    let pipeline: IngestPipeline

    public func handle(_ message: InboundMessage, in db: Database) throws -> IngestOutcome {
        if let refused = try SenderChecks.refuse(message, in: db) { return refused }
        let kept = try message.keep(db, rule: "route:\(message.route.name)")
        guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
        guard let session = try CommandSession(message, row: kept.row, pipeline: pipeline, in: db) else {
            return .routed(messageRowID: kept.row, route: message.route.name, detail: "not answered: automatic sender")
        }
        let asked = Self.commands(of: message)
        var results = asked.unread
        // A query asked twice is answered once (ten `who` lines must not make a reply of ten rosters).
        var seen: [EmailCommand] = []
        for command in asked.commands {
            if command == .who || command == .lists || command == .help {
                if seen.contains(command) { continue }
                seen.append(command)
            }
            results += try session.execute(command)
        }
        let replied = try session.reply(results, keywordLanguage: asked.language)
        message.logger.info("command mail handled", metadata: message.metadata.merging(
            ["message.row": "\(kept.row)", "results": "\(results.count)", "replied": "\(replied)"]) { $1 })
        return .routed(messageRowID: kept.row, route: message.route.name, detail: Self.summary(results))
    }

    /// A confirmation token of a command (join, leave, set, lang, undo) was used, or a token failed.
    func confirm(_ message: InboundMessage, token: ConfirmationToken,
                 looked: Result<ConfirmationRecord, Confirmations.Failure>, in db: Database) throws -> IngestOutcome {
        let kept = try message.keep(db, rule: "route:confirm")
        guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
        guard let session = try CommandSession(message, row: kept.row, pipeline: pipeline, in: db) else {
            return .routed(messageRowID: kept.row, route: message.route.name, detail: "not answered: automatic sender")
        }
        let results = try session.confirm(token, looked: looked)
        _ = try session.reply(results, keywordLanguage: nil)
        return .routed(messageRowID: kept.row, route: message.route.name, detail: Self.summary(results))
    }

    /// The commands a message asks for: the one its address names, or those of its subject and first lines
    /// (`list+request@`, CM-2, read once); lines and address details that are no command, as results; and the
    /// language of the command words (CM-9, step 2: only free-form mail has any).
    static func commands(of message: InboundMessage)
        -> (commands: [EmailCommand], unread: [CommandResult], language: Language?) {
        if let command = EmailCommand(route: message.route) { return ([command], [], nil) }
        switch message.route {
        case .join(let word?): return ([], [.notUnderstood("join.\(word)"), .help], nil)
        case .set(let word): return ([], [.notUnderstood("set.\(word)"), .help], nil)
        case .lang(let code): return ([], [.notUnderstood("lang.\(code)"), .help], nil)
        case .unknown(let detail): return ([], [.notUnderstood(detail), .help], nil)
        default:
            let reading = CommandParser.parse(message.parsed)
            let lines = reading.notUnderstood.map(CommandResult.notUnderstood)
            return (reading.commands, reading.commands.isEmpty ? lines + [.help] : lines,
                    message.route == .request ? reading.language : nil)
        }
    }

    /// A short account for the outcome and the logs (`joined`, `confirmation-sent:join`, ...).
    static func summary(_ results: [CommandResult]) -> String {
        results.map { result -> String in
            switch result {
            case .confirmationSent(let action, _): "confirmation-sent:\(action.rawValue)"
            case .joined: "joined"
            case .alreadyMember: "already-member"
            case .notEntitled: "not-entitled"
            case .left: "left"
            case .notMember: "not-member"
            case .modeSet(let mode): "mode:\(mode.rawValue)"
            case .scheduleSet: "schedule"
            case .ownPostsSet(let on): "own-posts:\(on ? "on" : "off")"
            case .languageSet(let l): "lang:\(l.rawValue)"
            case .undone: "undone"
            case .deliveryResumed: "delivery-resumed"
            case .confirmationDeclined: "declined"
            case .help: "help"
            case .lists: "lists"
            case .roster: "who"
            case .rosterRefused: "who-refused"
            case .notUnderstood: "not-understood"
            case .tokenUnknown: "token-unknown"
            case .tokenExpired: "token-expired"
            case .tokenUsed: "token-used"
            }
        }.joined(separator: ",")
    }
}
