import Foundation
import GRDB
import Logging

extension CommandSession {
    // MARK: Confirmations

    /// Uses a confirmation token (any From may: forwarding is common, the token is the proof) and carries out
    /// what its row says, in this transaction. Unknown, expired and used tokens are answered as such. `looked`:
    /// the token's lookup when the caller made it already (the router's confirmation address).
    func confirm(_ token: ConfirmationToken,
                 looked: Result<ConfirmationRecord, Confirmations.Failure>? = nil) throws -> [CommandResult] {
        func failure(_ looked: Result<ConfirmationRecord, Confirmations.Failure>) -> [CommandResult]? {
            switch looked {
            case .failure(.unknown): [.tokenUnknown]
            case .failure(.expired(let r)): [.tokenExpired(r.action)]
            case .failure(.used): [.tokenUsed]
            // A token of another list (or a moderation token) is not this list's to use: left as it is.
            case .success(let r): r.listID == list.id && r.action != .moderate ? nil : [.tokenUnknown]
            }
        }
        if let answer = failure(try looked ?? Confirmations.look(db, token: token, now: now)) { return answer }
        if Self.declines(CommandText.body(of: message.parsed)) {
            // "No" to the question: nothing changes, and the code is spent so that a later mail cannot confirm.
            _ = try Confirmations.redeem(db, token: token, by: from.address, now: now)
            return [.confirmationDeclined]
        }
        let redeemed = try Confirmations.redeem(db, token: token, by: from.address, now: now)
        if let answer = failure(redeemed) { return answer }
        guard case .success(let record) = redeemed else { return [.tokenUnknown] }
        let parameters = record.parameterValues
        if record.action == .undo {
            guard let snapshot = MembershipSnapshot(parameters: parameters), snapshot.listID == list.id else {
                return [.tokenUnknown]
            }
            try MembershipChanges.restore(db, snapshot, now: now)
            return [.undone]
        }
        guard let person = try PersonRecord.identity(of: record.address, in: db) else { return [.notMember] }
        switch record.action {
        case .join:
            // The right is checked again: the register may have changed since the request.
            guard JoinRights.mayJoin(person, list: list) else { return [.notEntitled] }
            let before = try MembershipChanges.snapshot(db, listID: list.id, personID: person.personID)
            let joined = try MembershipChanges.join(db, list: list, personID: person.personID,
                                                    delivery: parameters["mode"].flatMap(DeliveryMode.init(rawValue:)),
                                                    now: now)
            guard joined.isNew else {
                // Already in: joining again re-enables delivery (an announcement list) or sets the mode asked.
                let after = try MembershipChanges.snapshot(db, listID: list.id, personID: person.personID)
                return after.delivery == before.delivery ? [.alreadyMember] : [.alreadyMember, .modeSet(after.delivery)]
            }
            try mail.welcome(db, list: list, personID: person.personID, now: now)
            return [.joined]
        case .leave:
            return try leave(personID: person.personID, undoable: false)
        case .set, .lang:
            return try apply(record.action, parameters: parameters, personID: person.personID)
        case .undo, .moderate:
            return [.tokenUnknown]
        }
    }

    /// Words that, first on the first line the person wrote (quotes, attributions and greetings skipped), answer
    /// the confirmation request "no" (folded; fr, en, es).
    static let declineWords: Set<String> = ["no", "non", "nope", "cancel", "annuler", "annule", "cancelar", "stop",
                                            "refuse", "refuser", "rechazar", "jamais", "never", "nunca"]

    /// Whether a reply to a confirmation request says no.
    static func declines(_ body: String) -> Bool {
        ModeratorCommand.firstWrittenWord(of: body).map(declineWords.contains) ?? false
    }

    /// Leaves the list (recording the opt-out) and queues the goodbye, with an undo token when the leave ran at
    /// once.
    func leave(personID: Int64, undoable: Bool) throws -> [CommandResult] {
        let language = try MembershipRecord.find(listID: list.id, personID: personID, in: db)?.language
        guard let left = try MembershipChanges.leave(db, listID: list.id, personID: personID, source: "email",
                                                     now: now) else { return [.notMember] }
        let undo = undoable ? try issueUndo(left.snapshot) : nil
        try mail.goodbye(db, list: list, personID: personID, membershipID: left.membershipID, language: language,
                         undo: undo, original: message.parsed, now: now)
        return [.left]
    }

