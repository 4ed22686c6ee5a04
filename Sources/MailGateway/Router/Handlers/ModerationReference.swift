import Foundation
public import GRDB

/// The hold a moderator's reply is about, and how the reply named it:
/// - the `list+confirm.<token>@` address a Reply goes to (the request's Reply-To), a ``Confirmations`` token
///   with action `moderate`;
/// - in mail to `list+owner@` (a client that replied to the From, or a reply-all), the same token in the
///   subject (the request's subject ends with it, in parentheses);
/// - in mail to `list+owner@`, an HMAC `MOD-…` token in the subject: a request sent before requests carried
///   the Reply-To, honoured until it expires (with the configured moderation key, for its hold's list only).
///
/// Only a token of this list's holds counts: anything else is no reference (owner mail is then forwarded).
public struct ModerationReference: Sendable {
    public var hold: Hold
    /// The confirmation token, when the reply named one (spent when the decision is applied).
    public var token: ConfirmationToken?
    /// Whether the token (confirmation or `MOD-…`) is past its expiry.
    public var expired: Bool
    /// The address the confirmation token was issued to ("" for a moderation request's, the poster's for an
    /// announcement preview); nil for a `MOD-…` token.
    public var boundAddress: String? = nil

    /// At most this many token-shaped words of a subject are looked up.
    static let maxSubjectCandidates = 4

    /// The reference of a reply, or nil.
    public static func find(_ message: InboundMessage, key: ModerationKey?, in db: Database) throws -> ModerationReference? {
        switch message.route {
        case .confirm(let text):
            guard let token = ConfirmationToken(text) else { return nil }
            return try reference(token, list: message.list, now: message.now, in: db)
        case .owner:
            // An announcement's preview is confirmed only at its `+confirm.` address (AN-2): a token found in the
            // subject of owner mail (a helpdesk's or quarantine's automatic answer) is no confirmation.
            for word in tokenWords(message.parsed.subject).prefix(maxSubjectCandidates) {
                if let token = ConfirmationToken(word),
                   let found = try reference(token, list: message.list, now: message.now, in: db),
                   found.hold.reason != .awaitingPosterConfirmation {
                    return found
                }
            }
            return try legacy(message, key: key, in: db)
        default:
            return nil
        }
    }

    /// The hold of a `moderate` confirmation token of `list`'s, used or not, expired or not.
    static func reference(_ token: ConfirmationToken, list: ListConfig, now: Date, in db: Database) throws -> ModerationReference? {
        let looked = try Confirmations.look(db, token: token, now: now)
        guard let record = Confirmations.record(looked), record.action == .moderate, record.listID == list.id, let id = record.holdID,
              let hold = try HoldRecord.hold(id: id, in: db), hold.listID == list.id else { return nil }
        var expired = false
        if case .failure(.expired) = looked { expired = true }
        return ModerationReference(hold: hold, token: token, expired: expired, boundAddress: record.address)
    }

    /// A `MOD-…` token in the subject that verifies for one of this list's holds.
    static func legacy(_ message: InboundMessage, key: ModerationKey?, in db: Database) throws -> ModerationReference? {
        guard let key, let token = ModerationToken.find(in: message.parsed.subject, now: message.now),
              let hold = try HoldRecord.hold(id: token.holdID, in: db), hold.listID == message.list.id else { return nil }
        var expired = false
        do { try token.verify(listID: hold.listID, key: key, now: message.now) } catch {
            guard error == .expired else { return nil }
            expired = true
        }
        // A pending hold keeps the hash of the one token it was sent with; a decided one has none left.
        if hold.status == .pending, try HoldRecord.tokenHash(id: hold.id, in: db) != token.hash { return nil }
        return ModerationReference(hold: hold, token: nil, expired: expired)
    }

    /// The words of a subject that have a confirmation token's shape (26 letters and digits).
    static func tokenWords(_ subject: String) -> [Substring] {
        subject.prefix(2_000).split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
            .filter { $0.utf8.count == ConfirmationToken.length }
            .reversed()  // the request's subject ends with its token
    }
}
