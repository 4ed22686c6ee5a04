import Foundation
import GRDB

/// The queries of membership changes by email and by the CLI (`MembershipChanges`): one row with its id, and
/// putting back a row as it was (an undo).
extension MembershipRecord {
    /// A person's membership row of a list, with its id; nil when they are not in it.
    static func find(listID: String, personID: Int64, in db: Database) throws -> MembershipRecord? {
        try filter(Column("list_id") == listID && Column("person_id") == personID).fetchOne(db)
    }

    /// Writes a membership exactly as given (role, delivery, language, origin), adding the row if needed: an undo
    /// puts back what a change replaced. Returns the row id.
    static func restore(listID: String, personID: Int64, role: MemberRole, delivery: DeliveryMode, language: Language?,
                        origin: MembershipOrigin, now: Date, in db: Database) throws -> Int64? {
        if var existing = try find(listID: listID, personID: personID, in: db) {
            existing.role = role
            existing.delivery = delivery
            existing.language = language
            existing.origin = origin
            try existing.update(db)
            return existing.id
        }
        var record = MembershipRecord(id: nil, listID: listID, personID: personID, role: role, delivery: delivery,
                                      language: language, origin: origin, joinedAt: now)
        try record.insert(db)
        return record.id
    }
}
