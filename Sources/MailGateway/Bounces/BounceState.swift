public import Foundation

/// The bounce score and state of one address across lists, and the rules that change them (BN-5, BN-6), with no
/// I/O: every function takes the instant (`now`) it happens at, so a test drives the whole timeline with its own
/// clock.
///
/// - Score: each UTC day counts at most once, with the worst class of the day (hard 1, soft 0.5, unknown 0.25;
///   policy and content 0). It goes back to 0 after `successesToReset` consecutive successful deliveries.
/// - Phases: `active` -> (score >= threshold) `probing`: a probe is sent -> a hard or unknown bounce of the probe
///   -> `disabled` (delivery suspended, membership kept); no bounce within `probeWait` -> `active`, score 0; a
///   policy or content bounce of the probe -> `active`, score 0.
/// - While disabled: up to `maxWarnings` warnings, `warningInterval` apart, each with a re-enable address; after
///   the last one and one more interval, the address is removed from its lists.
public struct BounceState: Sendable, Equatable, Codable {
    /// Where the address stands.
    public enum Phase: String, Sendable, Codable, CaseIterable {
        case active, probing, disabled
    }

    public var address: String
    /// The list of the last event (the probe and the warnings are sent from it).
    public var listID: String?
    public var score: Double = 0
    public var phase: Phase = .active
    /// The UTC day (`yyyy-MM-dd`) that counted last, and the weight it counted with.
    public var countedDay: String?
    public var countedWeight: Double = 0
    public var lastEventAt: Date?
    /// The probe's outbox copy, while probing.
    public var probeCopyID: Int64?
    public var probeSentAt: Date?
    public var disabledAt: Date?
    /// Whether the moderators were told of the disabling.
    public var disabledNotified = false
    public var warningsSent = 0
    public var lastWarningAt: Date?

    public init(address: String, listID: String? = nil, score: Double = 0, phase: Phase = .active,
                countedDay: String? = nil, countedWeight: Double = 0, lastEventAt: Date? = nil,
                probeCopyID: Int64? = nil, probeSentAt: Date? = nil, disabledAt: Date? = nil,
                disabledNotified: Bool = false, warningsSent: Int = 0, lastWarningAt: Date? = nil) {
        self.address = address
        self.listID = listID
        self.score = score
        self.phase = phase
        self.countedDay = countedDay
        self.countedWeight = countedWeight
        self.lastEventAt = lastEventAt
        self.probeCopyID = probeCopyID
        self.probeSentAt = probeSentAt
        self.disabledAt = disabledAt
        self.disabledNotified = disabledNotified
        self.warningsSent = warningsSent
        self.lastWarningAt = lastWarningAt
    }

    /// Applies one failure of class `bounceClass` at `now`; `ofProbe` when it concerns the probe copy. Returns
    /// whether it counted in the score.
    @discardableResult
    public mutating func record(_ bounceClass: BounceClass, at now: Date, ofProbe: Bool = false) -> Bool {
        switch phase {
        case .disabled:
            return false  // residual: the address is already out
        case .probing where ofProbe:
            switch bounceClass {
            case .hard, .unknown:
                disable(at: now)
                return true
            case .policy, .content:
                reset()
                phase = .active
                return false
            case .soft:
                break
            }
        case .probing, .active:
            break
        }
        lastEventAt = now
        let weight = bounceClass.weight
        guard weight > 0 else { return false }
        let day = Self.day(now)
        if day == countedDay {
            guard weight > countedWeight else { return false }
            score += weight - countedWeight
        } else {
            score += weight
            countedDay = day
        }
        countedWeight = weight
        return true
    }

    /// Delivery suspended from `now` (the warnings follow).
    public mutating func disable(at now: Date) {
        phase = .disabled
        disabledAt = now
        disabledNotified = false
        warningsSent = 0
        lastWarningAt = nil
        probeCopyID = nil
        probeSentAt = nil
    }

    /// Score back to 0 (successful deliveries, a probe that came back clean, a re-enable).
    public mutating func reset() {
        score = 0
        countedDay = nil
        countedWeight = 0
        probeCopyID = nil
        probeSentAt = nil
    }

    /// Enabled again (the member answered a warning): active, score 0.
    public mutating func reenable() {
        reset()
        phase = .active
        disabledAt = nil
        disabledNotified = false
        warningsSent = 0
        lastWarningAt = nil
    }

    /// What is due at `now` under `settings` (at most one step; the caller applies it and asks again later).
    public func due(at now: Date, settings: BounceSettings) -> BounceStep? {
        switch phase {
        case .active:
            return score >= settings.threshold ? .sendProbe : nil
        case .probing:
            guard let sent = probeSentAt else { return .sendProbe }
            return now.timeIntervalSince(sent) >= settings.probeWait ? .probeSurvived : nil
        case .disabled:
            if !disabledNotified { return .notifyDisabled }
            guard let last = lastWarningAt else { return settings.maxWarnings > 0 ? .sendWarning : .remove }
            guard now.timeIntervalSince(last) >= settings.warningInterval else { return nil }
            return warningsSent < settings.maxWarnings ? .sendWarning : .remove
        }
    }

    /// The UTC day of an instant, `yyyy-MM-dd` (by arithmetic, as the notice log's: no `Calendar` per bounce).
    public static func day(_ date: Date) -> String { CivilDate.utcDay(date) }
}

/// The next thing to do for an address (``BounceState/due(at:settings:)``).
public enum BounceStep: String, Sendable, Equatable {
    /// The score reached the threshold: send a probe.
    case sendProbe
    /// The probe came back clean within the wait: score 0.
    case probeSurvived
    /// Tell the moderators that the address's delivery is suspended (then the first warning).
    case notifyDisabled
    /// Send the member a warning with the re-enable address.
    case sendWarning
    /// Warnings unanswered: remove the address from its lists.
    case remove
}
