public import Foundation

extension MemberDirectory {
    /// Adds the person who has `address` to a list (opt-in to an interface, or a moderator added by hand).
    /// An existing membership gets the given role, delivery and language and becomes manual. Clears an opt-out
    /// (`opt_outs`). With `welcome`, a person new to the list gets a welcome. Returns whether they were new.
    @discardableResult
    public func addMember(listID: String, address: String, role: MemberRole = .member,
                          delivery: DeliveryMode = .immediate, language: Language? = nil,
                          welcome: MembershipMail? = nil, now: Date = Date()) throws -> Bool {
        guard lists.contains(where: { $0.id == listID }) else {
            throw MemberDirectoryError(.unknownList, context: "members add \(listID)")
        }
        if let problem = AddressSyntax.problem(address) {
            throw MemberDirectoryError(.invalidAddress, context: "members add \(listID) (\(problem))")
        }
        return try writer.write { db in
            guard let id = try AddressRecord.personID(address: address, in: db) else {
                throw MemberDirectoryError(.unknownAddress, context: "members add \(listID)")
            }
            let isNew = try !MembershipRecord.exists(listID: listID, personID: id, in: db)
            try MembershipRecord.upsertManual(listID: listID, personID: id, role: role, delivery: delivery,
                                              language: language, now: now, in: db)
            try OptOutRecord.clear(db, listID: listID, personID: id)
            if isNew, let welcome, let list = lists.first(where: { $0.id == listID }) {
                try welcome.welcome(db, list: list, personID: id, now: now)
            }
            return isNew
        }
    }

    /// Removes a person from a list and records the opt-out, so that a register import does not add them back
    /// (until they join again, or `members add`). Returns false when they were not a member.
    @discardableResult
    public func removeMember(listID: String, address: String, now: Date = Date()) throws -> Bool {
        try writer.write { db in
            guard let id = try AddressRecord.personID(address: address, in: db) else {
                throw MemberDirectoryError(.unknownAddress, context: "members remove \(listID)")
            }
            return try MembershipChanges.leave(db, listID: listID, personID: id, source: "cli", now: now) != nil
        }
    }

    /// Changes a membership's role, delivery mode, language override (`.some(nil)` clears the override) or
    /// whether the member receives their own posts.
    public func setMember(listID: String, address: String, role: MemberRole? = nil, delivery: DeliveryMode? = nil,
                          language: Language?? = nil, ownPosts: Bool? = nil, now: Date = Date()) throws {
        try writer.write { db in
            guard let id = try AddressRecord.personID(address: address, in: db) else {
                throw MemberDirectoryError(.unknownAddress, context: "members set \(listID)")
            }
            guard try MembershipRecord.exists(listID: listID, personID: id, in: db) else {
                throw MemberDirectoryError(.unknownAddress, context: "members set \(listID): not a member")
            }
            try MembershipChanges.update(db, listID: listID, personID: id, role: role, delivery: delivery,
                                         language: language, ownPosts: ownPosts, now: now)
        }
    }

    /// Sets a member's digest time (`HH:MM`, local) and weekday (1 = Monday ... 7 = Sunday); `.some(nil)` clears
    /// (the list's, then the configuration's, apply; no weekday = daily), nil keeps.
    public func setDigestSchedule(listID: String, address: String, time: String?? = nil, weekday: Int?? = nil) throws {
        if case let time?? = time, DigestSettings.parseTime(time) == nil {
            throw MemberDirectoryError(.invalidValue, context: "digest time \"\(time)\" (HH:MM)")
        }
        if case let weekday?? = weekday, !(1...7).contains(weekday) {
            throw MemberDirectoryError(.invalidValue, context: "digest weekday \(weekday) (1 = Monday ... 7 = Sunday)")
        }
        try writer.write { db in
            guard let id = try AddressRecord.personID(address: address, in: db),
                  try MembershipRecord.exists(listID: listID, personID: id, in: db) else {
                throw MemberDirectoryError(.unknownAddress, context: "members set \(listID): not a member")
            }
            try DigestMemberRow.setSchedule(db, list: listID, person: id, time: time, weekday: weekday)
        }
    }

    /// Sets a person's time zone (an IANA name; nil: the list's, then the configuration's).
    public func setTimeZone(address: String, timeZone: String?) throws {
        if let timeZone, !DigestSettings.isTimeZone(timeZone) {
            throw MemberDirectoryError(.invalidValue, context: "time zone \"\(timeZone)\" (an IANA name)")
        }
        try writer.write { db in
            guard let id = try AddressRecord.personID(address: address, in: db) else {
                throw MemberDirectoryError(.unknownAddress, context: "time zone")
            }
            try DigestMemberRow.setTimeZone(db, person: id, timeZone: timeZone)
        }
    }

    /// The person id of an address, nil when unknown.
    public func personID(address: String) throws -> Int64? {
        try writer.read { db in try AddressRecord.personID(address: address, in: db) }
    }

    /// The members of a list, by name, optionally only those with one delivery mode.
    public func members(listID: String, delivery: DeliveryMode? = nil) throws -> [Membership] {
        try writer.read { db in try MembershipRecord.members(listID: listID, delivery: delivery, in: db) }
    }
}
