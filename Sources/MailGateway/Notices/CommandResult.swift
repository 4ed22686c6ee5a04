import Foundation

/// The outcome of one command, as a command reply states it (CM-8: what was done, or why not).
public enum CommandResult: Sendable, Equatable {
    /// A confirmation request went to `address` (CM-3, CM-5).
    case confirmationSent(ConfirmationAction, address: String)
    /// Joined (after confirmation).
    case joined
    /// Already a member: nothing changed (delivery re-enabled or mode set when asked).
    case alreadyMember
    /// May not join this list (``JoinRights``).
    case notEntitled
    /// Left the list.
    case left
    /// Not a member of this list: nothing to leave or change.
    case notMember
    /// Delivery mode changed.
    case modeSet(DeliveryMode)
    /// Digest time, day or time zone changed.
    case scheduleSet
    /// Whether the member receives their own posts changed.
    case ownPostsSet(Bool)
    /// Language changed.
    case languageSet(Language)
    /// A change was undone: the membership is back as it was.
    case undone
    /// Help: the command addresses and words.
    case help
    /// The lists this address belongs to.
    case lists([String])
    /// The list's roster (`who`): at most ``CommandResult/rosterLimit`` of `total` members.
    case roster([RosterEntry], total: Int)
    /// `who` from someone the list's `roster_visibility` does not allow.
    case rosterRefused(RosterVisibility)
    /// A line (or an address detail, a mode, a language code) that is not a command.
    case notUnderstood(String)
    /// The token is not one of ours (mistyped or tampered).
    case tokenUnknown
    /// The token expired: start again.
    case tokenExpired(ConfirmationAction)
    /// The token was already used (by whom and when are not told).
    case tokenUsed
    /// Delivery suspended after bounces is resumed (a reply to a bounce warning, BN-6).
    case deliveryResumed
    /// The reply to a confirmation request said no: nothing changed, and the code is spent.
    case confirmationDeclined

    /// One line of a roster: "Name <address>" and the member's role (the template names it in the reader's
    /// language).
    public struct RosterEntry: Sendable, Equatable {
        public var mailbox: String
        public var role: MemberRole
    }

    /// The most roster lines one answer lists (the rest is counted; `members list` has them all).
    public static let rosterLimit = 500

    /// The template's view: one boolean naming the case, and its values.
    func context(list: ListConfig, language: Language) -> [String: Any] {
        let addresses = ListAddresses(address: list.address)
        switch self {
        case .confirmationSent(let action, let address):
            return ["isConfirmationSent": true, "address": address, "action": action.rawValue,
                    "action\(action.rawValue.capitalized)": true]
        case .joined: return ["isJoined": true]
        case .alreadyMember: return ["isAlreadyMember": true]
        case .notEntitled: return ["isNotEntitled": true]
        case .left: return ["isLeft": true]
        case .notMember: return ["isNotMember": true]
        case .modeSet(let mode): return ["isModeSet": true, "mode": MembershipNoticeValues.modeWord(mode)]
        case .scheduleSet: return ["isScheduleSet": true]
        case .ownPostsSet(let on): return [on ? "isOwnPostsOn" : "isOwnPostsOff": true]
        case .languageSet(let l): return ["isLanguageSet": true, "language": l.rawValue]
        case .undone: return ["isUndone": true]
        case .help: return ["isHelp": true]
        case .lists(let names): return ["isLists": true, "names": names.joined(separator: ", "),
                                        "hasNames": !names.isEmpty]
        case .roster(let entries, let total):
            let lines: [[String: Any]] = entries.map {
                ["mailbox": $0.mailbox, "isModerator": $0.role == .moderator, "isOwner": $0.role == .owner]
            }
            return ["isRoster": true, "roster": lines, "rosterCount": total,
                    "hasRosterMore": total > entries.count, "rosterMore": total - entries.count]
        case .rosterRefused(let visibility):
            return ["isRosterRefused": true, "rosterFor\(visibility.rawValue.capitalized)": true]
        // Cut short whatever its source (a body line, an address's detail): an answer to a forged From must not
        // carry the forger's text.
        case .notUnderstood(let line):
            return ["isNotUnderstood": true, "line": String(line.prefix(CommandParser.maxQuotedLineLength))]
        case .tokenUnknown: return ["isTokenUnknown": true]
        case .tokenExpired(let action):
            let again = action == .join ? addresses.join : action == .leave ? addresses.leave : addresses.request
            return ["isTokenExpired": true, "againAddress": again]
        case .tokenUsed: return ["isTokenUsed": true]
        case .deliveryResumed: return ["isDeliveryResumed": true]
        case .confirmationDeclined: return ["isConfirmationDeclined": true]
        }
    }
}
