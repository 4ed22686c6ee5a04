import Foundation
import GRDB
import Logging

/// One command mail being carried out, inside the ingest transaction: who sent it (the From, and the person the
/// directory knows by it), whether it has a trusted aligned pass, and the mail it causes.
final class CommandSession {
    let message: InboundMessage
    let db: Database
    /// The command mail's archive row (outbox copies it causes are bound to it).
    let row: Int64
    let mail: MembershipMail
    let from: MailAddress
    /// The person with the From address, if any.
    let sender: SenderIdentity?
    /// A trusted aligned pass (DKIM or SPF aligned with the From's domain, or DMARC pass) from the configured
    /// authserv-id: leave, set and lang then run at once, with an undo (CM-3's exception).
    let trustedPass: Bool

    var list: ListConfig { message.list }
    var now: Date { message.now }
    var logger: Logger { message.logger }

    /// Days an undo token is valid.
    static let undoLifetime: TimeInterval = 7 * 86_400
    /// Command replies per address per day (CM-12).
    static let maxRepliesPerDay = 10

    /// A session, or nil (logged) when the mail must be neither acted on nor answered (``CommandReplyGuard``).
    init?(_ message: InboundMessage, row: Int64, pipeline: IngestPipeline, in db: Database) throws {
        if let refusal = CommandReplyGuard.refusal(message.parsed) {
            message.logger.notice("command mail not answered", metadata: message.metadata.merging(
                ["reason": "\(refusal)", "message.row": "\(row)"]) { $1 })
            return nil
        }
        guard let from = message.from else { return nil }
        self.message = message
        self.db = db
        self.row = row
        self.mail = MembershipMail(config: pipeline.config, notices: pipeline.notices)
        self.from = from
        self.sender = message.sender
        self.trustedPass = SpoofingRule.authentication(of: message.context) == .alignedPass
    }

    // MARK: Commands

    /// Carries out one command; returns what to tell (nothing when a confirmation was dropped by the cap).
    func execute(_ command: EmailCommand) throws -> [CommandResult] {
        switch command {
        case .join(let mode, let address):
            let target = address ?? from.address
            let person = try PersonRecord.identity(of: target, in: db)
            guard JoinRights.mayJoin(person, list: list) else { return [.notEntitled] }
            var parameters: [String: String] = [:]
            if let mode { parameters["mode"] = mode.rawValue }
            return try requestConfirmation(.join, address: target, parameters: parameters, change: mode.map(MembershipNoticeValues.modeWord),
                                           language: person?.language)
        case .leave:
            guard let personID = try memberID() else { return [.notMember] }
            guard trustedPass else {
                return try requestConfirmation(.leave, address: from.address, parameters: [:], change: nil,
                                               language: sender?.language)
            }
            return try leave(personID: personID, undoable: true)
        case .set(let setting):
            guard let personID = try memberID() else { return [.notMember] }
            let parameters = Self.parameters(of: setting)
            guard trustedPass else {
                return try requestConfirmation(.set, address: from.address, parameters: parameters,
                                               change: parameters["value"], language: sender?.language)
            }
            return try applyAtOnce(personID: personID) { try apply(.set, parameters: parameters, personID: personID) }
        case .language(let language):
            guard let personID = try memberID() else { return [.notMember] }
            let parameters = ["language": language.rawValue]
            guard trustedPass else {
                return try requestConfirmation(.lang, address: from.address, parameters: parameters,
                                               change: language.rawValue, language: language)
            }
            return try applyAtOnce(personID: personID) { try apply(.lang, parameters: parameters, personID: personID) }
        case .help:
            return [.help]
        case .lists:
            guard let personID = sender?.personID else { return [.lists([])] }
            let names = try message.context.lists.filter {
                try MembershipRecord.exists(listID: $0.id, personID: personID, in: db)
            }.map(\.address)
            return [.lists(names)]
        case .who:
            return [try roster()]
        case .confirm(let text):
            guard let token = ConfirmationToken(text) else { return [.tokenUnknown] }
            return try confirm(token)
        }
    }