    /// Applies a `set` or `lang` change (its stored parameters).
    func apply(_ action: ConfirmationAction, parameters: [String: String], personID: Int64) throws -> [CommandResult] {
        guard try MembershipRecord.exists(listID: list.id, personID: personID, in: db) else { return [.notMember] }
        if action == .lang {
            guard let language = parameters["language"].flatMap(Language.init(rawValue:)) else { return [.tokenUnknown] }
            _ = try MembershipChanges.set(db, listID: list.id, personID: personID, delivery: nil, language: .some(language))
            return [.languageSet(language)]
        }
        guard let value = parameters["value"] else { return [.tokenUnknown] }
        switch parameters["setting"] {
        case "mode":
            guard let mode = DeliveryMode(rawValue: value) else { return [.tokenUnknown] }
            _ = try MembershipChanges.set(db, listID: list.id, personID: personID, delivery: mode, language: nil)
            return [.modeSet(mode)]
        case "time":
            try DigestMemberRow.setSchedule(db, list: list.id, person: personID, time: .some(value), weekday: nil)
            return [.scheduleSet]
        case "day":
            try DigestMemberRow.setSchedule(db, list: list.id, person: personID, time: nil, weekday: .some(Int(value)))
            return [.scheduleSet]
        case "tz":
            try DigestMemberRow.setTimeZone(db, person: personID, timeZone: value)
            return [.scheduleSet]
        case "ownposts":
            _ = try MembershipChanges.set(db, listID: list.id, personID: personID, delivery: nil, language: nil,
                                          ownPosts: value == "on")
            return [.ownPostsSet(value == "on")]
        case "bounce":
            // A reply to a bounce warning (BN-6): the address works, delivery resumes on every list.
            guard let address = try parameters["address"] ?? AddressRecord.addresses(ofPerson: personID, in: db).first
            else { return [.notMember] }
            try BounceLedger.reenable(db, address: address, now: now)
            return [.deliveryResumed]
        default:
            return [.tokenUnknown]
        }
    }

    /// An undo token (7 days) for the From, putting back `snapshot`; nil (logged) beyond the daily cap.
    func issueUndo(_ snapshot: MembershipSnapshot) throws -> ConfirmationToken? {
        let issued = try Confirmations.issue(db, listID: list.id, action: .undo, address: from.address,
                                             parameters: snapshot.parameters, now: now, lifetime: Self.undoLifetime)
        if issued == nil {
            logger.notice("undo token not issued: too many for this address today", metadata: message.metadata)
        }
        return issued?.token
    }

    // MARK: The reply

    /// The language to answer in (CM-9): the sender's stored language, else the command words', else the mail's
    /// `Content-Language`, else its `Accept-Language`, else the list's.
    func replyLanguage(_ keywordLanguage: Language?) -> Language {
        if let language = sender?.language { return language }
        if let keywordLanguage { return keywordLanguage }
        if let language = Language.requested(by: { message.parsed.header($0) }) { return language }
        return list.language
    }

    /// Sends the one reply of this command mail, to its From only, unless the results need none (a confirmation
    /// request to the From itself, a welcome or goodbye already said it) or the From had its 10 replies today
    /// (counted by `MailAddress.mailboxKey`). An undo token is an address in the text, never the Reply-To: a
    /// plain Reply saying thanks goes to the owners and must not undo the change. Returns whether a reply was
    /// queued.
    func reply(_ results: [CommandResult], keywordLanguage: Language?) throws -> Bool {
        let fromKey = MailAddress.canonicalKey(from.address)
        let saidElsewhere = results.allSatisfy { result in
            switch result {
            case .confirmationSent(_, let address): MailAddress.canonicalKey(address) == fromKey
            case .joined, .left: true
            default: false
            }
        }
        guard !saidElsewhere else { return false }
        guard try CommandReplyRecord.count(db, address: from.address, since: now.addingTimeInterval(-86_400))
            < Self.maxRepliesPerDay else {
            logger.notice("command reply dropped: daily cap reached", metadata: message.metadata)
            return false
        }
        var values = try mail.settings(db, list: list, personID: sender?.personID)
        values.results = results
        values.undoToken = undoToken
        let sent = try mail.send(db, kind: .commandReply, to: from, language: replyLanguage(keywordLanguage), list: list,
                                 membership: values, recipientName: sender?.name ?? from.name, original: message.parsed,
                                 messageID: row, purpose: .notice(NoticeKind.commandReply.rawValue), now: now)
        if sent { try CommandReplyRecord.record(db, address: from.address, listID: list.id, kind: "command-reply", now: now) }
        return sent
    }
}
