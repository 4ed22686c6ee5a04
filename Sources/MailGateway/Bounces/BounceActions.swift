public import Foundation
public import GRDB

/// What the bounce states call for, carried out in the caller's transaction (the maintenance service, `run
/// --once`, every ten minutes), with `now` given so that a test drives the whole timeline (BN-5..BN-7):
/// - a score that `successesToReset` deliveries accepted since the last bounce (and at least `probeWait` old, so a
///   late DSN could still have come) goes back to 0;
/// - a score at the threshold sends a probe (a VERP'd `bounce-probe` notice); a probe that does not bounce within
///   `probeWait` clears the score; a probe that bounces hard disables the address (``BounceLedger``);
/// - a disabled address: the moderators of its lists are told, the member gets up to `maxWarnings` warnings
///   (`warningInterval` apart) whose Reply-To re-enables it (`list+confirm.<token>@`); after the last one and one
///   more interval, the address leaves all its lists and the moderators are told;
/// - policy refusals (DMARC, SPF, DKIM, block lists) from one receiving domain to one list, at least
///   `policyAlertMin` in 24 hours, make one alert a day to that list's moderators with the suggested fix.
public struct BounceActions: Sendable {
    public let config: GatewayConfig
    public let notices: NoticeComposer
    public let bounceKey: [UInt8]?

    public init(config: GatewayConfig, notices: NoticeComposer, bounceKey: [UInt8]?) {
        self.config = config
        self.notices = notices
        self.bounceKey = bounceKey
    }

    /// What one pass did.
    public struct Report: Sendable, Equatable, Codable {
        public var scoresReset = 0
        public var probesSent = 0
        public var probesSurvived = 0
        public var disabledNotices = 0
        public var warningsSent = 0
        public var removals = 0
        public var policyAlerts = 0

        public init() {}
    }

    var settings: BounceSettings { config.bounces }

    /// One pass over every address that needs attention, then the policy alerts.
    @discardableResult
    public func run(_ db: Database, now: Date) throws -> Report {
        var report = Report()
        for var record in try BounceAddressRecord.needingAttention(db) {
            // Successes count only once `probeWait` old: an address whose last bounce is younger has none yet.
            if record.state.phase == .active, record.state.score > 0, let last = record.state.lastEventAt,
               now.timeIntervalSince(last) > settings.probeWait,
               try BounceAddressRecord.successfulDeliveries(db, address: record.state.address, after: last,
                                                            until: now.addingTimeInterval(-settings.probeWait))
                >= settings.successesToReset {
                record.state.reset()
                report.scoresReset += 1
            }
            var removed = false
            var steps = 0
            while !removed, steps < 4, let step = record.state.due(at: now, settings: settings) {
                steps += 1
                removed = try carry(step, on: &record, report: &report, db: db, now: now)
            }
            if !removed {
                record.updatedAt = now
                try record.save(db)
            }
        }
        report.policyAlerts = try policyAlerts(db, now: now)
        return report
    }

    /// Carries out one step; returns true when the address's row is gone (removed).
    private func carry(_ step: BounceStep, on record: inout BounceAddressRecord, report: inout Report, db: Database,
                       now: Date) throws -> Bool {
        let state = record.state
        let lists = try memberLists(db, address: state.address)
        guard let list = lists.first(where: { $0.id == state.listID }) ?? lists.first else {
            // No longer a member anywhere: nothing to protect or warn about.
            try BounceAddressRecord.delete(db, addressKey: record.addressKey)
            return true
        }
        var values = try bounceValues(db, state: state)
        switch step {
        case .sendProbe:
            let purpose = "bounce-probe:\(Int(now.timeIntervalSince1970))"
            try send(db, .bounceProbe, to: state.address, list: list, values: values, purpose: purpose,
                     envelope: BounceEnvelope(listAddress: list.address, key: bounceKey), now: now)
            record.state.phase = .probing
            record.state.probeSentAt = now
            record.state.probeCopyID = try OutboxCopyRecord.id(db, recipient: state.address, purpose: purpose)
            report.probesSent += 1
        case .probeSurvived:
            record.state.reset()
            record.state.phase = .active
            report.probesSurvived += 1
        case .notifyDisabled:
            let stamp = Int(state.disabledAt?.timeIntervalSince1970 ?? now.timeIntervalSince1970)
            for list in lists {
                try notifyModerators(db, .bounceDisabled, list: list, values: values,
                                     purpose: "bounce-disabled:\(record.addressKey):\(stamp)", now: now)
            }
            record.state.disabledNotified = true
            report.disabledNotices += 1
        case .sendWarning:
            let number = state.warningsSent + 1
            let issued = try Confirmations.issue(
                db, listID: list.id, action: .set, address: state.address,
                parameters: ["setting": "bounce", "value": "enable", "address": state.address], now: now,
                lifetime: settings.warningInterval * Double(settings.maxWarnings - state.warningsSent) + 86_400)
            let reenable = issued.map { ListAddresses(address: list.address).confirm($0.token.description) }
            values.reenableAddress = reenable
            values.warningNumber = number
            values.removalDays = Int(settings.warningInterval / 86_400) * (settings.maxWarnings - state.warningsSent)
            let stamp = Int(state.disabledAt?.timeIntervalSince1970 ?? 0)
            try send(db, .bounceWarning, to: state.address, list: list, values: values,
                     purpose: "bounce-warning:\(stamp):\(number)", replyTo: reenable, now: now)
            record.state.warningsSent = number
            record.state.lastWarningAt = now
            report.warningsSent += 1
        case .remove:
            guard let personID = try AddressRecord.personID(address: state.address, in: db) else { return false }
            for list in lists {
                _ = try MembershipChanges.leave(db, listID: list.id, personID: personID, source: "bounces", now: now)
                try notifyModerators(db, .bounceRemoved, list: list, values: values,
                                     purpose: "bounce-removed:\(record.addressKey):\(Int(now.timeIntervalSince1970))",
                                     now: now)
            }
            try BounceAddressRecord.delete(db, addressKey: record.addressKey)
            report.removals += 1
            return true
        }
        return false
    }

