/// What the posting chain does with a message (Mailman's chain actions, plus `bounce`).
public enum PolicyAction: String, Sendable, Codable, CaseIterable {
    /// Archived and distributed.
    case accept
    /// Archived, waiting for a moderator.
    case hold
    /// Archived, not distributed; the sender may get a notice.
    case reject
    /// Archived, not distributed, never answered (loops, auto-replies).
    case discard
    /// A delivery status notification: archived for bounce processing, never posted or answered.
    case bounce
}

/// Why a rule decided; stored with the message (`decision_rule` plus this code) and used by notices.
public enum ReasonCode: String, Sendable, Codable, CaseIterable {
    /// Our own List-Id or X-Loop.
    case loop
    /// A delivery status notification (RFC 3464) or a mailer-daemon/postmaster sender.
    case deliveryStatus = "delivery-status"
    /// Auto-Submitted other than `no` (RFC 3834), X-Autoreply, X-Autorespond, a read receipt.
    case autoReply = "auto-reply"
    /// Precedence bulk/junk/list, or the List-Id of another list.
    case bulk
    /// Larger than the list's limit.
    case tooLarge = "too-large"
    /// The trusted Authentication-Results say DMARC fail.
    case dmarcFail = "dmarc-fail"
    /// The trusted Authentication-Results show neither an aligned DKIM pass nor an aligned SPF pass.
    case notAuthenticated = "not-authenticated"
    /// No usable From address.
    case noSender = "no-sender"
    /// The sender may post to this list.
    case entitled
    /// A known person (partner or individual) who may not post to this list.
    case notEntitled = "not-entitled"
    /// The sender is not in the directory.
    case nonMember = "non-member"
    /// No rule of a custom chain decided: held for a moderator.
    case noRuleMatched = "no-rule"
    /// A moderator approved the held message.
    case moderatorApproved = "moderator-approved"
    /// A short post that is mostly a command word ("unsubscribe", "désabonner", "aide"): sent to the list by
    /// mistake (CM-11).
    case looksLikeACommand = "looks-like-a-command"
    /// A post whose subject carries a moderation token: a moderator who replied to the list by mistake.
    case looksLikeAModeratorReply = "looks-like-a-moderator-reply"
    /// A reply to a digest as a whole (its References name a digest, or its subject is a digest's).
    case replyToDigest = "reply-to-digest"
    /// A post to an announcement list by one of its posters whose From is not proven by a trusted aligned pass:
    /// held until the poster confirms the preview mailed to them (AN-2).
    case awaitingPosterConfirmation = "awaiting-poster-confirmation"
}

/// The notices the gateway sends (templates in `templates/<lang>/<kind>.txt.mustache`).
public enum NoticeKind: String, Sendable, Codable, CaseIterable {
    /// To a sender who is not in the directory.
    case notAPartner = "not-a-partner"
    /// To a known person posting to a list they may not post to; names the lists they may post to.
    case notEntitled = "not-entitled"
    /// To a known person writing to an announcement list they may not post to: the address only sends
    /// announcements; write to the secretariat instead.
    case notAnAnnouncer = "not-an-announcer"
    /// To the author of a held message.
    case heldForModeration = "held-for-moderation"
    /// To the moderators of a list: a message waits for them.
    case moderationRequest = "moderation-request"
    /// To the author of a message a moderator rejected.
    case rejectedByModerator = "rejected-by-moderator"
    /// To the author of a held message nobody decided on in time.
    case heldExpired = "held-expired"
    /// To the author of a post held because it looks like a command: the list's `+leave`, `+help` and
    /// `+request` addresses.
    case looksLikeACommand = "looks-like-a-command"
    /// The answer to a command mail (CM-8, CM-9): what was done or why not, and the current settings.
    case commandReply = "command-reply"
    /// A confirmation request to the address a change is for (CM-3, CM-10): `Reply-To: list+confirm.<token>@`.
    case confirmRequest = "confirm-request"
    /// To a person added to a list: what the group is and how to use it.
    case welcome
    /// To a person who left a list: how to come back.
    case goodbye
    /// To a moderator whose emailed reply approved a post: sent to N members.
    case moderationApproved = "moderation-approved"
    /// To a moderator whose emailed reply rejected a post.
    case moderationRejected = "moderation-rejected"
    /// To a moderator whose emailed reply discarded a post.
    case moderationDiscarded = "moderation-discarded"
    /// To a moderator whose reply came after the post was decided (by whom, when) or expired.
    case moderationAlreadyDecided = "moderation-already-decided"
    /// To a moderator whose reply holds no decision word: the words to use.
    case moderationNotUnderstood = "moderation-not-understood"
    /// To someone who replied to a moderation request but is not a moderator of that list.
    case moderationNotAModerator = "moderation-not-a-moderator"
    /// Mail to `list+owner@`, forwarded to the list's moderators (the original attached, Reply-To its author).
    case ownerMail = "owner-mail"
    /// To the author of a reply to a digest as a whole: how to answer one message (its Reply link, or the list).
    case replyToDigest = "reply-to-digest"
    /// To an announcement list's poster whose post waits for their confirmation: exactly what members will
    /// receive, attached, and `Reply-To: list+confirm.<token>@` (AN-2).
    case posterPreview = "poster-preview"
    /// To the poster whose confirmation sent their announcement: to how many members.
    case posterSent = "poster-sent"
    /// To the poster whose answer cancelled their announcement.
    case posterCancelled = "poster-cancelled"
    /// To a member whose score reached the threshold: a test message, VERP'd like a copy (BN-6).
    case bounceProbe = "bounce-probe"
    /// To a member whose delivery is suspended: how to receive the messages again (reply, or the re-enable address).
    case bounceWarning = "bounce-warning"
    /// To the moderators: a member's delivery is suspended after bounces.
    case bounceDisabled = "bounce-disabled"
    /// To the moderators: a member was removed after unanswered warnings.
    case bounceRemoved = "bounce-removed"
    /// To the moderators, at most once a day per receiving domain: policy refusals (DMARC, SPF, DKIM, block
    /// lists) and the suggested fix (BN-7).
    case bouncePolicyAlert = "bounce-policy-alert"
}

/// A rule's verdict.
public struct RuleHit: Sendable, Equatable {
    public var action: PolicyAction
    public var reason: ReasonCode
    /// The notice for the author, if any (rules that catch loops, auto-replies and bounces never set one).
    public var notice: NoticeKind?

    /// Creates a hit.
    public init(_ action: PolicyAction, _ reason: ReasonCode, notice: NoticeKind? = nil) {
        self.action = action
        self.reason = reason
        self.notice = notice
    }
}

/// The chain's outcome, recorded with the message (`status` = action, `decision_rule` = rule).
public struct PolicyDecision: Sendable, Equatable {
    public var action: PolicyAction
    /// Name of the rule that decided.
    public var rule: String
    public var reason: ReasonCode
    /// The notice owed to the author, if any.
    public var notice: NoticeKind?

    /// Creates a decision.
    public init(action: PolicyAction, rule: String, reason: ReasonCode, notice: NoticeKind? = nil) {
        self.action = action
        self.rule = rule
        self.reason = reason
        self.notice = notice
    }
}
