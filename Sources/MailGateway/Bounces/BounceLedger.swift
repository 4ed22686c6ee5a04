public import Foundation
public import GRDB

/// One failure to record (BN-9).
public struct BounceObservation: Sendable, Equatable {
    public var address: String
    public var listID: String?
    /// The outbox copy it concerns (from the VERP token, or the copy being sent).
    public var copyID: Int64?
    public var bounceClass: BounceClass
    public var status: EnhancedStatus?
    public var code: Int?
    public var diagnostic: String
    /// `smtp`, `dsn` or `nondsn`.
    public var source: String
    /// The archived bounce message.
    public var bounceRow: Int64?

    public init(address: String, listID: String?, copyID: Int64?, bounceClass: BounceClass,
                status: EnhancedStatus? = nil, code: Int? = nil, diagnostic: String, source: String,
                bounceRow: Int64? = nil) {
        self.address = address
        self.listID = listID
        self.copyID = copyID
        self.bounceClass = bounceClass
        self.status = status
        self.code = code
        self.diagnostic = diagnostic
        self.source = source
        self.bounceRow = bounceRow
    }
}

/// Records failures and keeps each address's score and state (``BounceState``), inside the caller's transaction:
/// the ingest transaction of a bounce message, or the outbox transaction that records a refused copy. It sends
/// nothing: what a new state calls for (a probe, a notice, a warning, a removal) is done by ``BounceActions``.
public enum BounceLedger {
    /// Records one failure; returns the event, or nil when the same copy already has an event from that source.
    @discardableResult
    public static func record(_ db: Database, _ observation: BounceObservation, now: Date) throws -> BounceEventRecord? {
        let key = MailAddress.canonicalKey(observation.address)
        let purpose = try observation.copyID.flatMap { try OutboxCopyRecord.fetchOne(db, key: $0)?.purpose } ?? ""
        var event = BounceEventRecord(
            id: nil, addressKey: key, address: observation.address, listID: observation.listID,
            copyID: observation.copyID, purpose: purpose, bounceClass: observation.bounceClass,
            status: observation.status?.description, code: observation.code,
            diagnostic: String(observation.diagnostic.prefix(2000)), source: observation.source,
            receivingDomain: MailAddress.split(observation.address).domain.map { $0.lowercased() } ?? "",
            counted: false, bounceRow: observation.bounceRow, at: now)
        guard try BounceEventRecord.insertUnlessKnown(db, &event) else { return nil }
        // Counted when the caller's transaction commits: an ingest group that fails is rolled back and redone
        // message by message, which records the same bounce again. (A message rolled back to its own savepoint
        // inside a committed redo still counts: rare, and only the metric is off.)
        let bounceClass = observation.bounceClass.rawValue
        db.afterNextTransaction(onCommit: { _ in GatewayMetrics.bounce(class: bounceClass) })
        let existing = try BounceAddressRecord.find(db, addressKey: key)
        var record = existing
            ?? BounceAddressRecord(addressKey: key, state: BounceState(address: observation.address), updatedAt: now)
        let ofProbe = record.state.probeCopyID != nil && record.state.probeCopyID == observation.copyID
        if observation.bounceClass.countsAgainstMember || ofProbe, let list = observation.listID {
            record.state.listID = list
        }
        event.counted = record.state.record(observation.bounceClass, at: now, ofProbe: ofProbe)
        record.updatedAt = now
        if let id = event.id, event.counted { try BounceEventRecord.setCounted(db, id: id, counted: true) }
        // An address that never counted anything gets no row (a policy storm leaves no trace on members).
        if record.state.score > 0 || record.state.phase != .active || existing != nil {
            try record.save(db)
        }
        return event
    }

    /// Records the server's refusal of a copy the gateway was sending (BN-2), in the transaction that marks the
    /// copy failed: a permanent refusal of RCPT TO or DATA is classified at once; a transient one that used up
    /// the retry period counts as `soft`. A refusal of MAIL FROM, a connection or login failure is the gateway's
    /// own problem and records nothing.
    @discardableResult
    public static func recordRefusal(_ db: Database, copyID: Int64, listID: String, recipient: String,
                                     error: SMTPError, now: Date) throws -> BounceEventRecord? {
        guard ["RCPT", "DATA", "."].contains(error.command) else { return nil }
        let text = "\(error.code) \(error.reply)"
        let bounceClass = error.kind == .permanent ? BounceClassifier.classify(reply: text, code: error.code) : .soft
        return try record(db, BounceObservation(
            address: recipient, listID: listID, copyID: copyID, bounceClass: bounceClass,
            status: EnhancedStatus(error.reply, anywhere: true), code: error.code > 0 ? error.code : nil,
            diagnostic: text, source: "smtp"), now: now)
    }

    /// Enables an address again (a reply to a warning, BN-6): active, score 0. Returns whether it was disabled.
    @discardableResult
    public static func reenable(_ db: Database, address: String, now: Date) throws -> Bool {
        guard var record = try BounceAddressRecord.find(db, addressKey: MailAddress.canonicalKey(address)) else {
            return false
        }
        let wasDisabled = record.state.phase == .disabled
        record.state.reenable()
        record.updatedAt = now
        try record.save(db)
        return wasDisabled
    }

    /// The state of an address (nil: it never counted a bounce).
    public static func state(_ db: Database, address: String) throws -> BounceState? {
        try BounceAddressRecord.find(db, addressKey: MailAddress.canonicalKey(address))?.state
    }
}