    /// The alerts of this pass (BN-7).
    func policyAlerts(_ db: Database, now: Date) throws -> Int {
        let since = now.addingTimeInterval(-86_400)
        var sent = 0
        for group in try BounceEventRecord.policyGroups(db, since: since) where group.count >= settings.policyAlertMin {
            guard let list = config.list(id: group.listID),
                  try BouncePolicyAlertRecord.claim(db, listID: list.id, domain: group.receivingDomain,
                                                    day: BounceState.day(now), events: group.count, now: now)
            else { continue }
            var values = BounceNoticeValues()
            values.receivingDomain = group.receivingDomain
            values.policyCount = group.count
            values.policyCodes = group.codes
            values.policySample = group.sample
            values.authorDomains = try BounceEventRecord.policyAuthorDomains(db, listID: list.id,
                                                                             domain: group.receivingDomain, since: since)
            try notifyModerators(db, .bouncePolicyAlert, list: list, values: values,
                                 purpose: "bounce-policy-alert:\(list.id):\(group.receivingDomain):\(BounceState.day(now))", now: now)
            sent += 1
        }
        return sent
    }

    // MARK: Mail

    private func bounceValues(_ db: Database, state: BounceState) throws -> BounceNoticeValues {
        var values = BounceNoticeValues()
        values.memberAddress = state.address
        values.score = state.score
        values.maxWarnings = settings.maxWarnings
        values.events = try BounceEventRecord.events(db, addressKey: MailAddress.canonicalKey(state.address), limit: 5)
        return values
    }

    /// The lists the address's person belongs to, as configured.
    private func memberLists(_ db: Database, address: String) throws -> [ListConfig] {
        guard let personID = try AddressRecord.personID(address: address, in: db) else { return [] }
        let roles = try MembershipRecord.roles(ofPerson: personID, in: db)
        return config.lists.filter { roles[$0.id] != nil }
    }

    private func notifyModerators(_ db: Database, _ kind: NoticeKind, list: ListConfig, values: BounceNoticeValues,
                                  purpose: String, now: Date) throws {
        for moderator in try MembershipRecord.members(listID: list.id, in: db) where moderator.role.canModerate {
            try send(db, kind, to: moderator.address, name: moderator.personName, list: list, values: values,
                     purpose: purpose, now: now)
        }
    }

    /// Composes a bounce notice in the recipient's language and queues it (`From: list+owner@`; the null
    /// reverse-path, or the copy's own VERP address for a probe).
    private func send(_ db: Database, _ kind: NoticeKind, to address: String, name: String? = nil, list: ListConfig,
                      values bounce: BounceNoticeValues, purpose: String, envelope: BounceEnvelope? = nil,
                      replyTo: String? = nil, now: Date) throws {
        guard AddressSyntax.isValid(address) else { return }
        let identity = try PersonRecord.identity(of: address, in: db)
        let language = NoticeComposer.language(for: identity, list: list)
        var values = NoticeValues(platformName: config.platformName, originalSubject: "",
                                  recipientName: name ?? identity?.name)
        values.secretariatAddress = config.secretariat.first
        values.bounce = bounce
        let from = MailAddress(name: list.name.value(for: language), address: ListAddresses(address: list.address).owner)
        let notice = try notices.compose(kind, to: MailAddress(name: name ?? identity?.name, address: address),
                                         language: language, list: list, values: values, original: nil, from: from,
                                         replyTo: replyTo.map { MailAddress(address: $0) }, now: now)
        let copy = envelope.map {
            OutgoingCopy(recipient: address, bounceEnvelope: $0, headerPrefix: [], shared: notice.bytes)
        } ?? OutgoingCopy(recipient: address, envelopeFrom: notice.envelopeSender, headerPrefix: [], shared: notice.bytes)
        try Outbox.enqueue(db, listID: list.id, messageID: nil, purpose: .event(purpose), copies: [copy], now: now)
    }
}
