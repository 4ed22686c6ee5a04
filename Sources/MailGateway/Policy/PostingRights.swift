/// Who may post to which list (docs/DESIGN.md "The groups"), derived from the register and the memberships:
///
/// | list kind | may post |
/// |---|---|
/// | college | people of partners of that college |
/// | funders | people of funder partners |
/// | individuals | individual members |
/// | interface | every partner's people **and individual members** (posting needs no joining; joining is opt-in and only brings the mail) |
/// | announce | moderators and owners of that list, and the secretariat |
///
/// On any list but an announcement one, a member (any role) of that list may post too: a moderator who added
/// someone by hand meant it. Moderators and owners may always post to their list.
public enum PostingRights {
    /// True when the identity may post to the list.
    public static func mayPost(_ identity: SenderIdentity, to list: ListConfig, secretariatAddress: Bool = false)
        -> Bool {
        if let role = identity.roles[list.id] {
            if role.canModerate { return true }
            if list.kind != .announce { return true }
        }
        switch list.kind {
        case .college:
            guard let organisation = identity.organisation else { return false }
            return list.college == organisation.college
        case .funders:
            return identity.organisation?.isFunder == true
        case .individuals:
            return identity.isIndividual
        case .interface:
            return true
        case .announce:
            return identity.isSecretariat || secretariatAddress
        }
    }

    /// The lists (in configuration order) the identity may post to.
    public static func postableLists(_ identity: SenderIdentity, among lists: [ListConfig],
                                     secretariatAddress: Bool = false) -> [ListConfig] {
        lists.filter { mayPost(identity, to: $0, secretariatAddress: secretariatAddress) }
    }
}
