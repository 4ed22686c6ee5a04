public import Foundation
public import GRDB

/// One address in `mailgateway bounces list`.
public struct BounceAddressSummary: Sendable, Codable, Equatable {
    public var address: String
    /// `active`, `probing` or `disabled`.
    public var state: String
    public var score: Double
    public var events: Int
    public var lastEventAt: Date
    /// Events by class (classes with none left out).
    public var byClass: [String: Int]
}

/// One address in `mailgateway bounces show`: its state and its events with their codes and texts.
public struct BounceAddressDetail: Sendable, Codable, Equatable {
    public var address: String
    public var state: BounceState?
    public var events: [BounceEventView]
}

/// One event as the CLI shows it.
public struct BounceEventView: Sendable, Codable, Equatable {
    public var at: Date
    public var list: String?
    public var bounceClass: String
    public var status: String?
    public var code: Int?
    public var source: String
    public var counted: Bool
    public var copyID: Int64?
    public var purpose: String
    public var diagnostic: String

    init(_ e: BounceEventRecord) {
        self.init(at: e.at, list: e.listID, bounceClass: e.bounceClass.rawValue, status: e.status, code: e.code,
                  source: e.source, counted: e.counted, copyID: e.copyID, purpose: e.purpose, diagnostic: e.diagnostic)
    }

    public init(at: Date, list: String?, bounceClass: String, status: String?, code: Int?, source: String,
                counted: Bool, copyID: Int64?, purpose: String, diagnostic: String) {
        self.at = at
        self.list = list
        self.bounceClass = bounceClass
        self.status = status
        self.code = code
        self.source = source
        self.counted = counted
        self.copyID = copyID
        self.purpose = purpose
        self.diagnostic = diagnostic
    }
}

/// The reads of the `bounces` commands.
public enum BounceQueries {
    /// Every address with at least one event, or only `address`.
    public static func list(_ db: Database, address: String? = nil) throws -> [BounceAddressSummary] {
        try BounceReadQueries.summaries(db, addressKey: address.map(MailAddress.canonicalKey))
    }

    /// An address's state and its last `limit` events, newest first; nil when it has neither.
    public static func show(_ db: Database, address: String, limit: Int = 100) throws -> BounceAddressDetail? {
        let key = MailAddress.canonicalKey(address)
        let state = try BounceAddressRecord.find(db, addressKey: key)?.state
        let events = try BounceEventRecord.events(db, addressKey: key, limit: limit).map(BounceEventView.init)
        guard state != nil || !events.isEmpty else { return nil }
        return BounceAddressDetail(address: state?.address ?? address,
                                   state: state, events: events)
    }
}
