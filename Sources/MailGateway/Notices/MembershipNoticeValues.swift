import Foundation

/// The values of the membership notices (command replies, confirmation requests, welcome, goodbye), beside
/// ``NoticeValues``. Template variables: `results` (each with one `is<Case>` boolean of ``CommandResult`` and
/// its values), the current settings (`isMember`, `mode`, `language`, `digestTime`, `hasDigestTime`), the
/// confirmation (`token`, `confirmAddress`, `action<Join|Leave|Set|Lang>`, `change`, `expiresHours`,
/// `requestedBy`, `hasRequestedBy`), the undo (`undoAddress`, `hasUndo`, `undoDays`), and the list's addresses
/// (`postAddress`, `joinAddress`, `leaveAddress`, `helpAddress`, `requestAddress`, `digestAddress`,
/// `nomailAddress`, `eachAddress`, `ownerAddress`) and kind (`kindInterface`, `kindCollege`, `kindFunders`,
/// `kindIndividuals`, `kindAnnounce`).
public struct MembershipNoticeValues: Sendable {
    public var results: [CommandResult] = []
    /// The current membership (nil: not a member).
    public var delivery: DeliveryMode?
    public var language: Language?
    public var digestTime: String?
    /// A confirmation request's token and what it confirms.
    public var token: ConfirmationToken?
    public var action: ConfirmationAction?
    /// What the confirmation changes, in words (`digest`, `fr`, `07:30`).
    public var change: String?
    public var expiresHours: Int?
    /// Who asked, when not the address itself (CM-5).
    public var requestedBy: String?
    /// A change made at once: its undo token (7 days).
    public var undoToken: ConfirmationToken?

    /// Creates empty values.
    public init() {}

    /// The word members use for a delivery mode (`each`, `nomail`, else the stored value).
    static func modeWord(_ mode: DeliveryMode) -> String {
        switch mode {
        case .immediate: "each"
        case .none: "nomail"
        default: mode.rawValue
        }
    }

    func context(list: ListConfig, language: Language) -> [String: Any] {
        let a = ListAddresses(address: list.address)
        // The list's addresses are in every notice's context already (NoticeComposer).
        var c: [String: Any] = [
            "kind\(list.kind.rawValue.capitalized)": true,
            "results": results.map { $0.context(list: list, language: language) },
            "hasResults": !results.isEmpty,
            "isMember": delivery != nil,
        ]
        if let delivery { c["mode"] = Self.modeWord(delivery) }
        if let l = self.language { c["language"] = l.rawValue }
        if let t = digestTime, delivery?.isDigest == true {
            c["digestTime"] = t
            c["hasDigestTime"] = true
        }
        if let token {
            c["token"] = token.description
            c["confirmAddress"] = a.confirm(token.description)
        }
        if let action { c["action\(action.rawValue.capitalized)"] = true }
        if let change { c["change"] = change }
        if let hours = expiresHours { c["expiresHours"] = String(hours) }
        if let requestedBy, !requestedBy.isEmpty {
            c["requestedBy"] = requestedBy
            c["hasRequestedBy"] = true
        }
        if let undoToken {
            c["undoAddress"] = a.confirm(undoToken.description)
            c["undoToken"] = undoToken.description
            c["hasUndo"] = true
            c["undoDays"] = "7"
        }
        return c
    }
}