    /// The roster for `who` (CM-7), when the list's `roster_visibility` allows the sender: its moderators and
    /// owners, or every member. The answer goes to the From only, so a forged From shows the roster to a person
    /// who may see it anyway.
    func roster() throws -> CommandResult {
        guard let personID = sender?.personID,
              let own = try MembershipRecord.find(listID: list.id, personID: personID, in: db),
              list.rosterVisibility == .members || own.role.canModerate else {
            return .rosterRefused(list.rosterVisibility)
        }
        let members = try MembershipRecord.members(listID: list.id, in: db)
        let entries = members.prefix(CommandResult.rosterLimit).map { member in
            CommandResult.RosterEntry(mailbox: member.personName.isEmpty ? member.address
                                          : "\(member.personName) <\(member.address)>", role: member.role)
        }
        return .roster(Array(entries), total: members.count)
    }

    /// The sender's person id when they are a member of the list (leave, set and lang need it).
    func memberID() throws -> Int64? {
        guard let personID = sender?.personID,
              try MembershipRecord.exists(listID: list.id, personID: personID, in: db) else { return nil }
        return personID
    }

    /// The stored parameters of a setting (`setting`, `value`).
    static func parameters(of setting: MemberSetting) -> [String: String] {
        switch setting {
        case .mode(let mode): ["setting": "mode", "value": mode.rawValue]
        case .digestTime(let hour, let minute): ["setting": "time", "value": String(format: "%02d:%02d", hour, minute)]
        case .digestDay(let day): ["setting": "day", "value": String(day)]
        case .timeZone(let zone): ["setting": "tz", "value": zone]
        case .ownPosts(let on): ["setting": "ownposts", "value": on ? "on" : "off"]
        }
    }

    /// Issues a token and mails the confirmation request to `address` (CM-3, CM-10); nothing (logged) beyond
    /// the cap of 3 per address per day (CM-12).
    func requestConfirmation(_ action: ConfirmationAction, address: String, parameters: [String: String],
                             change: String?, language: Language?) throws -> [CommandResult] {
        let requestedBy = MailAddress.canonicalKey(address) == MailAddress.canonicalKey(from.address) ? nil : from.address
        guard let issued = try Confirmations.issue(db, listID: list.id, action: action, address: address,
                                                   parameters: parameters, requestedBy: requestedBy, now: now) else {
            logger.notice("confirmation dropped: too many for this address today", metadata: message.metadata.merging(
                ["action": "\(action.rawValue)", "message.row": "\(row)"]) { $1 })
            return []
        }
        var values = MembershipNoticeValues()
        values.token = issued.token
        values.action = action
        values.change = change
        values.expiresHours = Int(Confirmations.defaultLifetime / 3600)
        values.requestedBy = requestedBy
        let recipient = MailAddress(name: "", address: address)
        _ = try mail.send(db, kind: .confirmRequest, to: recipient, language: language ?? replyLanguage(nil),
                          list: list, membership: values, recipientName: nil, original: message.parsed,
                          messageID: row, purpose: .event("confirm:\(issued.id)"),
                          replyTo: ListAddresses(address: list.address).confirm(issued.token.description), now: now)
        return [.confirmationSent(action, address: address)]
    }

    /// Runs a change at once (trusted aligned pass): records the membership before, applies, and returns the
    /// results with an undo token issued to the From.
    func applyAtOnce(personID: Int64, _ change: () throws -> [CommandResult]) throws -> [CommandResult] {
        let before = try MembershipChanges.snapshot(db, listID: list.id, personID: personID)
        let results = try change()
        if let undo = try issueUndo(before) { undoToken = undo }
        return results
    }

    /// The undo token issued by this mail, if any (the reply carries it).
    var undoToken: ConfirmationToken?
}
