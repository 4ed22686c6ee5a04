public import Foundation
public import GRDB

/// Membership changes by email and by the CLI, inside the caller's transaction (the ingest's, or one of
/// ``MemberDirectory``'s): joining clears an opt-out, leaving records one (`opt_outs`), so that a register
/// import does not add back a person who left (``MemberDirectory/syncRegisterMemberships(personID:lists:now:in:)``).
public enum MembershipChanges {
    /// What a join did.
    public struct Joined: Sendable, Equatable {
        /// The membership row.
        public var membershipID: Int64
        /// True when the person was not in the list before (a welcome is due).
        public var isNew: Bool
    }

    /// The membership as it is now (a snapshot with `present == false` when the person is not in the list).
    public static func snapshot(_ db: Database, listID: String, personID: Int64) throws -> MembershipSnapshot {
        guard let row = try MembershipRecord.find(listID: listID, personID: personID, in: db) else {
            return MembershipSnapshot(listID: listID, personID: personID, present: false, role: .member,
                                      delivery: .immediate, language: nil, origin: .manual)
        }
        return MembershipSnapshot(listID: listID, personID: personID, present: true, role: row.role,
                                  delivery: row.delivery, language: row.language, origin: row.origin)
    }

    /// Adds a person to a list, or, when they are in it already, gives them `delivery` (a member whose delivery
    /// is `none` gets `immediate`: joining an announcement list re-enables it). Clears an opt-out. A new row is
    /// `manual` for an interface (opt-in) and `register` for the groups the register decides.
    public static func join(_ db: Database, list: ListConfig, personID: Int64, delivery: DeliveryMode?,
                            language: Language? = nil, now: Date) throws -> Joined {
        try OptOutRecord.clear(db, listID: list.id, personID: personID)
        if let existing = try MembershipRecord.find(listID: list.id, personID: personID, in: db), let id = existing.id {
            let mode = delivery ?? (existing.delivery == .none ? .immediate : nil)
            try update(db, listID: list.id, personID: personID, role: nil, delivery: mode,
                       language: language.map { .some($0) })
            return Joined(membershipID: id, isNew: false)
        }
        let origin: MembershipOrigin = list.kind == .interface ? .manual : .register
        let id = try MembershipRecord.restore(listID: list.id, personID: personID, role: .member,
                                              delivery: delivery ?? .immediate, language: language, origin: origin,
                                              now: now, in: db)
        return Joined(membershipID: id ?? 0, isNew: true)
    }

    /// Removes a person from a list and records the opt-out (`source`: `email`, `cli`). Returns what the
    /// membership was (nil: they were not in the list, nothing recorded) and its row id.
    public static func leave(_ db: Database, listID: String, personID: Int64, source: String,
                             now: Date) throws -> (snapshot: MembershipSnapshot, membershipID: Int64)? {
        guard let row = try MembershipRecord.find(listID: listID, personID: personID, in: db), let id = row.id else {
            return nil
        }
        let before = try snapshot(db, listID: listID, personID: personID)
        _ = try MembershipRecord.delete(listID: listID, personID: personID, in: db)
        try OptOutRecord.record(db, listID: listID, personID: personID, source: source, now: now)
        return (before, id)
    }

    /// Changes a member's delivery mode and/or language override (nil keeps; `.some(nil)` clears the override).
    /// Returns false when the person is not in the list.
    public static func set(_ db: Database, listID: String, personID: Int64, delivery: DeliveryMode?,
                           language: Language??, ownPosts: Bool? = nil) throws -> Bool {
        guard try MembershipRecord.exists(listID: listID, personID: personID, in: db) else { return false }
        try update(db, listID: listID, personID: personID, role: nil, delivery: delivery, language: language,
                   ownPosts: ownPosts)
        return true
    }

    /// Changes a membership's role, delivery or language (nil keeps a field; `.some(nil)` clears the language):
    /// every path that changes a membership (email, `members set`) goes through here. A member who leaves a digest
    /// mode for another is owed what accumulated: the change records a `digest_flushes` request in the same
    /// transaction, which the digest run drains (``DigestFlushRecord``).
    public static func update(_ db: Database, listID: String, personID: Int64, role: MemberRole?,
                              delivery: DeliveryMode?, language: Language??, ownPosts: Bool? = nil,
                              now: Date = Date()) throws {
        if let delivery, !delivery.isDigest,
           let current = try MembershipRecord.find(listID: listID, personID: personID, in: db)?.delivery, current.isDigest {
            try DigestFlushRecord.record(db, listID: listID, personID: personID, format: current.rawValue, at: now)
        }
        try MembershipRecord.update(listID: listID, personID: personID, role: role, delivery: delivery,
                                    language: language, ownPosts: ownPosts, in: db)
    }

    /// Puts a membership back as a snapshot says (an undo): restores the row, or removes it when the person was
    /// not in the list. A restored membership clears the opt-out its leave recorded.
    public static func restore(_ db: Database, _ snapshot: MembershipSnapshot, now: Date) throws {
        if snapshot.present {
            _ = try MembershipRecord.restore(listID: snapshot.listID, personID: snapshot.personID, role: snapshot.role,
                                             delivery: snapshot.delivery, language: snapshot.language,
                                             origin: snapshot.origin, now: now, in: db)
            try OptOutRecord.clear(db, listID: snapshot.listID, personID: snapshot.personID)
        } else {
            _ = try MembershipRecord.delete(listID: snapshot.listID, personID: snapshot.personID, in: db)
        }
    }
}
