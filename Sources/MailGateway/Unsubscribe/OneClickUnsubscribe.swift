public import Foundation
import GRDB

/// What the HTTP side does with a one-click unsubscribe link (RFC 8058; docs/http.md): `look` reads (the page a
/// GET shows changes nothing: mail scanners follow links), `unsubscribe` sets the member's delivery for that list
/// to `none` ("nomail") through `MembershipChanges.update`, in one transaction, so that the digest flush and every
/// other rule of a membership change apply. The token must be one this gateway's key made for that list
/// (`UnsubscribeKey`): a malformed, tampered or foreign token changes nothing.
public struct OneClickUnsubscribe: Sendable {
    public let lists: [ListConfig]
    public let key: UnsubscribeKey
    public let store: GatewayStore

    public init(lists: [ListConfig], key: UnsubscribeKey, store: GatewayStore) {
        self.lists = lists
        self.key = key
        self.store = store
    }

    /// The member a valid token names, as the page shows them.
    public struct Member: Sendable, Equatable {
        public var list: ListConfig
        public var address: String
        /// The language of their pages: the membership's override, else the person's.
        public var language: Language
        /// Their delivery for the list (after the change, for `unsubscribe`).
        public var delivery: DeliveryMode
    }

    /// What a link leads to.
    public enum Outcome: Sendable, Equatable {
        /// No configured list has this id.
        case unknownList
        /// The token is not one this key made for this list (malformed, tampered, another list's, another key's).
        case invalidToken(ListConfig)
        /// A valid token whose address is no longer in the list (left, removed): nothing to change.
        case notMember(ListConfig)
        /// A member of the list (for `unsubscribe`: now with delivery `none`).
        case member(Member, changed: Bool)
    }

    /// Reads what the link names, changing nothing.
    public func look(listID: String, token: String) async throws -> Outcome {
        guard let (list, address) = verify(listID: listID, token: token) else { return rejected(listID) }
        return try await store.pool.read { db in try Self.member(db, list: list, address: address, change: false) }
    }

    /// Sets the member's delivery for the list to `none`, at once (already `none`: nothing changes).
    public func unsubscribe(listID: String, token: String, now: Date = Date()) async throws -> Outcome {
        guard let (list, address) = verify(listID: listID, token: token) else { return rejected(listID) }
        let outcome = try await store.pool.write { db in
            try Self.member(db, list: list, address: address, change: true, now: now)
        }
        if case .member(_, changed: true) = outcome { GatewayMetrics.unsubscribed(list: list.id) }
        return outcome
    }

    private func verify(listID: String, token: String) -> (ListConfig, String)? {
        guard let list = lists.first(where: { $0.id == listID }),
              let address = key.address(in: token, list: list.id) else { return nil }
        return (list, address)
    }

    private func rejected(_ listID: String) -> Outcome {
        lists.first(where: { $0.id == listID }).map(Outcome.invalidToken) ?? .unknownList
    }

    private static func member(_ db: Database, list: ListConfig, address: String, change: Bool,
                               now: Date = Date()) throws -> Outcome {
        guard let personID = try AddressRecord.personID(normalized: address, in: db),
              let membership = try MembershipRecord.find(listID: list.id, personID: personID, in: db),
              let person = try PersonRecord.person(id: personID, in: db) else { return .notMember(list) }
        var delivery = membership.delivery
        let changed = change && delivery != DeliveryMode.none
        if changed {
            try MembershipChanges.update(db, listID: list.id, personID: personID, role: nil, delivery: DeliveryMode.none,
                                         language: nil, now: now)
            delivery = DeliveryMode.none
        }
        return .member(Member(list: list, address: address, language: membership.language ?? person.language,
                              delivery: delivery), changed: changed)
    }
}
